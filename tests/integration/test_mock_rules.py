"""The programmable mock (DESIGN.md, "Programmable mock"): rules, faults and the journal.

Everything runs over real sockets (127.0.0.1) with the official SDKs against
``empiriolabs`` served alone (chat, completions, messages, responses, embeddings at
the root). One module-scoped mock serves most tests; each test starts from
``POST /__gatewright/reset`` and adds its rules at runtime through the control API.
Run-wide faults (``--rpm``, ``--error-rate``, ``--latency``) get a mock of their own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pydantic
import pytest

from gatewright.mock import create_app
from gatewright.mock.rules import FaultSettings
from gatewright.testing import serve_app

API = "empiriolabs"
MODEL = "gpt-4o-mini"
CLAUDE = "claude-mock-test"  # not in the SDK's deprecated list (that warns, and warnings are errors)
CHAT_OP, MESSAGES_OP = "createChatCompletion", "createMessage"

# Rules from a file: they stay across resets (only their counters are forgotten).
FILE_RULES = """\
rules:
  - name: from-file
    when: {operation: createChatCompletion, headers: {x-test-id: file-rule}}
    times: 1
    then: {text: "Answered by the file rule."}
"""

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
ANTHROPIC_WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather in a city",
    "input_schema": WEATHER_TOOL["function"]["parameters"],
}
FINAL = "It is 21C in Paris."
TOOL_CALL = {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}


class Weather(pydantic.BaseModel):
    city: str
    temperature_c: int


TEN_WORDS = "one two three four five six seven eight nine ten"


# -- the mock and its control API ----------------------------------------------------------------------


class Control:
    """The mock's control API (``/__gatewright/...``) through a plain HTTP client."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx2.Client(base_url=url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def reset(self) -> None:
        assert self.http.post("/__gatewright/reset").status_code == 200

    def post_rules(self, document: Any) -> httpx2.Response:
        if isinstance(document, str):
            return self.http.post("/__gatewright/rules", content=document.encode())
        return self.http.post("/__gatewright/rules", json=document)

    def add(self, *rules: dict[str, Any]) -> list[str]:
        response = self.post_rules({"rules": list(rules)})
        assert response.status_code == 201, response.text
        ids = response.json()["ids"]
        assert len(ids) == len(rules)
        return list(ids)

    def rules(self, source: str | None = "runtime") -> list[dict[str, Any]]:
        rules = self.http.get("/__gatewright/rules").json()["rules"]
        return [rule for rule in rules if source is None or rule["source"] == source]

    def journal(self, header: str | None = None) -> list[dict[str, Any]]:
        params = {"header": header} if header is not None else None
        response = self.http.get("/__gatewright/requests", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["requests"])


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    rules_file = tmp_path_factory.mktemp("rules") / "file-rules.yaml"
    rules_file.write_text(FILE_RULES, encoding="utf-8")
    with serve_app(create_app([API], seed=1, access_log=False, rules=[rules_file])) as url:
        yield url


@pytest.fixture
def control(mock: str) -> Iterator[Control]:
    """The shared ``mock`` fixture (this module's mock, reset) through its control API."""
    control = Control(mock)
    yield control
    control.close()


def _openai(url: str, **options: Any) -> openai.OpenAI:
    options.setdefault("api_key", "sk-test")
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", 10.0)
    return openai.OpenAI(base_url=f"{url}/v1", **options)


def _anthropic(url: str, **options: Any) -> anthropic.Anthropic:
    options.setdefault("api_key", "sk-ant-test")
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", 10.0)
    return anthropic.Anthropic(base_url=url, **options)


@pytest.fixture
def oai(control: Control) -> Iterator[openai.OpenAI]:
    with _openai(control.url) as client:
        yield client


@pytest.fixture
def claude(control: Control) -> Iterator[anthropic.Anthropic]:
    with _anthropic(control.url) as client:
        yield client


def _user(text: str = "What is the weather in Paris?") -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _chat_text(client: openai.OpenAI, text: str = "Hello", *, model: str = MODEL, **extra: Any) -> str:
    completion = client.chat.completions.create(model=model, messages=_user(text), **extra)
    return str(completion.choices[0].message.content)


def _chat_rule(then: dict[str, Any], **when: Any) -> dict[str, Any]:
    return {"when": {"operation": CHAT_OP, **when}, "then": then}


# -- 1. rate limits: a scripted 429 with Retry-After, and the --rpm quota -------------------------------


@pytest.mark.slow  # waits out Retry-After
def test_openai_sdk_retries_a_scripted_429_honouring_retry_after(control: Control) -> None:
    control.add(
        {
            "name": "busy",
            "when": {"operation": CHAT_OP},
            "times": 2,
            "then": {"status": 429, "headers": {"Retry-After": "1"}},
        }
    )
    with _openai(control.url, max_retries=3) as client:
        started = time.monotonic()
        completion = client.chat.completions.create(model=MODEL, messages=_user())
        elapsed = time.monotonic() - started
    assert completion.choices[0].message.content
    entries = control.journal()
    assert [e["status"] for e in entries] == [429, 429, 200]
    assert [e["rule"] for e in entries] == ["busy", "busy", None]
    assert [e["fault"] for e in entries] == ["status 429", "status 429", None]
    # one call, retried twice by the SDK (not three independent calls)
    assert [e["headers"].get("x-stainless-retry-count") for e in entries] == ["0", "1", "2"]
    # the SDK's own backoff would wait ~0.4-1.5 s in all; Retry-After: 1 twice makes it >= 2 s
    assert elapsed >= 1.9
    assert control.rules()[0]["matched"] == 2


def test_rpm_quota_answers_429_with_retry_after_once_spent() -> None:
    with (
        serve_app(create_app([API], seed=1, access_log=False, faults=FaultSettings(rpm=2))) as url,
        _openai(url) as client,
        httpx2.Client(base_url=url) as control,
    ):
        first = client.chat.completions.with_raw_response.create(model=MODEL, messages=_user())
        second = client.chat.completions.with_raw_response.create(model=MODEL, messages=_user())
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(model=MODEL, messages=_user())
        assert control.get("/__gatewright/health").status_code == 200  # control calls are not counted
        journal = control.get("/__gatewright/requests").json()["requests"]
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert second.headers["x-ratelimit-remaining-requests"] == "0"
    assert second.parse().choices[0].message.content
    refused = caught.value.response
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert refused.headers["anthropic-ratelimit-requests-remaining"] == "0"
    reset = dt.datetime.fromisoformat(refused.headers["anthropic-ratelimit-requests-reset"])  # RFC 3339
    assert dt.datetime.now(dt.UTC) < reset <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"]["message"] == "gatewright mock: rate limit exceeded"  # the API's envelope
    assert [(e["status"], e["fault"]) for e in journal] == [(200, None), (200, None), (429, "rpm")]


# -- 2. Anthropic overloaded -----------------------------------------------------------------------------


def test_anthropic_sdk_raises_overloaded_error_on_a_529_rule(
    control: Control, claude: anthropic.Anthropic
) -> None:
    control.add({"name": "overloaded", "when": {"operation": MESSAGES_OP}, "then": {"status": 529}})
    with pytest.raises(anthropic.OverloadedError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=64, messages=_user())
    assert caught.value.status_code == 529
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["error"]["type"] == "overloaded_error"
    assert body["error"]["message"] == "gatewright mock: overloaded"
    assert [(e["status"], e["rule"]) for e in control.journal()] == [(529, "overloaded")]


def test_a_5xx_fault_on_messages_is_in_the_anthropic_envelope(control: Control) -> None:
    control.add({"when": {"operation": MESSAGES_OP}, "then": {"status": 529}})
    response = control.http.post(
        "/v1/messages",
        headers={"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"},
        json={"model": CLAUDE, "max_tokens": 64, "messages": _user()},
    )
    assert response.status_code == 529
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "overloaded_error"


# -- 3. stream faults ------------------------------------------------------------------------------------


def test_cut_stream_raises_in_the_openai_sdk_after_some_chunks(control: Control, oai: openai.OpenAI) -> None:
    control.add({"name": "cut", **_chat_rule({"text": TEN_WORDS, "cut_after": 3})})
    chunks: list[Any] = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in oai.chat.completions.create(model=MODEL, messages=_user(), stream=True):
            chunks.append(chunk)
    assert 1 <= len(chunks) <= 3
    assert all(c.choices[0].finish_reason is None for c in chunks if c.choices)
    assert [(e["rule"], e["fault"]) for e in control.journal()] == [("cut", "cut")]


def test_a_scripted_text_is_sent_whole_when_the_request_thinks(
    control: Control, claude: anthropic.Anthropic
) -> None:
    """Extended thinking takes its share of ``max_tokens`` and a composed text is cut to what it leaves;
    a rule's scripted text is sent whole, as it is without thinking (``max_tokens`` never cuts it)."""
    control.add({"when": {"operation": MESSAGES_OP}, "then": {"text": TEN_WORDS}})
    for thinking in ({"type": "disabled"}, {"type": "enabled", "budget_tokens": 1024}):
        message = claude.messages.create(model=CLAUDE, max_tokens=6, messages=_user(), thinking=thinking)
        assert [block.text for block in message.content if block.type == "text"] == [TEN_WORDS], message
        thought = [block.thinking for block in message.content if block.type == "thinking"]
        assert len(thought) == (thinking["type"] == "enabled"), message
        assert message.usage.output_tokens == 10 + sum(len(text.split()) for text in thought), message.usage


def test_a_scripted_text_is_sent_whole_when_the_request_reasons(control: Control, oai: openai.OpenAI) -> None:
    """Reasoning takes its share of ``max_completion_tokens`` (all of 6: ``low`` is 64 tokens), and a
    composed text is cut to what it leaves; a rule's scripted text is sent whole, as it is without it."""
    control.add({"when": {"operation": CHAT_OP}, "then": {"text": TEN_WORDS}})
    for effort in (None, "low"):
        extra = {} if effort is None else {"reasoning_effort": effort}
        completion = oai.chat.completions.create(
            model=MODEL, messages=_user(), max_completion_tokens=6, **extra
        )
        assert completion.choices[0].message.content == TEN_WORDS, completion
        assert completion.usage is not None
        details = completion.usage.completion_tokens_details
        reasoning = 0 if details is None else details.reasoning_tokens
        assert (details is None) == (effort is None) and reasoning == (0 if effort is None else 6), details
        assert completion.usage.completion_tokens == 10 + reasoning, completion.usage


def test_cut_stream_raises_in_the_anthropic_sdk(control: Control, claude: anthropic.Anthropic) -> None:
    control.add({"when": {"operation": MESSAGES_OP}, "then": {"text": TEN_WORDS, "cut_after": 4}})
    events: list[str] = []
    with (
        pytest.raises((anthropic.APIConnectionError, httpx2.TransportError)),
        claude.messages.stream(model=CLAUDE, max_tokens=64, messages=_user()) as stream,
    ):
        for event in stream:
            events.append(event.type)
    assert "message_start" in events
    assert "message_stop" not in events


def test_truncated_stream_ends_cleanly_without_its_terminal_chunk(
    control: Control, oai: openai.OpenAI
) -> None:
    control.add(_chat_rule({"text": TEN_WORDS, "truncate_after": 3}))
    chunks = list(oai.chat.completions.create(model=MODEL, messages=_user(), stream=True))
    assert len(chunks) == 3  # no error: the stream simply ends, without finish_reason or [DONE]
    assert all(c.choices[0].finish_reason is None for c in chunks if c.choices)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text and TEN_WORDS.startswith(text) and text != TEN_WORDS
    raw = control.http.post(
        "/v1/chat/completions",
        headers={"Authorization": "Bearer sk-test"},
        json={"model": MODEL, "messages": _user(), "stream": True},
    )
    assert raw.status_code == 200
    assert "[DONE]" not in raw.text
    assert raw.text.count("data:") == 3


def test_truncated_anthropic_stream_gives_a_partial_final_message(
    control: Control, claude: anthropic.Anthropic
) -> None:
    # message_start, content_block_start, ping, then two text deltas; no message_delta/message_stop
    control.add({"when": {"operation": MESSAGES_OP}, "then": {"text": TEN_WORDS, "truncate_after": 5}})
    with claude.messages.stream(model=CLAUDE, max_tokens=64, messages=_user()) as stream:
        events = [event.type for event in stream]
        message = stream.get_final_message()  # the SDK does not complain: it returns what it got
    assert "message_stop" not in events
    assert message.stop_reason is None
    assert len(message.content) == 1 and message.content[0].type == "text"
    assert message.content[0].text == "one two "


def test_malformed_event_makes_the_openai_sdk_raise(control: Control, oai: openai.OpenAI) -> None:
    control.add({"name": "garbled", **_chat_rule({"text": TEN_WORDS, "malformed_after": 2})})
    chunks: list[Any] = []
    with pytest.raises(ValueError, match="Expecting"):  # json.JSONDecodeError from the SDK's SSE decoder
        for chunk in oai.chat.completions.create(model=MODEL, messages=_user(), stream=True):
            chunks.append(chunk)
    assert len(chunks) == 2
    assert control.journal()[-1]["fault"] == "malformed"


def test_malformed_event_makes_the_anthropic_sdk_raise(control: Control, claude: anthropic.Anthropic) -> None:
    control.add({"when": {"operation": MESSAGES_OP}, "then": {"text": TEN_WORDS, "malformed_after": 4}})
    events: list[str] = []
    with (
        pytest.raises(ValueError, match="Expecting"),
        claude.messages.stream(model=CLAUDE, max_tokens=64, messages=_user()) as stream,
    ):
        for event in stream:
            events.append(event.type)
    assert events[:2] == ["message_start", "content_block_start"]
    assert "content_block_delta" in events


@pytest.mark.slow  # waits out an SDK timeout
def test_stalled_stream_times_out_in_the_sdk(control: Control, oai: openai.OpenAI) -> None:
    control.add(_chat_rule({"text": TEN_WORDS, "stall_after": 2}))
    chunks: list[Any] = []
    with _openai(control.url, timeout=1.0) as client:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            for chunk in client.chat.completions.create(model=MODEL, messages=_user(), stream=True):
                chunks.append(chunk)
        elapsed = time.monotonic() - started
    assert len(chunks) == 2
    assert 0.9 <= elapsed < 5
    # the mock notices the client left and is free for the next request at once
    assert _chat_text(oai) != ""


# -- 4. stream latency -----------------------------------------------------------------------------------


def _first_chunk_and_total(client: openai.OpenAI) -> tuple[float, float, int]:
    started = time.monotonic()
    first: float | None = None
    count = 0
    for _chunk in client.chat.completions.create(model=MODEL, messages=_user(), stream=True):
        count += 1
        if first is None:
            first = time.monotonic() - started
    assert first is not None
    return first, time.monotonic() - started, count


def test_ttft_delays_the_first_chunk_only_for_the_rule(control: Control, oai: openai.OpenAI) -> None:
    control.add(_chat_rule({"ttft_ms": 800}, headers={"x-test-id": "slow"}))
    quick_first, quick_total, _ = _first_chunk_and_total(oai)
    with _openai(control.url, default_headers={"x-test-id": "slow"}) as slow_client:
        slow_first, slow_total, _ = _first_chunk_and_total(slow_client)
    assert quick_first < 0.5 and quick_total < 0.7
    assert slow_first >= 0.8
    assert slow_total - slow_first < 0.5  # only the first token was slow


def test_tokens_per_second_paces_the_chunks(control: Control, oai: openai.OpenAI) -> None:
    control.add(_chat_rule({"text": TEN_WORDS, "tokens_per_second": 20}))
    first, total, chunks = _first_chunk_and_total(oai)
    expected = chunks / 20  # one pause before every event after the first; [DONE] is one too
    assert chunks >= 10
    assert first < 0.3
    assert 0.9 * expected <= total <= expected + 1.0


# -- 5. scripted tool loops ------------------------------------------------------------------------------


def _get_weather(city: str) -> str:
    return json.dumps({"city": city, "temperature_c": 21})


def _openai_agent(client: openai.OpenAI, question: str) -> tuple[str, list[Any]]:
    """A real agent loop: call, run each tool locally, send the results back, until plain text."""
    messages: list[Any] = _user(question)
    calls: list[Any] = []
    for _turn in range(4):
        completion = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
        message = completion.choices[0].message
        if not message.tool_calls:
            assert completion.choices[0].finish_reason == "stop"
            return str(message.content), calls
        assert completion.choices[0].finish_reason == "tool_calls"
        messages.append(message)
        for call in message.tool_calls:
            assert call.type == "function"
            calls.append(call)
            result = _get_weather(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    raise AssertionError("the agent loop did not end")


def test_scripted_sequence_drives_an_openai_tool_loop(control: Control, oai: openai.OpenAI) -> None:
    control.add(
        {
            "name": "weather-agent",
            "when": {"operation": CHAT_OP, "tools": True},
            "then": {"sequence": [TOOL_CALL, {"text": FINAL}]},
        }
    )
    answer, calls = _openai_agent(oai, "What is the weather in Paris?")
    assert answer == FINAL
    assert len(calls) == 1
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
    sent = control.journal()[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[2]["tool_call_id"] == calls[0].id


def test_after_tool_result_conditions_drive_an_openai_tool_loop(control: Control, oai: openai.OpenAI) -> None:
    control.add(
        {"name": "call", "when": {"operation": CHAT_OP, "after_tool_result": False}, "then": TOOL_CALL},
        {
            "name": "answer",
            "when": {"operation": CHAT_OP, "after_tool_result": True},
            "then": {"text": FINAL},
        },
    )
    for _run in range(2):  # conditions, not counters: the same loop works again
        answer, calls = _openai_agent(oai, "What is the weather in Paris?")
        assert answer == FINAL
        assert [json.loads(c.function.arguments) for c in calls] == [{"city": "Paris"}]
    assert [e["rule"] for e in control.journal()] == ["call", "answer", "call", "answer"]


def test_scripted_sequence_drives_an_anthropic_tool_loop(
    control: Control, claude: anthropic.Anthropic
) -> None:
    control.add(
        {
            "when": {"operation": MESSAGES_OP, "tools": True},
            "then": {"sequence": [TOOL_CALL, {"text": FINAL}]},
        }
    )
    messages: list[Any] = _user()
    uses: list[Any] = []
    for _turn in range(4):
        reply = claude.messages.create(
            model=CLAUDE,
            max_tokens=256,
            messages=messages,
            tools=[ANTHROPIC_WEATHER_TOOL],
        )
        tool_uses = [block for block in reply.content if block.type == "tool_use"]
        if not tool_uses:
            break
        assert reply.stop_reason == "tool_use"
        uses.extend(tool_uses)
        messages.append({"role": "assistant", "content": reply.content})
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": use.id, "content": _get_weather(**use.input)}
                    for use in tool_uses
                ],
            }
        )
    assert reply.stop_reason == "end_turn"
    assert [block.type for block in reply.content] == ["text"]
    assert reply.content[0].text == FINAL
    assert len(uses) == 1
    assert uses[0].name == "get_weather" and uses[0].input == {"city": "Paris"}


def test_scripted_answers_reach_every_llm_wire(control: Control, oai: openai.OpenAI) -> None:
    control.add(
        {"when": {"operation": "createResponse"}, "then": {"text": "Scripted response."}},
        {"when": {"operation": "createCompletion"}, "then": {"text": "Scripted completion."}},
        {"when": {"operation": CHAT_OP}, "then": {"json": {"city": "Paris", "temperature_c": 21}}},
    )
    assert oai.responses.create(model=MODEL, input="Hello").output_text == "Scripted response."
    with oai.responses.stream(model=MODEL, input="Hello") as stream:
        assert stream.get_final_response().output_text == "Scripted response."
    completion = oai.completions.create(model=MODEL, prompt="Hello")
    assert completion.choices[0].text == "Scripted completion."
    parsed = oai.chat.completions.parse(model=MODEL, messages=_user(), response_format=Weather)
    assert parsed.choices[0].message.parsed == Weather(city="Paris", temperature_c=21)


def test_a_rule_naming_no_operation_answers_where_its_reply_is_allowed(
    control: Control, oai: openai.OpenAI
) -> None:
    control.add({"name": "sunny", "when": {"contains": "weather"}, "then": {"text": "Sunny."}})
    assert _chat_text(oai, "How is the weather?") == "Sunny."
    assert oai.responses.create(model=MODEL, input="How is the weather?").output_text == "Sunny."
    assert control.http.get("/v1/models").status_code == 200  # not an LLM operation: untouched
    assert [e["rule"] for e in control.journal()] == ["sunny", "sunny", None]


# -- 6. what a rule matches on ---------------------------------------------------------------------------


def test_contains_and_regex_match_the_latest_user_message(control: Control, oai: openai.OpenAI) -> None:
    control.add(
        _chat_rule({"text": "Sunny."}, contains="weather"),
        _chat_rule({"text": "Bonjour."}, regex=r"^translate\b.*french$"),
    )
    assert _chat_text(oai, "How is the weather today?") == "Sunny."
    assert _chat_text(oai, "translate hello into french") == "Bonjour."
    neither = _chat_text(oai, "Translate hello into French")  # the regex is case-sensitive
    assert neither not in ("Sunny.", "Bonjour.")
    # only the latest user message counts, not an earlier one
    history = [
        {"role": "user", "content": "How is the weather?"},
        {"role": "assistant", "content": "Sunny."},
        {"role": "user", "content": "Thanks, and the time?"},
    ]
    later = oai.chat.completions.create(model=MODEL, messages=history)
    assert later.choices[0].message.content != "Sunny."
    assert [e["rule"] is not None for e in control.journal()] == [True, True, False, False]


def test_model_glob_tools_and_body_pointer_conditions(control: Control, oai: openai.OpenAI) -> None:
    control.add(
        {"name": "glob", **_chat_rule({"text": "Matched the model glob."}, model="gpt-4o*")},
        {"name": "tools", **_chat_rule({"text": "Matched tools."}, tools=True)},
        {"name": "stream", **_chat_rule({"text": "Matched the stream flag."}, body={"/stream": True})},
    )
    assert _chat_text(oai, model="gpt-4o-mini") == "Matched the model glob."
    assert _chat_text(oai, model="gpt-4o") == "Matched the model glob."
    assert _chat_text(oai, model="gpt-4") != "Matched the model glob."
    assert _chat_text(oai, model="gpt-4", tools=[WEATHER_TOOL]) == "Matched tools."
    chunks = oai.chat.completions.create(model="gpt-4", messages=_user(), stream=True)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == "Matched the stream flag."
    assert [e["rule"] for e in control.journal()] == ["glob", "glob", None, "tools", "stream"]


# -- 7. per-test scoping by header -----------------------------------------------------------------------


def test_rules_scoped_by_a_test_id_header(control: Control, oai: openai.OpenAI) -> None:
    control.add(
        {"name": "for-A", **_chat_rule({"text": "Answer for A."}, headers={"X-Test-Id": "A"})},
        {"name": "for-B", **_chat_rule({"text": "Answer for B."}, headers={"x-test-id": "B"})},
    )
    with (
        _openai(control.url, default_headers={"x-test-id": "A"}) as client_a,
        _openai(control.url, default_headers={"x-test-id": "B"}) as client_b,
    ):
        assert _chat_text(client_a) == "Answer for A."
        assert _chat_text(client_b) == "Answer for B."
        assert _chat_text(client_a, "Once more") == "Answer for A."
    assert _chat_text(oai) not in ("Answer for A.", "Answer for B.")  # no header, no rule
    only_a = control.journal(header="x-test-id:A")
    assert [e["rule"] for e in only_a] == ["for-A", "for-A"]
    assert all(e["headers"]["x-test-id"] == "A" for e in only_a)
    assert [e["rule"] for e in control.journal(header="x-test-id:B")] == ["for-B"]
    assert len(control.journal()) == 4
    assert control.journal(header="x-test-id:C") == []
    bad = control.http.get("/__gatewright/requests", params={"header": "x-test-id"})
    assert bad.status_code == 400 and "NAME:VALUE" in bad.json()["error"]["message"]


# -- 8. the journal --------------------------------------------------------------------------------------


def test_journal_records_exchanges_with_credentials_redacted(control: Control) -> None:
    control.add(
        {"name": "embeddings-down", "when": {"operation": "createEmbeddings"}, "then": {"status": 503}}
    )
    with (
        _openai(control.url, api_key="sk-secret-journal-123") as client,
        _anthropic(  # this SDK sends its key as a bearer token; add the Anthropic-style header too
            control.url,
            api_key="sk-ant-secret-journal-456",
            default_headers={"x-api-key": "sk-ant-secret-journal-789"},
        ) as claude,
    ):
        version = claude.default_headers["anthropic-version"]
        client.chat.completions.create(model=MODEL, messages=_user(), max_tokens=7)
        claude.messages.create(model=CLAUDE, max_tokens=9, messages=_user())
        with pytest.raises(openai.InternalServerError):
            client.embeddings.create(model="text-embedding-3-small", input="hello")
    text = control.http.get("/__gatewright/requests").text
    assert "sk-secret-journal-123" not in text
    assert "sk-ant-secret-journal-456" not in text
    assert "secret-journal" not in text
    entries = json.loads(text)["requests"]
    assert [e["operation"] for e in entries] == [CHAT_OP, MESSAGES_OP, "createEmbeddings"]
    assert [e["status"] for e in entries] == [200, 200, 503]
    assert [e["rule"] for e in entries] == [None, None, "embeddings-down"]
    assert [e["fault"] for e in entries] == [None, None, "status 503"]
    assert [e["path"] for e in entries] == ["/v1/chat/completions", "/v1/messages", "/v1/embeddings"]
    assert all(e["api"] == API and e["method"] == "POST" for e in entries)
    assert all(isinstance(e["duration_ms"], int | float) and e["duration_ms"] >= 0 for e in entries)
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", e["time"]) for e in entries)
    chat, message, embedding = (e["body"] for e in entries)
    assert chat["max_tokens"] == 7 and chat["messages"] == _user()  # not a credential: kept
    assert message["max_tokens"] == 9
    assert embedding["input"] == "hello"
    assert entries[0]["headers"]["authorization"] == "[REDACTED]"
    assert entries[1]["headers"]["authorization"] == "[REDACTED]"
    assert entries[1]["headers"]["x-api-key"] == "[REDACTED]"
    assert entries[1]["headers"]["anthropic-version"] == version  # other headers are kept, as sent


# -- 9. rules the spec forbids -----------------------------------------------------------------------------

GOOD_RULE = {"name": "good", "when": {"operation": "listModels"}, "then": {"status": 503}}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param(
            {"name": "ghost", "when": {"operation": "createNothing"}, "then": {"status": 503}},
            "no served operation matches createNothing",
            id="unknown-operation",
        ),
        pytest.param(
            {"name": "teapot", "when": {"operation": MESSAGES_OP}, "then": {"status": 418}},
            "status 418 is not documented",
            id="undocumented-status",
        ),
        pytest.param(
            {"name": "bad-body", "when": {"operation": "listModels"}, "then": {"body": {"data": 3}}},
            "the body fails the response schema",
            id="body-fails-schema",
        ),
        pytest.param(
            {"name": "chatty", "when": {"operation": "listModels"}, "then": {"text": "hello"}},
            "only on LLM operations",
            id="text-on-non-llm",
        ),
    ],
)
def test_a_rule_the_spec_forbids_is_refused_and_nothing_is_added(
    control: Control, bad: dict[str, Any], reason: str
) -> None:
    response = control.post_rules({"rules": [GOOD_RULE, bad]})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert f"rule #2 ({bad['name']!r})" in message
    assert reason in message
    assert control.rules() == []  # all or nothing: the good rule was not added either
    models = control.http.get("/v1/models")
    assert models.status_code == 200  # and the good rule does not answer


def test_conformant_false_lets_an_undocumented_status_through(
    control: Control, claude: anthropic.Anthropic
) -> None:
    (rule_id,) = control.add(
        {"name": "teapot", "when": {"operation": MESSAGES_OP}, "then": {"status": 418, "conformant": False}}
    )
    with pytest.raises(anthropic.APIStatusError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=64, messages=_user())
    assert caught.value.status_code == 418
    assert [r["id"] for r in control.rules()] == [rule_id]
    assert [(e["status"], e["rule"]) for e in control.journal()] == [(418, "teapot")]


def test_malformed_rules_documents_are_refused(control: Control) -> None:
    for document, reason in (
        ("rules: [", "not valid YAML or JSON"),
        ({"rule": []}, """{"rules": [RULE, ...]}: 'rules' is a required property"""),
        ({"rules": [{"when": {"operation": CHAT_OP}}]}, "rule #1: 'then' is a required property"),
        (
            {"rules": [{"then": {"text": "x"}, "when": {"operation": CHAT_OP}, "oops": 1}]},
            "rule #1: Additional properties are not allowed ('oops' was unexpected)",
        ),
        (
            {"rules": [{"when": {"operation": CHAT_OP, "tools": "yes"}, "then": {"text": "x"}}]},
            "rule #1: `when.tools`: 'yes' is not of type 'boolean', 'null'",
        ),
        (  # a condition on the prompt, on an operation that takes none: it could never fire
            {
                "rules": [
                    {"when": {"operation": "createEmbeddings", "contains": "boom"}, "then": {"status": 500}}
                ]
            },
            "`when.contains` reads the prompt, and createEmbeddings takes none",
        ),
    ):
        response = control.post_rules(document)
        assert response.status_code == 400, document
        assert reason in response.json()["error"]["message"]
    assert control.rules() == []


@pytest.mark.slow  # starts `gatewright mock` in a subprocess
def test_cli_refuses_a_bad_rules_file_at_start_up(tmp_path: Path) -> None:
    bad = tmp_path / "BAD.yaml"
    bad.write_text(
        "rules:\n  - name: teapot\n    when: {operation: createMessage}\n    then: {status: 418}\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "gatewright", "mock", "--api", API, "--port", "0", "--rules", str(bad)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0]
    assert "rule #1 ('teapot')" in lines[0]
    assert "418" in lines[0]
    assert "Traceback" not in result.stderr


# -- 10. counting: times, sequences, removal, reset ------------------------------------------------------


def test_a_sequence_answers_in_order_and_its_last_answer_repeats(
    control: Control, oai: openai.OpenAI
) -> None:
    control.add(_chat_rule({"sequence": [{"text": "first"}, {"text": "second"}]}))
    assert [_chat_text(oai) for _ in range(4)] == ["first", "second", "second", "second"]
    assert control.rules()[0]["matched"] == 4


def test_times_one_fires_once_then_the_normal_answer_returns(control: Control, oai: openai.OpenAI) -> None:
    normal = _chat_text(oai)
    control.add({"name": "once", "times": 1, **_chat_rule({"text": "just once"})})
    assert _chat_text(oai) == "just once"
    assert _chat_text(oai) == normal
    assert control.rules()[0]["matched"] == 1
    assert [e["rule"] for e in control.journal()] == [None, "once", None]


def test_deleting_rules(control: Control, oai: openai.OpenAI) -> None:
    normal = _chat_text(oai)
    keep, drop = control.add(_chat_rule({"text": "kept"}, contains="keep"), _chat_rule({"text": "dropped"}))
    assert _chat_text(oai) == "dropped"
    deleted = control.http.delete(f"/__gatewright/rules/{drop}")
    assert deleted.status_code == 200 and deleted.json() == {"id": drop, "deleted": True}
    assert _chat_text(oai) == normal
    assert _chat_text(oai, "keep this") == "kept"
    assert [rule["id"] for rule in control.rules()] == [keep]
    assert control.http.delete(f"/__gatewright/rules/{drop}").status_code == 404
    missing = control.http.delete("/__gatewright/rules/rule-does-not-exist")
    assert missing.status_code == 404 and "rule-does-not-exist" in missing.json()["error"]["message"]
    assert control.http.delete("/__gatewright/rules").status_code == 200  # all runtime rules
    assert control.rules() == []
    assert [rule["name"] for rule in control.rules(source=None)] == ["from-file"]  # file rules stay
    assert _chat_text(oai, "keep this") != "kept"


def test_reset_clears_runtime_rules_counters_and_journal(control: Control) -> None:
    with _openai(control.url, default_headers={"x-test-id": "file-rule"}) as client:
        assert _chat_text(client) == "Answered by the file rule."
        assert _chat_text(client) != "Answered by the file rule."  # times: 1 is spent
        control.add(_chat_rule({"text": "runtime"}, contains="runtime"))
        assert _chat_text(client, "runtime please") == "runtime"
        assert len(control.journal()) == 3
        control.reset()
        assert control.rules() == []
        assert control.journal() == []
        (from_file,) = control.rules(source=None)
        assert from_file["name"] == "from-file" and from_file["matched"] == 0
        assert _chat_text(client) == "Answered by the file rule."  # its counter was forgotten
        assert _chat_text(client, "runtime please") != "runtime"
    assert [e["rule"] for e in control.journal()] == ["from-file", None]


# -- 11. run-wide faults ---------------------------------------------------------------------------------


@pytest.mark.slow  # waits out injected latency
def test_error_rate_and_latency_apply_to_every_api_call() -> None:
    faults = FaultSettings(error_rate=1.0, latency_ms=300)
    with (
        serve_app(create_app([API], seed=1, access_log=False, faults=faults)) as url,
        _openai(url) as client,
        _anthropic(url) as claude,
        httpx2.Client(base_url=url) as control,
    ):
        started = time.monotonic()
        with pytest.raises(openai.InternalServerError) as caught:
            client.chat.completions.create(model=MODEL, messages=_user())
        elapsed = time.monotonic() - started
        with pytest.raises(openai.InternalServerError):
            client.models.list()
        with pytest.raises(anthropic.InternalServerError):
            claude.messages.create(model=CLAUDE, max_tokens=64, messages=_user())
        assert control.get("/__gatewright/health").status_code == 200  # the control API is not faulted
        journal = control.get("/__gatewright/requests").json()["requests"]
    assert caught.value.status_code == 500
    assert caught.value.response.json()["error"]["message"] == "gatewright mock: internal server error"
    assert elapsed >= 0.3
    assert [(e["operation"], e["status"], e["fault"]) for e in journal] == [
        (CHAT_OP, 500, "error-rate"),
        ("listModels", 500, "error-rate"),
        (MESSAGES_OP, 500, "error-rate"),
    ]
    assert all(e["duration_ms"] >= 300 for e in journal)


# -- 12. examples and whole bodies -----------------------------------------------------------------------


def test_a_named_example_is_served_as_documented(control: Control) -> None:
    from gatewright.spec import load_spec

    documented = load_spec(API).document["paths"]["/v1/jobs/{job_id}"]["get"]["responses"]["200"]
    examples = documented["content"]["application/json"]["examples"]
    control.add({"when": {"operation": "retrieveJob"}, "then": {"example": "completed"}})
    response = control.http.get("/v1/jobs/job_01HV3KABCDE", headers={"Authorization": "Bearer sk-test"})
    assert response.status_code == 200
    assert response.json() == examples["completed"]["value"]
    assert response.json() != examples["processing"]["value"]


def test_a_whole_body_is_served_as_given(control: Control, oai: openai.OpenAI) -> None:
    models = {
        "object": "list",
        "data": [{"id": "house-model-1", "object": "model", "owned_by": "us", "type": "text"}],
    }
    completion = {
        "id": "chatcmpl-fixed-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "house-model-1",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Served exactly as written."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }
    control.add(
        {"when": {"operation": "listModels"}, "then": {"body": models}},
        {"when": {"operation": CHAT_OP}, "then": {"body": completion}},
    )
    assert [model.id for model in oai.models.list()] == ["house-model-1"]
    raw = oai.chat.completions.with_raw_response.create(model=MODEL, messages=_user())
    assert json.loads(raw.text) == completion
    parsed = raw.parse()
    assert parsed.id == "chatcmpl-fixed-1"
    assert parsed.choices[0].message.content == "Served exactly as written."


def test_a_yaml_alias_bomb_posted_as_rules_is_refused_quickly(control: Control) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    started = time.monotonic()
    response = control.http.post("/__gatewright/rules", content=bomb)
    assert response.status_code == 400
    assert "alias" in response.json()["error"]["message"]
    assert time.monotonic() - started < 10


# -- 13. ids per mock, and the order of rules with or without an operation ---------------------------------

TWO_FILE_RULES = """\
rules:
  - when: {operation: listModels, headers: {x-test-id: by-id}}
    then: {status: 503}
  - name: named
    when: {headers: {x-test-id: by-name}}
    then: {status: 500}
"""


def test_rule_ids_are_the_mocks_own_and_a_reset_numbers_runtime_rules_again(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(TWO_FILE_RULES, encoding="utf-8")
    runtime = {
        "rules": [
            {"when": {"operation": "listModels", "headers": {"x-test-id": "rt"}}, "then": {"status": 502}}
        ]
    }
    for _mock in range(2):  # two mocks in one process, the same file: the same ids
        with serve_app(create_app([API], seed=1, access_log=False, rules=[rules_file])) as url:
            control = Control(url)
            assert [(r["id"], r["name"]) for r in control.rules(source=None)] == [
                ("rule-1", None),
                ("rule-2", "named"),
            ]
            assert control.add(*runtime["rules"]) == ["rule-3"]  # runtime rules follow those from files
            assert (
                control.post_rules(
                    {"rules": [{"when": {"operation": "nope"}, "then": {"status": 500}}]}
                ).status_code
                == 400
            )
            assert control.http.delete("/__gatewright/rules/rule-3").status_code == 200
            assert control.add(*runtime["rules"]) == ["rule-4"]  # not the id a removed rule had
            for test_id in ("by-id", "rt"):
                assert control.http.get("/v1/models", headers={"x-test-id": test_id}).status_code in (
                    502,
                    503,
                )
            assert [e["rule"] for e in control.journal()] == ["rule-1", "rule-4"]  # unnamed: its id
            refused = control.http.delete("/__gatewright/rules/rule-1")  # a file rule's id: no runtime rule
            assert refused.status_code == 404
            assert control.rules(source=None)[-2]["matched"] == 1  # and its counter is untouched
            control.reset()
            assert control.add(*runtime["rules"]) == ["rule-3"]
            assert [r["id"] for r in control.rules(source=None)] == ["rule-3", "rule-1", "rule-2"]
            control.close()


def test_a_rule_naming_no_operation_keeps_its_place_before_an_operation_rule(
    control: Control, oai: openai.OpenAI
) -> None:
    control.add(
        {"name": "any-op", "when": {"headers": {"x-test-id": "p"}}, "times": 1, "then": {"status": 503}},
        {"name": "chat", "when": {"operation": CHAT_OP}, "then": {"text": "From the chat rule."}},
        {"name": "later-any-op", "when": {"contains": "late"}, "then": {"text": "Never."}},
    )
    with _openai(control.url, default_headers={"x-test-id": "p"}) as client:
        with pytest.raises(openai.InternalServerError):
            _chat_text(client)
        assert _chat_text(client) == "From the chat rule."  # any-op is spent: the next rule in order
        assert _chat_text(client, "a late question") == "From the chat rule."  # first in order wins
    assert control.http.get("/v1/models", headers={"x-test-id": "p"}).status_code == 200  # spent everywhere
    assert [e["rule"] for e in control.journal()] == ["any-op", "chat", "chat", None]


def test_an_operation_rule_keeps_its_place_before_a_rule_naming_no_operation(
    control: Control, oai: openai.OpenAI
) -> None:
    control.add(
        {
            "name": "chat",
            "when": {"operation": CHAT_OP, "contains": "chat"},
            "then": {"text": "From the chat rule."},
        },
        {"name": "any-op", "when": {"headers": {"x-test-id": "q"}}, "then": {"status": 503}},
    )
    with _openai(control.url, default_headers={"x-test-id": "q"}) as client:
        assert _chat_text(client, "chat with me") == "From the chat rule."
        with pytest.raises(openai.InternalServerError):
            _chat_text(client, "something else")
    assert control.http.get("/v1/models", headers={"x-test-id": "q"}).status_code == 503
    assert [e["rule"] for e in control.journal()] == ["chat", "any-op", "any-op"]


def test_a_runtime_rule_naming_no_operation_comes_before_a_file_rule(control: Control) -> None:
    (rule_id,) = control.add(
        {"when": {"headers": {"x-test-id": "file-rule"}}, "times": 1, "then": {"status": 503}}
    )
    assert rule_id == "rule-2"  # the module's mock has one rule from a file: rule-1
    with _openai(control.url, default_headers={"x-test-id": "file-rule"}) as client:
        with pytest.raises(openai.InternalServerError):
            _chat_text(client)
        assert _chat_text(client) == "Answered by the file rule."
    assert [e["rule"] for e in control.journal()] == ["rule-2", "from-file"]
