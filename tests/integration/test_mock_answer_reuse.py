"""Answers reused for a repeated request: fresh ids and time, otherwise exactly what composing gives.

The cache is invisible by design, so the judge is a twin: the same seeded mock with the
cache off must send byte-for-byte the same sequence of bodies (ids included), for every
wire family, with tool calls, across a reset.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from timeless import without_time

from gatewright.mock import create_app
from gatewright.mock.answers import AnswerExtension
from gatewright.mock.answers.reuse import AnswerCache
from gatewright.mock.defaults import default_extensions

pytestmark = pytest.mark.asyncio

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
USER = [{"role": "user", "content": "Weather in Paris?"}]
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": USER}),
    ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": USER, "tools": [WEATHER], "n": 2}),
    ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": USER, "stream": True}),
    ("/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 8}),
    (
        "/v1/messages",
        {
            "model": "claude-sonnet-4-5",
            "max_tokens": 64,
            "messages": USER,
            "tools": [{"name": "get_weather", "input_schema": WEATHER["function"]["parameters"]}],
            "tool_choice": {"type": "any"},
        },
    ),
    (
        "/v1/responses",
        {
            "model": "gpt-4o-mini",
            "input": "Weather in Paris?",
            "tools": [{**WEATHER["function"], "type": "function"}],
        },
    ),
]


def _app(cache: bool) -> web.Application:
    extensions = default_extensions(seed=7)
    answers = next(e for e in extensions if isinstance(e, AnswerExtension))
    if not cache:
        answers.reused = AnswerCache(entries=0)
    return create_app(["empiriolabs"], seed=7, access_log=False, extensions=extensions)


async def _bodies(client: TestClient[Any, Any]) -> list[str]:
    out = []
    for _round in range(3):  # the second round is kept (its second sighting), the third reuses it
        for path, body in REQUESTS:
            response = await client.post(path, json=body, headers=AUTH)
            assert response.status == 200, (path, await response.text())
            out.append(await response.text())
    return out


async def test_reused_answers_equal_composed_ones_ids_included(aiohttp_client: MakeClient) -> None:
    cached, composed = await aiohttp_client(_app(cache=True)), await aiohttp_client(_app(cache=False))
    with_cache, without = await _bodies(cached), await _bodies(composed)
    assert [without_time(b) for b in with_cache] == [without_time(b) for b in without]
    assert (await cached.post("/__gatewright/reset")).status == 200
    assert (await composed.post("/__gatewright/reset")).status == 200
    assert [without_time(b) for b in await _bodies(cached)] == [without_time(b) for b in with_cache]


async def test_repeated_tool_calls_get_fresh_ids_that_stay_paired(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(_app(cache=True))
    path, body = REQUESTS[-1]  # Responses: a function_call item's id and call_id share the call's id
    seen: set[str] = set()
    for _ in range(3):
        answer = await (await client.post(path, json=body, headers=AUTH)).json()
        (call,) = [item for item in answer["output"] if item["type"] == "function_call"]
        assert call["id"].removeprefix("fc_") == call["call_id"].removeprefix("call_")
        assert call["call_id"] not in seen and answer["id"] not in seen
        seen |= {call["call_id"], answer["id"]}
        assert json.loads(call["arguments"])["unit"] in {"c", "f"}
