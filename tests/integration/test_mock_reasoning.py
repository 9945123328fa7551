"""OpenAI reasoning effort is billed as hidden reasoning tokens, judged through the official ``openai`` SDK.

A chat request with ``reasoning_effort`` (a Responses request with ``reasoning.effort``) gets the same
text as one without, and ``usage`` that bills the effort's reasoning tokens (``REASONING_TOKENS``) in
``completion_tokens`` / ``output_tokens`` and states them in ``completion_tokens_details`` /
``output_tokens_details``, as cost tracking reads them. ``max_completion_tokens`` bounds reasoning and
text together. Every API with a chat route answers (the specs that do not declare the field take it as
an extra); a spec whose usage refuses the details still bills the reasoning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from test_mock_llm_answers import _extra, _openai, apis_marked
from test_mock_llm_extras import _declares

from gatewright.mock import create_app
from gatewright.mock.answers.effort import REASONING_TOKENS
from gatewright.mock.answers.prompt import read_chat, read_responses
from gatewright.testing import serve_app

CHAT = apis_marked("openai-chat")
RESPONSES_REASONING = [
    api for api in apis_marked("openai-responses") if _declares(api, "openai-responses", "reasoning")
]


def test_the_specs_declare_reasoning_where_expected() -> None:
    """Guards the parametrizations below against going empty when a spec changes."""
    assert {"beatra", "ipop"} <= {api for api in CHAT if _declares(api, "openai-chat", "reasoning_effort")}
    assert RESPONSES_REASONING == ["ipop"]


def _words(text: str | None) -> int:
    """The tokens the mock bills for a text (its words)."""
    return len((text or "").split())


def _ask(client: openai.OpenAI, api: str, effort: str | None, **options: Any) -> Any:
    model, extra = _extra(api, "openai-chat", "messages")
    asked = {} if effort is None else {"reasoning_effort": effort}
    messages = [{"role": "user", "content": "How far is the Moon?"}]
    return client.chat.completions.create(
        model=model, messages=messages, extra_body=extra, **asked, **options
    )


@pytest.mark.parametrize("api", CHAT)
def test_chat_reasoning_effort_bills_hidden_reasoning_tokens(base_url: str, api: str) -> None:
    with _openai(base_url, api, "openai-chat") as client:
        plain, low, high = (_ask(client, api, effort) for effort in (None, "low", "high"))
    assert plain.usage.completion_tokens_details is None, plain.usage
    assert plain.usage.completion_tokens == _words(plain.choices[0].message.content), plain.usage
    for effort, completion in (("low", low), ("high", high)):
        usage, content = completion.usage, completion.choices[0].message.content
        assert content == plain.choices[0].message.content  # reasoning is hidden: the same text
        assert completion.choices[0].finish_reason == "stop"
        assert usage.completion_tokens_details.reasoning_tokens == REASONING_TOKENS[effort], usage
        assert usage.completion_tokens == REASONING_TOKENS[effort] + _words(content), usage
        assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
        assert usage.prompt_tokens == plain.usage.prompt_tokens
    assert (
        0
        < low.usage.completion_tokens_details.reasoning_tokens
        < high.usage.completion_tokens_details.reasoning_tokens
    )


@pytest.mark.parametrize("api", CHAT)
def test_chat_max_completion_tokens_bounds_reasoning_and_text(base_url: str, api: str) -> None:
    """Reasoning first: the text gets what it leaves (``low``: 64 of 70, so 6 words), or nothing where it
    takes all (``high``); either way the answer ends with ``length``."""
    with _openai(base_url, api, "openai-chat") as client:
        plain = _ask(client, api, None)
        low = _ask(client, api, "low", max_completion_tokens=70)
        high = _ask(client, api, "high", max_completion_tokens=70)
    whole = plain.choices[0].message.content or ""
    assert _words(whole) > 6
    assert low.choices[0].message.content == " ".join(whole.split()[:6]), low.choices[0]
    assert high.choices[0].message.content == "", high.choices[0]
    for completion, reasoning in ((low, 64), (high, 70)):
        assert completion.choices[0].finish_reason == "length"
        assert completion.usage.completion_tokens == 70, completion.usage
        assert completion.usage.completion_tokens_details.reasoning_tokens == reasoning, completion.usage


@pytest.mark.parametrize("api", CHAT)
def test_chat_a_tool_call_reasoning_leaves_no_room_for_is_not_made(base_url: str, api: str) -> None:
    """A forced tool call after reasoning that took all of ``max_completion_tokens`` (``high``: 1024 of 10)
    is not made: the answer ends with ``length`` and no call, as a text's does (arguments are never cut, so
    the call would bill past the limit); with room left (``low``: 64 of 2000) the call is made."""
    weather = {
        "type": "function",
        "function": {
            "name": "weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    forced = {"tools": [weather], "tool_choice": "required"}
    with _openai(base_url, api, "openai-chat") as client:
        starved = _ask(client, api, "high", max_completion_tokens=10, **forced)
        roomy = _ask(client, api, "low", max_completion_tokens=2000, **forced)
    assert starved.choices[0].finish_reason == "length", starved.choices[0]
    assert not starved.choices[0].message.tool_calls, starved.choices[0]
    assert starved.usage.completion_tokens == starved.usage.completion_tokens_details.reasoning_tokens == 10
    assert roomy.choices[0].finish_reason == "tool_calls" and roomy.choices[0].message.tool_calls
    assert roomy.usage.completion_tokens_details.reasoning_tokens == 64 < roomy.usage.completion_tokens


@pytest.mark.parametrize("api", CHAT)
def test_chat_stream_usage_bills_the_same_reasoning(base_url: str, api: str) -> None:
    with _openai(base_url, api, "openai-chat") as client:
        whole = _ask(client, api, "medium")
        chunks = list(_ask(client, api, "medium", stream=True, stream_options={"include_usage": True}))
    text = "".join(choice.delta.content or "" for chunk in chunks for choice in chunk.choices)
    assert text == whole.choices[0].message.content
    usages = [chunk.usage for chunk in chunks if chunk.usage is not None]
    assert len(usages) == 1 and not chunks[-1].choices, chunks[-1]
    assert usages[0].model_dump() == whole.usage.model_dump(), usages[0]
    assert usages[0].completion_tokens_details.reasoning_tokens == REASONING_TOKENS["medium"]


@pytest.mark.parametrize("api", RESPONSES_REASONING)
def test_responses_reasoning_effort_bills_hidden_reasoning_tokens(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-responses", "input")
    with _openai(base_url, api, "openai-responses") as client:
        plain = client.responses.create(model=model, input="How far is the Moon?", extra_body=extra)
        high = client.responses.create(
            model=model, input="How far is the Moon?", reasoning={"effort": "high"}, extra_body=extra
        )
        cut = client.responses.create(
            model=model,
            input="How far is the Moon?",
            reasoning={"effort": "high"},
            max_output_tokens=100,
            extra_body=extra,
        )
    assert plain.usage.output_tokens_details.reasoning_tokens == 0, plain.usage
    assert plain.usage.output_tokens == _words(plain.output_text), plain.usage
    assert high.output_text == plain.output_text and high.status == "completed"
    assert high.usage.output_tokens_details.reasoning_tokens == REASONING_TOKENS["high"], high.usage
    assert high.usage.output_tokens == REASONING_TOKENS["high"] + _words(high.output_text), high.usage
    assert high.usage.total_tokens == high.usage.input_tokens + high.usage.output_tokens
    assert cut.status == "incomplete" and cut.incomplete_details.reason == "max_output_tokens", cut
    assert cut.output_text == "" and cut.usage.output_tokens == 100, cut.usage
    assert cut.usage.output_tokens_details.reasoning_tokens == 100, cut.usage


@pytest.mark.parametrize(
    ("effort", "tokens"),
    [
        ("none", 0),
        ("minimal", 0),
        ("low", 64),
        ("xhigh", 2048),
        ("extreme", None),
        (["high"], None),
        (None, None),
    ],
)
def test_reasoning_effort_is_read_from_both_wires(effort: Any, tokens: int | None) -> None:
    """An effort the table does not list (or no string) asks for no reasoning; none and minimal for none."""
    chat = read_chat({"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": effort})
    responses = read_responses({"input": "hi", "reasoning": {"effort": effort}})
    assert chat.reasoning == responses.reasoning == tokens


# -- a spec whose usage refuses the details ---------------------------------------------------------

USAGE = {
    "type": "object",
    "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
    "properties": {k: {"type": "integer"} for k in ("prompt_tokens", "completion_tokens", "total_tokens")},
    "additionalProperties": False,
}
COMPLETION = {
    "type": "object",
    "required": ["id", "object", "created", "model", "choices", "usage"],
    "properties": {
        "id": {"type": "string"},
        "object": {"const": "chat.completion"},
        "created": {"type": "integer"},
        "model": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "object"}},
        "usage": USAGE,
    },
}


def _spec() -> dict[str, Any]:
    body = {"application/json": {"schema": {"type": "object"}}}
    answer = {"200": {"description": "a completion", "content": {"application/json": {"schema": COMPLETION}}}}
    chat = {
        "operationId": "createChatCompletion",
        "security": [],
        "x-gatewright-compatible": {"wire": "openai-chat"},
        "requestBody": {"required": True, "content": body},
        "responses": answer,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "chat", "version": "1"},
        "paths": {"/v1/chat/completions": {"post": chat}},
    }


def test_reasoning_a_spec_cannot_state_is_still_billed(tmp_path: Path) -> None:
    """The fit would drop the whole ``usage`` the details are part of (the SDK then reads the spec's
    placeholder counts); the answer leaves the details out and keeps its counts, the reasoning billed."""
    spec_path = tmp_path / "chat.openapi.json"
    spec_path.write_text(json.dumps(_spec()), encoding="utf-8")
    messages: Any = [{"role": "user", "content": "hi"}]
    with (
        serve_app(create_app(spec_path=spec_path, seed=1, access_log=False)) as url,
        openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0) as client,
    ):
        plain = client.chat.completions.create(model="m", messages=messages)
        high = client.chat.completions.create(model="m", messages=messages, reasoning_effort="high")
    content = high.choices[0].message.content
    assert content == plain.choices[0].message.content and content
    assert high.usage is not None and high.usage.completion_tokens_details is None, high.usage
    assert high.usage.completion_tokens == REASONING_TOKENS["high"] + _words(content), high.usage
    assert high.usage.prompt_tokens == plain.usage.prompt_tokens  # type: ignore[union-attr]
