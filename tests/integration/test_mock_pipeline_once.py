"""Each thing the pipeline learns of a request is worked out once and carried (``MockCall``).

The prompt is read once whether a rule asks for it and the answers compose from it; negotiation
runs once per (operation, ``Prefer``, ``Accept``), the JSON answer behind a stream included.
Counted on the real functions while requests go over real sockets (aiohttp's test server).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gatewright.mock import create_app, negotiation, pipeline
from gatewright.mock.answers import prompt
from gatewright.mock.keys import APIS
from gatewright.mock.negotiation import negotiate
from gatewright.mock.preferences import NO_PREFERENCES
from gatewright.mock.schemas import SchemaSet

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
AUTH = {"Authorization": "Bearer sk-test"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Weather in Paris?"}]}
# A rule that reads the prompt and does not hold: the answer is still composed, from the same prompt.
NOT_PARIS = {
    "rules": [
        {
            "name": "about-rome",
            "when": {"api": "empiriolabs", "operation": "createChatCompletion", "contains": "Rome"},
            "then": {"status": 503},
        }
    ]
}


def _counting(real: Callable[..., Any]) -> tuple[Callable[..., Any], list[int]]:
    """``real``, and a list whose one number counts the calls of the wrapper returned."""
    calls = [0]

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    return counting, calls


def _counted(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    counting, calls = _counting(getattr(owner, name))
    monkeypatch.setattr(owner, name, counting)
    return calls


@pytest.fixture
def chat_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times a chat request's prompt is read (``answers.prompt.READERS``)."""
    counting, calls = _counting(prompt.READERS["openai-chat"])
    monkeypatch.setitem(prompt.READERS, "openai-chat", counting)
    yield calls


@pytest.mark.asyncio
async def test_a_rule_and_the_answer_read_one_prompt(
    aiohttp_client: MakeClient, chat_reads: list[int]
) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    installed = await client.post("/__gatewright/rules", json=NOT_PARIS)
    assert installed.status == 201, await installed.text()
    response = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
    assert response.status == 200
    assert (await response.json())["object"] == "chat.completion"
    assert chat_reads[0] == 1  # the rule's condition read it, the answer was composed from it


@pytest.mark.asyncio
async def test_without_rules_the_answer_reads_the_prompt_once(
    aiohttp_client: MakeClient, chat_reads: list[int]
) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    for n in range(3):  # new prompts: none is a repeat
        body = {**CHAT, "messages": [{"role": "user", "content": f"question {n}"}]}
        assert (await client.post("/v1/chat/completions", json=body, headers=AUTH)).status == 200
    assert chat_reads[0] == 3


@pytest.mark.asyncio
async def test_negotiation_runs_once_per_prefer_and_accept(
    aiohttp_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = _counted(monkeypatch, pipeline, "negotiate")
    answers = _counted(monkeypatch, pipeline, "json_answer")
    behind = _counted(monkeypatch, negotiation, "negotiate")  # what json_answer asks of a stream
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    for n in range(3):
        body = {**CHAT, "stream": True, "messages": [{"role": "user", "content": f"stream {n}"}]}
        response = await client.post("/v1/chat/completions", json=body, headers=AUTH)
        assert response.status == 200
        assert (await response.read()).rstrip().endswith(b"data: [DONE]")
    assert (decided[0], answers[0]) == (1, 1)
    assert behind[0] <= 1  # the JSON answer behind the stream, found with the decision, once
    streamed = {**CHAT, "stream": True}
    response = await client.post(
        "/v1/chat/completions", json=streamed, headers={**AUTH, "Accept": "text/event-stream"}
    )
    assert response.status == 200
    await response.read()
    assert (decided[0], answers[0]) == (2, 2)  # another Accept: negotiated once more


@pytest.mark.asyncio
async def test_a_task_create_body_is_judged_once(
    aiohttp_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendering writes the task into the body all at once and checks it once (each write checked on its
    own only when that fails), and the answer leaves marked checked: no second judgement in ``send``."""
    app = create_app(["voxvey"], seed=1, access_log=False)
    ops = app[APIS]["voxvey"].operations
    create = next(op for op in ops.values() if op.task is not None and op.operation.method == "POST")
    decision = negotiate(create.responses, NO_PREFERENCES, "application/json")
    assert decision.media is not None
    response_schema = decision.media.schema_pointer
    judged: list[str] = []
    real = SchemaSet.validator

    def counting(self: SchemaSet, pointer: str, *, formats: bool = False) -> Any:
        validator = real(self, pointer, formats=formats)
        is_valid = validator.is_valid

        class Counted:
            def is_valid(self, value: Any) -> bool:
                judged.append(pointer)
                return bool(is_valid(value))

            def iter_errors(self, value: Any) -> Any:
                return validator.iter_errors(value)

        return Counted()

    monkeypatch.setattr(SchemaSet, "validator", counting)
    client = await aiohttp_client(app)
    body = {"model": "m", "prompt": "a cat"}
    response = await client.post(create.operation.path, json=body, headers=AUTH)
    assert response.status == 200, await response.text()
    created = await response.json()
    assert isinstance(created, dict) and created  # a body with the task written in
    # the spec's generated base (the generator keeps what it makes valid), the composed body once,
    # and the one field the request restates (echo: ``model``), each write kept only if valid
    assert judged.count(response_schema) <= 3, judged
