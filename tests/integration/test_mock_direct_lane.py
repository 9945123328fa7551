"""The direct lane (``extensions.DirectLane``): a plain chat request answered without the hooks' stage.

Its answers must be the hooks' own: under one seed, the same status and body (but the time) for any plain
chat request on every API with the route, as a twin mock that takes the hooks gives (a rule installed that
matches nothing makes the pipeline skip the lane). And it must leave to the hooks what it does not answer:
a stream, a ``Prefer``, a rule. Real sockets (aiohttp's test server on
127.0.0.1); the official ``openai`` SDK for the SDK's own view.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mock_llm_answers import _extra, _key_headers, _path, apis_marked
from timeless import without_time

from gatewright.mock import create_app, extensions
from gatewright.mock.keys import API_HANDLERS
from gatewright.testing import add_rules, reset_mock, running_mock

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
CHAT = apis_marked("openai-chat")
# A rule that matches no request: installed, it makes every request take the hooks.
NO_MATCH = {"rules": [{"when": {"headers": {"x-never-sent": "1"}}, "then": {"status": 503}}]}
# Models as each API names them: one that does not reason, one that reasons unasked, one that thinks aloud.
MODELS = {
    "beatra": ["gpt-4o-mini", "gpt-5-mini", "deepseek-reasoner"],
    "empiriolabs": ["gpt-4o-mini", "gpt-5-mini", "deepseek-reasoner"],
    "imarouter": ["gpt-4o-mini", "gpt-5-mini", "deepseek-reasoner"],
    "ipop": ["mistral-small-2603", "openai/gpt-5-nano"],
    "voxvey": ["openai/gpt-4o-mini", "openai/gpt-5-mini", "deepseek/deepseek-reasoner"],
}
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
_words = st.text(alphabet="abcdefghij XYZ?!.", min_size=1, max_size=40)
_messages = st.lists(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant"]), "content": _words}),
    max_size=3,
).map(lambda turns: [*turns, {"role": "user", "content": "Go on."}])
_options = st.fixed_dictionaries(
    {},
    optional={
        "max_tokens": st.integers(1, 300),
        "stop": st.lists(st.sampled_from(["a", "e.", "XYZ", "deterministic"]), min_size=1, max_size=2),
        "n": st.integers(1, 3),
        "temperature": st.floats(0, 2),
        "logprobs": st.booleans(),
        "reasoning_effort": st.sampled_from(["low", "high"]),
        "tools": st.just([{"type": "function", "function": {"name": "weather", "parameters": WEATHER}}]),
        "tool_choice": st.sampled_from(["auto", "required", "none"]),
        "response_format": st.sampled_from([{"type": "json_object"}, {"type": "text"}]),
    },
)


@pytest.fixture(scope="module", params=CHAT)
def twins(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str]]:
    """(api, the mock, its twin that takes the hooks), both under seed 0, over real sockets."""
    api = request.param
    with running_mock([api], seed=0) as lane, running_mock([api], seed=0) as hooks:
        yield api, lane, hooks


def _answer(base_url: str, api: str, body: dict[str, Any]) -> tuple[int, str, str]:
    headers = {"Authorization": "Bearer sk-test", **_key_headers(api, "openai-chat")}
    response = requests.post(f"{base_url}{_path(api, 'openai-chat')}", json=body, headers=headers, timeout=10)
    return response.status_code, response.headers.get("Content-Type", ""), without_time(response.text)


@pytest.mark.parametrize("api", CHAT)
def test_every_chat_route_has_a_lane_and_answers_kept_by_a_watcher_none(api: str) -> None:
    """The lane serves each API's chat route; not the Responses or Messages routes, whose answers are
    kept (stored responses, threads), nor embeddings (no prompt)."""
    app = create_app([api], seed=1, access_log=False)
    (handler,) = app[API_HANDLERS]
    wires = {op.operation_id: op.wire for op in handler.api.operations.values()}
    laned = {wires[operation] for operation in handler._lanes}
    assert "openai-chat" in laned
    assert laned <= {"openai-chat", "openai-completions"}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_lane_answers_as_the_hooks_do(twins: tuple[str, str, str], data: st.DataObject) -> None:
    api, lane, hooks = twins
    for mock in (lane, hooks):  # both from the seed's first id
        reset_mock(mock)
    add_rules(hooks, NO_MATCH)
    model = data.draw(st.sampled_from(MODELS[api]))
    _, required = _extra(api, "openai-chat", "messages")
    for _ in range(2):  # the second draws its ids after the first's, in both
        body = {**required, "model": model, "messages": data.draw(_messages), **data.draw(_options)}
        assert _answer(lane, api, body) == _answer(hooks, api, body), json.dumps(body)


@pytest.mark.asyncio
async def test_the_lane_leaves_to_the_hooks_what_it_does_not_answer(
    aiohttp_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain request makes no ``MockCall`` (the hooks' value), a tool call or a structured output neither;
    a stream, a ``Prefer`` and a request under a rule each do, and get what they asked for."""
    made: list[object] = []
    mock_call = extensions.MockCall

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(args[2].operation_id)
        return mock_call(*args, **kwargs)

    monkeypatch.setattr("gatewright.mock.pipeline.MockCall", counted)
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    auth = {"Authorization": "Bearer sk-test"}
    plain = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}

    async def post(body: dict[str, Any], **headers: str) -> web.StreamResponse:
        return await client.post("/v1/chat/completions", json=body, headers={**auth, **headers})

    assert (await post(plain)).status == 200
    assert made == []
    streamed = await post({**plain, "stream": True})
    assert streamed.content_type == "text/event-stream"
    assert (await streamed.text()).rstrip().endswith("data: [DONE]")
    assert (await post(plain, Accept="text/event-stream")).content_type == "text/event-stream"
    assert (await post(plain, Prefer="code=429")).status == 429
    tool = {"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}
    called = await (await post({**plain, "tools": [tool], "tool_choice": "required"})).json()
    assert called["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "weather"
    structured = await (await post({**plain, "response_format": {"type": "json_object"}})).json()
    assert isinstance(json.loads(structured["choices"][0]["message"]["content"]), dict)
    assert len(made) == 3
    rule = {"when": {"operation": "createChatCompletion"}, "then": {"text": "Scripted."}}
    assert (await client.post("/__gatewright/rules", json={"rules": [rule]})).status == 201
    ruled = await (await post(plain)).json()
    assert ruled["choices"][0]["message"]["content"] == "Scripted."
    assert len(made) == 4
