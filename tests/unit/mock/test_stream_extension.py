"""StreamExtension on a small inline spec: when requests stream; agent-turn events follow the engine."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from extension_mock import ExtensionMock

from gatewright.mock.streaming.extension import AGENT_TEXT

STATUS = {"type": "string", "enum": ["queued", "warming", "completed", "failed", "canceled"]}
TURN = {
    "type": "object",
    "required": ["request_id", "lifecycle"],
    "properties": {"request_id": {"type": "string"}, "lifecycle": STATUS},
}
CHAT = {
    "type": "object",
    "required": ["id", "object", "created", "model", "choices"],
    "properties": {
        "id": {"type": "string"},
        "object": {"const": "chat.completion"},
        "created": {"type": "integer"},
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "message": {
                        "type": "object",
                        "properties": {"role": {"const": "assistant"}, "content": {"type": "string"}},
                    },
                    "finish_reason": {"type": "string"},
                },
            },
        },
    },
}
SSE_EVENT = {"type": "object", "properties": {"data": {"type": "string"}, "id": {"type": "string"}}}
ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def _sse(fmt: str) -> dict[str, Any]:
    return {"schema": SSE_EVENT, "x-gatewright-stream": {"format": fmt}}


def _param(name: str, where: str = "path") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": {"type": "string"}}


def spec_document() -> dict[str, Any]:
    errors = {"400": _json(ERROR), "404": _json(ERROR)}
    body = {"content": {"application/json": {"schema": {"type": "object"}}}}
    task = {
        "poll": "getTurn",
        "id": "$response.body#/request_id",
        "status": "/lifecycle",
        "states": {
            "initial": ["queued"],
            "running": ["warming"],
            "succeeded": ["completed"],
            "failed": ["failed"],
            "cancelled": ["canceled"],
        },
    }
    chat_ok = {
        "description": "ok",
        "content": {"application/json": {"schema": CHAT}, "text/event-stream": _sse("openai-chat")},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "tiny streams", "version": "1"},
        "security": [],
        "paths": {
            "/v1/chat/completions": {
                "post": {
                    "operationId": "createChat",
                    "requestBody": body,
                    "responses": {"200": chat_ok, **errors},
                }
            },
            "/v1/agent-turns": {
                "post": {
                    "operationId": "createTurn",
                    "requestBody": body,
                    "responses": {"200": _json(TURN), **errors},
                    "x-gatewright-task": task,
                }
            },
            "/v1/agent-turns/{request_id}": {
                "get": {
                    "operationId": "getTurn",
                    "parameters": [_param("request_id")],
                    "responses": {"200": _json(TURN), **errors},
                }
            },
            "/v1/agent-turns/{request_id}/events": {
                "get": {
                    "operationId": "getTurnEvents",
                    "parameters": [_param("request_id"), _param("Last-Event-ID", "header")],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"text/event-stream": _sse("ipop-agent-events")},
                        },
                        **errors,
                    },
                }
            },
        },
    }


# the module's spec, for the spec_path and mock fixtures (tests/conftest.py, tests/unit/mock/conftest.py)
SPEC_DOCUMENT, SPEC_ID = spec_document, "streams"


# --- when a request streams -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_stream_true_answers_sse_and_plain_requests_json(mock: ExtensionMock) -> None:
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    async with mock.client.post("/v1/chat/completions", json={**request, "stream": True}) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        text = await response.text()
    assert text.rstrip().endswith("data: [DONE]")
    async with mock.client.post("/v1/chat/completions", json=request) as response:
        assert response.headers["Content-Type"] == "application/json"
        assert (await response.json())["object"] == "chat.completion"


@pytest.mark.asyncio
async def test_accept_event_stream_streams_and_prefer_code_does_not(mock: ExtensionMock) -> None:
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Accept": "text/event-stream"}
    async with mock.client.post("/v1/chat/completions", json=request, headers=headers) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
    stream = {**request, "stream": True}
    async with mock.client.post(
        "/v1/chat/completions", json=stream, headers={"Prefer": "code=400"}
    ) as response:
        assert response.status == 400
        assert response.headers["Content-Type"] == "application/json"


# --- agent-turn events follow the turn ------------------------------------------------------------


@pytest.mark.asyncio
async def test_events_of_a_finished_turn_replay_what_it_went_through(mock: ExtensionMock) -> None:
    turn_id = await mock.turn()
    mock.clock.advance(11)
    events = await mock.events(turn_id)
    assert [e["event_seq"] for e in events] == list(range(1, len(events) + 1))
    lifecycles = [e["lifecycle"] for e in events if e["type"] == "lifecycle"]
    assert lifecycles == ["queued", "warming", "completed"]
    assert "".join(e.get("delta", "") for e in events) == AGENT_TEXT
    assert {e["request_id"] for e in events} == {turn_id}


@pytest.mark.asyncio
async def test_a_failed_turn_ends_failed_without_output(mock: ExtensionMock) -> None:
    turn_id = await mock.turn(Prefer="task=fail")
    mock.clock.advance(11)
    events = await mock.events(turn_id)
    assert [(e["type"], e["lifecycle"]) for e in events] == [
        ("lifecycle", "queued"),
        ("lifecycle", "warming"),
        ("lifecycle", "failed"),
    ]


@pytest.mark.asyncio
async def test_the_stream_follows_a_running_turn_until_it_ends(mock: ExtensionMock) -> None:
    turn_id = await mock.turn()
    mock.clock.advance(2)  # running

    async def finish_later() -> None:
        await asyncio.sleep(0.05)
        mock.clock.advance(10)

    finisher = asyncio.ensure_future(finish_later())
    events = await asyncio.wait_for(mock.events(turn_id), timeout=5)
    await finisher
    assert events[-1]["lifecycle"] == "completed" and events[-1]["final"] is True
    assert [e["lifecycle"] for e in events[:2]] == ["queued", "warming"]


@pytest.mark.asyncio
async def test_resume_mid_turn_continues_the_same_numbering(mock: ExtensionMock) -> None:
    turn_id = await mock.turn()
    mock.clock.advance(11)
    everything = await mock.events(turn_id)
    rest = await mock.events(turn_id, **{"Last-Event-ID": "2"})
    assert rest == everything[2:]


@pytest.mark.asyncio
async def test_an_unknown_turn_replays_a_whole_successful_turn(mock: ExtensionMock) -> None:
    events = await mock.events("turn_nobody_made")
    assert events[0]["lifecycle"] == "queued" and events[-1]["lifecycle"] == "completed"
