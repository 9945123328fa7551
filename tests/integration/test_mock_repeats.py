"""Byte-identical requests answered again without the pipeline (``gatewright.mock.repeats``).

A repeat must be indistinguishable from the request taking the whole pipeline: fresh ids,
the same content, a journal entry, authentication checked; and nothing may be repeated
past a rule installed later, a different ``Accept``, a reset, or an operation whose hooks
keep state. Real sockets (aiohttp's test server on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timeless import without_time

from gatewright.mock import create_app
from gatewright.mock.keys import APIS

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
AUTH = {"Authorization": "Bearer sk-test"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Weather in Paris?"}]}


def _counting_validations(app: web.Application, api: str, operation: str) -> list[int]:
    """Count calls of one operation's request validator (what a repeat skips)."""
    validator = app[APIS][api].operations[operation].validator
    calls = [0]
    validate = validator.validate

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return validate(*args)

    validator.validate = counted  # type: ignore[method-assign,assignment]
    return calls


async def _chat(client: TestClient[Any, Any], **headers: str) -> tuple[int, dict[str, Any]]:
    response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, **headers})
    return response.status, await response.json()


@pytest.mark.asyncio
async def test_a_repeat_skips_validation_and_gets_fresh_ids_and_the_same_answer(
    aiohttp_client: MakeClient,
) -> None:
    app = create_app(["empiriolabs"], seed=3, access_log=False)
    validations = _counting_validations(app, "empiriolabs", "createChatCompletion")
    client = await aiohttp_client(app)
    answers = [await _chat(client) for _ in range(4)]
    assert [status for status, _ in answers] == [200, 200, 200, 200]
    assert validations[0] == 2  # kept on its second sighting (``answers.reuse``): the rest were known
    assert len({body["id"] for _, body in answers}) == 4
    assert len({body["choices"][0]["message"]["content"] for _, body in answers}) == 1
    journal = await (await client.get("/__gatewright/requests")).json()
    entries = [entry for entry in journal["requests"] if entry["operation"] == "createChatCompletion"]
    assert [entry["status"] for entry in entries] == [200, 200, 200, 200]
    assert all(entry["body"] == CHAT for entry in entries)
    state = await (await client.get("/__gatewright/state")).json()
    assert state["answers"]["answered"] == 4


@pytest.mark.asyncio
async def test_a_repeat_still_checks_credentials(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=3, access_log=False))
    assert (await _chat(client))[0] == 200
    response = await client.post("/v1/chat/completions", json=CHAT)
    assert response.status == 401
    assert "error" in await response.json()


@pytest.mark.asyncio
async def test_a_rule_added_later_wins_over_a_kept_answer(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=3, access_log=False))
    _, first = await _chat(client)
    rule = {"when": {"operation": "createChatCompletion"}, "then": {"text": "Scripted by a rule."}}
    assert (await client.post("/__gatewright/rules", json={"rules": [rule]})).status == 201
    _, ruled = await _chat(client)
    assert ruled["choices"][0]["message"]["content"] == "Scripted by a rule."
    assert (await client.delete("/__gatewright/rules")).status in {200, 204}
    _, after = await _chat(client)
    assert after["choices"][0]["message"]["content"] == first["choices"][0]["message"]["content"]
    assert after["id"] != first["id"]


@pytest.mark.asyncio
async def test_a_different_accept_is_not_a_repeat(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=3, access_log=False))
    assert (await _chat(client))[0] == 200
    response = await client.post(
        "/v1/chat/completions", json=CHAT, headers={**AUTH, "Accept": "text/event-stream"}
    )
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    assert (await response.text()).rstrip().endswith("data: [DONE]")


@pytest.mark.asyncio
async def test_after_a_reset_repeats_answer_as_a_fresh_mock_does(aiohttp_client: MakeClient) -> None:
    used = await aiohttp_client(create_app(["empiriolabs"], seed=3, access_log=False))
    fresh = await aiohttp_client(create_app(["empiriolabs"], seed=3, access_log=False))
    for _ in range(3):
        await _chat(used)
    assert (await used.post("/__gatewright/reset")).status == 200
    after_reset = [await _chat(used) for _ in range(2)]
    first_seen = [await _chat(fresh) for _ in range(2)]
    # the same ids and text; ``created`` is the clock's, which may tick between the two halves
    stamps = [body.pop("created") for _, body in (*after_reset, *first_seen)]
    assert max(stamps) - min(stamps) <= 1
    assert after_reset == first_seen


@pytest.mark.asyncio
async def test_an_operation_with_a_stateful_hook_is_never_repeated(aiohttp_client: MakeClient) -> None:
    """ipop's Responses also starts tasks (``background``): every request takes the whole pipeline."""
    app = create_app(["ipop"], seed=3, access_log=False)
    validations = _counting_validations(app, "ipop", "postResponses")
    client = await aiohttp_client(app)
    for _ in range(3):
        response = await client.post(
            "/v1/responses",
            json={"model": "claude-sonnet-4.6", "input": "Hello"},
            headers={**AUTH, "x-api-key": "sk-test"},
        )
        assert response.status == 200, await response.text()
    assert validations[0] == 3


@pytest.mark.asyncio
async def test_a_declared_header_parameter_is_part_of_the_request(aiohttp_client: MakeClient) -> None:
    """empiriolabs' Messages requires ``anthropic-version``: the same body without it is refused."""
    client = await aiohttp_client(create_app(["empiriolabs"], seed=3, access_log=False))
    body = {"model": "claude-sonnet-4-5", "max_tokens": 32, "messages": [{"role": "user", "content": "Hi"}]}
    versioned = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
    for _ in range(2):
        assert (await client.post("/v1/messages", json=body, headers=versioned)).status == 200
    response = await client.post("/v1/messages", json=body, headers={"x-api-key": "sk-test"})
    assert response.status in {400, 422}
    assert "anthropic-version" in await response.text()


# Requests a test suite sends, some of them twice in a row: answered, streamed, refused.
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
POOL: list[tuple[str, dict[str, str], Any]] = [
    ("/v1/chat/completions", AUTH, CHAT),
    ("/v1/chat/completions", AUTH, {**CHAT, "tools": [TOOL], "tool_choice": "required", "n": 2}),
    ("/v1/chat/completions", {**AUTH, "Accept": "text/event-stream"}, CHAT),
    ("/v1/chat/completions", AUTH, {**CHAT, "stream": True}),
    ("/v1/chat/completions", {}, CHAT),
    ("/v1/chat/completions", AUTH, {"model": "gpt-4o-mini"}),
    ("/v1/embeddings", AUTH, {"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 4}),
    ("/v1/responses", AUTH, {"model": "gpt-4o-mini", "input": "Hello"}),
    (
        "/v1/messages",
        {"x-api-key": "k", "anthropic-version": "2023-06-01"},
        {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]},
    ),
    (
        "/v1/messages",
        {"x-api-key": "k"},
        {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]},
    ),
]
NEVER = {"rules": [{"when": {"headers": {"x-test-id": "never-sent"}}, "then": {"text": "never"}}]}


async def _replies(sequence: list[int], *, repeats: bool) -> list[tuple[int, str]]:
    async with TestClient(TestServer(create_app(["empiriolabs"], seed=5, access_log=False))) as client:
        if not repeats:  # any installed rule turns repeats off; this one matches nothing
            assert (await client.post("/__gatewright/rules", json=NEVER)).status == 201
        replies = []
        for index in sequence:
            path, headers, body = POOL[index]
            response = await client.post(path, json=body, headers=headers)
            replies.append((response.status, without_time(await response.text())))
        return replies


@pytest.mark.slow  # every operation, twice
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, len(POOL) - 1), min_size=2, max_size=10).map(lambda s: [*s, *s]))
def test_repeats_change_nothing_a_client_sees(sequence: list[int]) -> None:
    """Any sequence (each sent twice over) gets the same statuses and bytes, ids included, with or
    without repeats: a seeded twin with a rule installed takes the whole pipeline every time."""
    with_repeats = asyncio.run(_replies(sequence, repeats=True))
    without = asyncio.run(_replies(sequence, repeats=False))
    assert with_repeats == without


@pytest.mark.asyncio
async def test_plain_messages_requests_are_repeated_and_threaded_ones_never(
    aiohttp_client: MakeClient,
) -> None:
    """Keeping Anthropic threads (``answers.threads``) takes only the requests that carry a ``thread`` out of
    the repeats: each of those is a new thread under a new id, kept (review: every Messages request lost
    the repeats)."""
    app = create_app(["imarouter"], seed=3, access_log=False)
    validations = _counting_validations(app, "imarouter", "postMessages")
    client = await aiohttp_client(app)
    plain = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
    for _ in range(4):
        assert (await client.post("/v1/messages", json=plain, headers=AUTH)).status == 200
    assert validations[0] == 2  # kept on its second sighting, as chat is
    threaded = {**plain, "thread": {"type": "create"}}
    ids = []
    for _ in range(3):
        answer = await client.post("/v1/messages", json=threaded, headers=AUTH)
        ids.append((await answer.json())["id"])
    assert validations[0] == 5 and len(set(ids)) == 3
    state = await (await client.get("/__gatewright/state")).json()
    assert state["message_threads"]["threads"] == 3


@pytest.mark.asyncio
async def test_kept_threads_stay_within_conversation_bytes(aiohttp_client: MakeClient) -> None:
    """``--conversation-bytes`` bounds the threads kept: the oldest go first."""
    app = create_app(["imarouter"], seed=3, access_log=False, conversation_bytes=4000)
    client = await aiohttp_client(app)
    threaded = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hi " * 200}],
        "thread": {"type": "create"},
    }
    for _ in range(10):
        assert (await client.post("/v1/messages", json=threaded, headers=AUTH)).status == 200
    kept = (await (await client.get("/__gatewright/state")).json())["message_threads"]
    assert 0 < kept["threads"] < 10 and 0 < kept["bytes"] <= 4000


@pytest.mark.asyncio
async def test_a_retry_under_an_idempotency_key_gets_its_first_answer_not_a_repeat(
    aiohttp_client: MakeClient,
) -> None:
    """beatra's chat declares ``Idempotency-Key``: a body seen before without the key is a repeat, but the
    retry of a keyed request is the key's first answer, byte for byte (``mock.idempotency``)."""
    client = await aiohttp_client(create_app(["beatra"], seed=3, access_log=False))

    async def sent(**headers: str) -> bytes:
        response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, **headers})
        assert response.status == 200
        return await response.read()

    await sent()
    await sent()  # the body is now kept: a third would be a repeat
    first = await sent(**{"Idempotency-Key": "A"})
    assert await sent(**{"Idempotency-Key": "A"}) == first
    assert await sent() != first
