"""``gatewright mock --replay DIR``: recorded answers come back over real sockets, through the official SDKs.

The first part records for real: the SDKs call a normal mock through a transport that
writes every exchange with ``write_recording`` (what ``gatewright proxy --record``
writes), then a mock with another seed replays the directory and the same calls get the
same answers (ids, text, tool calls, stream events), where without replay they get
fresh ones. The rest replays fixtures written by hand: misses with and without
``strict``, nonconformant recordings, sequences and reset, cut streams, recorded
statuses and headers, several APIs, rules, and the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from gatewright.mock import create_app
from gatewright.mock.replay import ReplaySettings
from gatewright.spec import load_spec
from gatewright.spec.recording import (
    Payload,
    RecordedRequest,
    RecordedResponse,
    Recording,
    write_recording,
)
from gatewright.testing import running_mock, serve_app

API = "empiriolabs"
MODEL = "gpt-4o-mini"
VOXVEY_MODEL = "openai/gpt-4o-mini"  # voxvey's chat takes a provider-prefixed model only
CLAUDE = "claude-mock-test"  # not in the SDK's deprecated list (that warns, and warnings are errors)
EMBEDDING = "text-embedding-3-small"
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
CHAT_TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}]
CLAUDE_TOOLS = [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER}]
AGENT = "weather-agent"  # the x-test-id the agent loop is recorded under
# The error as empiriolabs documents it (``code`` a string): a recording that breaks the spec is not replayed.
SLOW_DOWN = {"message": "Recorded: slow down", "type": "rate_limit_error", "code": "rate_limit_exceeded"}


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


# -- recording for real: an httpx2 transport that writes each exchange as the proxy will -----------------


class Recorder(httpx2.BaseTransport):
    """Passes each request on to the mock and writes the exchange as a fixture under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inner = httpx2.HTTPTransport()
        self.spec = load_spec(API)
        self.written: list[Path] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        raw = response.read()
        response.close()
        content_type = response.headers.get("content-type")
        events: tuple[str, ...] | None = None
        body: Payload | None = None
        if (content_type or "").startswith("text/event-stream"):
            text = raw.decode("utf-8").replace("\r\n", "\n")
            events = tuple(block for block in text.split("\n\n") if block.strip())
        else:
            body = Payload.from_bytes(raw, content_type)
        operation = self.spec.find(request.method, request.url.path)
        recording = Recording(
            api=API,
            operation=operation.operation_id if operation is not None else None,
            request=RecordedRequest(
                request.method,
                request.url.path,
                request.url.query.decode("ascii"),
                dict(request.headers),
                Payload.from_bytes(request.content, request.headers.get("content-type")),
            ),
            response=RecordedResponse(response.status_code, dict(response.headers), body, events),
            test_id=request.headers.get("x-test-id"),
        )
        self.written.append(write_recording(self.root, recording))
        kept = [
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in {"content-length", "transfer-encoding"}
        ]
        return httpx2.Response(response.status_code, headers=kept, content=raw, request=request)

    def close(self) -> None:
        self.inner.close()


def _sdk_session(url: str, transport: httpx2.BaseTransport | None = None) -> dict[str, Any]:
    """Chat (an agent loop with a tool), a chat stream, embeddings, Anthropic messages and a stream;
    what an app sees of each."""
    http = httpx2.Client(transport=transport, timeout=10) if transport is not None else None
    oai = openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0, http_client=http)
    claude = anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0, http_client=http)
    seen: dict[str, Any] = {}
    with oai, claude:
        agent = {"x-test-id": AGENT}
        messages: list[Any] = _user("What is the weather in Paris?")
        first = oai.chat.completions.create(
            model=MODEL, messages=messages, tools=CHAT_TOOLS, extra_headers=agent, user="user-run-1"
        )
        call = (first.choices[0].message.tool_calls or [])[0]
        assert call.type == "function"
        messages.append(first.choices[0].message)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'})
        second = oai.chat.completions.create(
            model=MODEL, messages=messages, tools=CHAT_TOOLS, extra_headers=agent, user="user-run-1"
        )
        seen["agent"] = [
            (first.id, call.id, call.function.name, call.function.arguments, first.choices[0].finish_reason),
            (second.id, second.choices[0].message.content, second.choices[0].finish_reason),
        ]
        chunks = oai.chat.completions.create(model=MODEL, messages=_user("Tell me a story"), stream=True)
        seen["chat_stream"] = [
            (c.id, [(ch.delta.content, ch.finish_reason) for ch in c.choices]) for c in chunks
        ]
        embedding = oai.embeddings.create(model=EMBEDDING, input=["hello", "world"])
        seen["embeddings"] = [item.embedding for item in embedding.data]
        message = claude.messages.create(
            model=CLAUDE, max_tokens=128, messages=_user("Weather in Rome?"), tools=CLAUDE_TOOLS
        )
        seen["message"] = (message.id, [block.model_dump() for block in message.content], message.stop_reason)
        with claude.messages.stream(model=CLAUDE, max_tokens=64, messages=_user("Say hi")) as stream:
            events = [event.model_dump_json() for event in stream]
            final = stream.get_final_message()
        seen["message_stream"] = (events, final.id, final.content[0].model_dump())
    return seen


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], list[Path]]:
    root = tmp_path_factory.mktemp("recorded")
    recorder = Recorder(root)
    with running_mock([API], seed=1) as url:
        seen = _sdk_session(url, recorder)
    return root, seen, recorder.written


def test_sdk_calls_replayed_from_a_recording_get_the_recorded_answers(
    recorded: tuple[Path, dict[str, Any], list[Path]],
) -> None:
    root, seen, written = recorded
    assert [path.relative_to(root).as_posix() for path in written] == [
        f"{AGENT}/00001-createChatCompletion.json",
        f"{AGENT}/00002-createChatCompletion.json",
        "_/00001-createChatCompletion.json",
        "_/00002-createEmbeddings.json",
        "_/00003-createMessage.json",
        "_/00004-createMessage.json",
    ]
    with serve_app(
        create_app([API], seed=2, access_log=False, replay=ReplaySettings(root, strict=True))
    ) as url:
        replayed = _sdk_session(url)
        journal = httpx2.get(f"{url}/__gatewright/requests").json()["requests"]
    assert replayed == seen
    assert [entry["rule"] for entry in journal] == [
        f"replay:{path.relative_to(root).as_posix()}" for path in written
    ]
    # what the recordings say the SDKs saw is what they hold
    stream = json.loads((root / "_/00001-createChatCompletion.json").read_text())["response"]
    assert stream["events"][-1] == "data: [DONE]" and stream["complete"] is True


def test_without_replay_the_same_calls_get_fresh_answers(
    recorded: tuple[Path, dict[str, Any], list[Path]],
) -> None:
    _, seen, _ = recorded
    with running_mock([API], seed=2) as url:
        fresh = _sdk_session(url)
    assert fresh["agent"][0][0] != seen["agent"][0][0]  # chat completion ids
    assert fresh["agent"][0][1] != seen["agent"][0][1]  # tool call ids
    assert fresh["chat_stream"][0][0] != seen["chat_stream"][0][0]
    assert fresh["message"][0] != seen["message"][0]
    assert fresh["message_stream"][1] != seen["message_stream"][1]


# -- fixtures written by hand ----------------------------------------------------------------------------


def _chat_request(text: str, model: str = MODEL, **extra: Any) -> RecordedRequest:
    body = {"model": model, "messages": _user(text), **extra}
    headers = {"content-type": "application/json", "authorization": "Bearer sk-live-secret"}
    return RecordedRequest("POST", "/v1/chat/completions", "", headers, Payload("json", body))


def _completion(completion_id: str, content: str) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }


def _chat(
    text: str,
    content: str,
    *,
    completion_id: str = "chatcmpl-recorded",
    api: str = API,
    model: str = MODEL,
    test_id: str | None = None,
    violations: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> Recording:
    response = RecordedResponse(
        200,
        {"content-type": "application/json", **(headers or {})},
        Payload("json", _completion(completion_id, content)),
    )
    return Recording(api, "createChatCompletion", _chat_request(text, model), response, test_id, violations)


def _chunk(content: str | None, finish: str | None = None) -> str:
    delta = {"content": content} if content is not None else {}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    chunk = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [choice],
    }
    return "data: " + json.dumps(chunk)


def _stream(text: str, *, complete: bool) -> Recording:
    events = [_chunk("one "), _chunk("two "), _chunk("three")]
    if complete:
        events += [_chunk(None, "stop"), "data: [DONE]"]
    response = RecordedResponse(
        200, {"content-type": "text/event-stream; charset=utf-8"}, None, tuple(events), complete
    )
    return Recording(API, "createChatCompletion", _chat_request(text, stream=True), response)


def _oai(url: str) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=f"{url}/v1", max_retries=0, timeout=10)


def _ask(url: str, text: str, model: str = MODEL, **extra: Any) -> Any:
    with _oai(url) as client:
        return client.chat.completions.create(model=model, messages=_user(text), **extra)


Delta = tuple[str | None, str | None]


def _stream_deltas(url: str, text: str, into: list[Delta] | None = None) -> list[Delta]:
    """(content, finish reason) of each chunk the SDK reads, as it reads them (``into``)."""
    received = into if into is not None else []
    with _oai(url) as client:
        for chunk in client.chat.completions.create(model=MODEL, messages=_user(text), stream=True):
            received.append((chunk.choices[0].delta.content, chunk.choices[0].finish_reason))
    return received


def _journal(url: str) -> list[dict[str, Any]]:
    return list(httpx2.get(f"{url}/__gatewright/requests").json()["requests"])


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fixtures")
    write_recording(root, _chat("Hello", "Recorded hello.", headers={"x-request-id": "req_rec_1"}))
    for number, word in enumerate(("one", "two", "three"), 1):
        write_recording(root, _chat("Count", f"Count {word}.", completion_id=f"chatcmpl-{number}"))
    write_recording(root, _chat("Hello", "Hello for test t-1.", test_id="t-1"))
    write_recording(root, _chat("Broken", "Nonconformant.", violations=("status 200: body/id: required",)))
    write_recording(root, _chat("Hello", "Not served here.", api="imarouter"))
    write_recording(root, _stream("Stream complete", complete=True))
    write_recording(root, _stream("Stream cut", complete=False))
    busy = RecordedResponse(
        429,
        {
            "content-type": "application/json",
            "retry-after": "7",
            "x-request-id": "req_busy",
            "set-cookie": "a=b",
        },
        Payload("json", {"error": SLOW_DOWN}),
    )
    write_recording(root, Recording(API, "createChatCompletion", _chat_request("Busy"), busy))
    return root


@pytest.fixture(scope="module")
def replaying(fixtures: Path) -> Iterator[str]:
    with serve_app(create_app([API], seed=5, access_log=False, replay=ReplaySettings(fixtures))) as url:
        yield url


@pytest.fixture(scope="module")
def strict(fixtures: Path) -> Iterator[str]:
    with serve_app(
        create_app([API], seed=5, access_log=False, replay=ReplaySettings(fixtures, strict=True))
    ) as url:
        yield url


@pytest.fixture
def replay(replaying: str) -> str:
    httpx2.post(f"{replaying}/__gatewright/reset")
    return replaying


def test_a_recorded_request_gets_its_recorded_answer_and_ignores_per_call_fields(replay: str) -> None:
    with _oai(replay) as client:
        raw = client.chat.completions.with_raw_response.create(
            model=MODEL, messages=_user("Hello"), user="someone-else", metadata={"trace": "t-99"}
        )
    completion = raw.parse()
    assert (completion.id, completion.choices[0].message.content) == ("chatcmpl-recorded", "Recorded hello.")
    assert raw.headers["x-request-id"] == "req_rec_1"
    assert [entry["rule"] for entry in _journal(replay)] == ["replay:_/00001-createChatCompletion.json"]


def test_a_miss_without_strict_gets_the_spec_answer(replay: str) -> None:
    fresh = _ask(replay, "Something never recorded")
    assert fresh.id != "chatcmpl-recorded" and fresh.choices[0].message.content
    other_seed = _ask(replay, "Hello", seed=3)  # seed shapes an answer: it is matched, not ignored
    assert other_seed.choices[0].message.content != "Recorded hello."
    assert [entry["rule"] for entry in _journal(replay)] == [None, None]


def test_a_miss_with_strict_is_a_404_in_the_api_envelope_naming_it(strict: str) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        _ask(strict, "Never recorded", stream=False)
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["message"] == (
        "replay: no recording of createChatCompletion matches this request "
        "(model 'gpt-4o-mini', 1 message, latest user message 'Never recorded'); "
        "8 recorded answers of createChatCompletion are for other requests"
    )
    assert _ask(strict, "Hello").choices[0].message.content == "Recorded hello."
    with (
        anthropic.Anthropic(api_key="sk-ant-test", base_url=strict, max_retries=0) as claude,
        pytest.raises(anthropic.NotFoundError) as refused,
    ):
        claude.messages.create(model=CLAUDE, max_tokens=16, messages=_user("Hi"))
    envelope = refused.value.body
    assert isinstance(envelope, dict) and envelope["type"] == "error"  # Anthropic's own envelope
    assert envelope["error"]["type"] == "not_found_error"
    assert envelope["error"]["message"].startswith("replay: no recording of createMessage matches")
    assert "nothing of createMessage was recorded" in envelope["error"]["message"]
    models = httpx2.get(f"{strict}/v1/models", headers={"Authorization": "Bearer sk-test"})
    assert models.status_code == 404
    assert "no recording of listModels matches this request (no body)" in models.json()["error"]["message"]
    assert httpx2.get(f"{strict}/__gatewright/health").status_code == 200  # the control API is not replayed
    assert [entry["rule"] for entry in _journal(strict)][-1] == "replay:miss"


def test_a_nonconformant_recording_is_replayed_only_when_asked(replay: str, fixtures: Path) -> None:
    assert _ask(replay, "Broken").choices[0].message.content != "Nonconformant."
    skipped = httpx2.get(f"{replay}/__gatewright/state").json()["replay"]["skipped"]
    assert {(skip["fixture"], skip["reason"]) for skip in skipped} == {
        ("_/00005-createChatCompletion.json", "nonconformant"),
        ("_/00006-createChatCompletion.json", "not served"),
    }
    with serve_app(
        create_app([API], seed=7, access_log=False, replay=ReplaySettings(fixtures, nonconformant=True))
    ) as url:
        assert _ask(url, "Broken").choices[0].message.content == "Nonconformant."


def test_recordings_of_one_request_play_in_order_and_reset_rewinds(replay: str) -> None:
    answers = [_ask(replay, "Count").choices[0].message.content for _ in range(4)]
    assert answers == ["Count one.", "Count two.", "Count three.", "Count three."]
    httpx2.post(f"{replay}/__gatewright/reset")
    assert _ask(replay, "Count").choices[0].message.content == "Count one."


def test_the_requests_test_id_picks_its_own_recording(replay: str) -> None:
    tagged = _ask(replay, "Hello", extra_headers={"x-test-id": "t-1"})
    assert tagged.choices[0].message.content == "Hello for test t-1."
    assert _ask(replay, "Hello").choices[0].message.content == "Recorded hello."
    entries = httpx2.get(f"{replay}/__gatewright/requests", params={"header": "x-test-id:t-1"}).json()
    assert [entry["rule"] for entry in entries["requests"]] == ["replay:t-1/00001-createChatCompletion.json"]


def test_a_recorded_stream_is_replayed_event_by_event(replay: str) -> None:
    deltas = _stream_deltas(replay, "Stream complete")
    assert deltas == [("one ", None), ("two ", None), ("three", None), (None, "stop")]
    raw = httpx2.post(
        f"{replay}/v1/chat/completions",
        headers={"Authorization": "Bearer sk-test"},
        json={"model": MODEL, "messages": _user("Stream complete"), "stream": True},
    )
    assert raw.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert raw.text.endswith("data: [DONE]\n\n") and raw.text.count("data: ") == 5


def test_a_recorded_stream_that_ended_early_is_cut_the_same_way(replay: str) -> None:
    deltas: list[Delta] = []
    with pytest.raises(openai.APIConnectionError):
        _stream_deltas(replay, "Stream cut", deltas)
    assert deltas == [("one ", None), ("two ", None), ("three", None)]  # all recorded, then the drop
    received: list[bytes] = []
    with (
        httpx2.Client(base_url=replay, timeout=10) as client,
        client.stream(
            "POST",
            "/v1/chat/completions",
            headers={"Authorization": "Bearer sk-test"},
            json={"model": MODEL, "messages": _user("Stream cut"), "stream": True},
        ) as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx2.RemoteProtocolError):  # no terminating chunk: the body is incomplete
            received.extend(response.iter_raw())
    text = b"".join(received).decode()
    assert text.count("data: ") == 3 and '"three"' in text  # every recorded event arrived first


def test_a_recorded_error_comes_back_with_its_status_and_headers(replay: str) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        _ask(replay, "Busy")
    response = caught.value.response
    assert response.status_code == 429
    assert caught.value.body == SLOW_DOWN
    assert response.headers["retry-after"] == "7" and response.headers["x-request-id"] == "req_busy"
    assert "set-cookie" not in response.headers
    assert response.headers["content-length"] == str(len(response.content))  # framing is aiohttp's


def test_rules_still_apply_over_recordings(replay: str) -> None:
    rules = {
        "rules": [
            {
                "when": {"operation": "createChatCompletion", "contains": "Count"},
                "then": {"text": "From a rule."},
            },
            {
                "name": "tagged",
                "when": {"operation": "createChatCompletion"},
                "then": {"headers": {"x-rule": "1"}},
            },
        ]
    }
    assert httpx2.post(f"{replay}/__gatewright/rules", json=rules).status_code == 201
    assert _ask(replay, "Count").choices[0].message.content == "From a rule."  # a scripted answer wins
    with _oai(replay) as client:
        raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=_user("Hello"))
    assert raw.parse().choices[0].message.content == "Recorded hello."  # a rule's headers go on top
    assert raw.headers["x-rule"] == "1"
    preferred = httpx2.post(
        f"{replay}/v1/chat/completions",
        headers={"Authorization": "Bearer sk-test", "Prefer": "dynamic=true"},
        json={"model": MODEL, "messages": _user("Hello")},
    )
    assert preferred.json()["id"] != "chatcmpl-recorded"  # a Prefer header steers the mock, not the recording
    rules_seen = [entry["rule"] for entry in _journal(replay)]
    assert rules_seen[1] == "tagged, replay:_/00001-createChatCompletion.json"


def test_a_rules_stream_fault_applies_to_a_replayed_stream(replay: str) -> None:
    rule = {"name": "cut", "when": {"operation": "createChatCompletion"}, "then": {"cut_after": 2}}
    assert httpx2.post(f"{replay}/__gatewright/rules", json={"rules": [rule]}).status_code == 201
    deltas: list[Delta] = []
    with pytest.raises(openai.APIConnectionError):
        _stream_deltas(replay, "Stream complete", deltas)
    assert deltas == [("one ", None), ("two ", None)]
    assert [(e["rule"], e["fault"]) for e in _journal(replay)] == [
        ("cut, replay:_/00007-createChatCompletion.json", "cut")
    ]


def test_the_recordings_api_picks_the_api_when_several_are_served(tmp_path: Path) -> None:
    write_recording(tmp_path, _chat("Hello", "Voxvey's answer.", api="voxvey", model=VOXVEY_MODEL))
    write_recording(tmp_path, _chat("Hello", "EmpirioLabs' answer.", api=API))
    with serve_app(
        create_app(["voxvey", API], seed=7, access_log=False, replay=ReplaySettings(tmp_path, strict=True))
    ) as url:
        assert _ask(f"{url}/voxvey", "Hello", VOXVEY_MODEL).choices[0].message.content == "Voxvey's answer."
        assert _ask(f"{url}/{API}", "Hello").choices[0].message.content == "EmpirioLabs' answer."
        with pytest.raises(openai.NotFoundError):
            _ask(f"{url}/voxvey", "Hello", VOXVEY_MODEL, temperature=0.5)


# -- the command line ------------------------------------------------------------------------------------


def _mock(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "gatewright", "mock", "--api", API, "--port", "0", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gatewright mock: error: "), result.stderr
    return lines[0]


@pytest.mark.slow  # starts `gatewright mock` in a subprocess
def test_cli_refuses_a_missing_directory_in_one_line(tmp_path: Path) -> None:
    line = _one_error_line(_mock("--replay", str(tmp_path / "missing")))
    assert line == f"gatewright mock: error: {tmp_path / 'missing'}: no such directory of recordings"


@pytest.mark.slow  # starts `gatewright mock` in a subprocess
def test_cli_refuses_a_malformed_fixture_naming_the_file(tmp_path: Path) -> None:
    write_recording(tmp_path, _chat("Hello", "fine"))
    broken = tmp_path / "t-9" / "00001-createChatCompletion.json"
    broken.parent.mkdir()
    broken.write_text('{"format": "gatewright-recording/1", "request": ', encoding="utf-8")
    line = _one_error_line(_mock("--replay", str(tmp_path)))
    assert f"error: {broken}: not a readable JSON fixture" in line


@pytest.mark.slow  # starts `gatewright mock` in a subprocess
def test_cli_refuses_strict_without_a_directory() -> None:
    line = _one_error_line(_mock("--replay-strict"))
    assert line == "gatewright mock: error: --replay-strict needs --replay DIR"


@pytest.mark.slow  # starts `gatewright mock` in a subprocess
def test_cli_startup_log_says_what_was_loaded_and_skipped(fixtures: Path) -> None:
    command = [sys.executable, "-m", "gatewright", "mock", "--api", API, "--port", "0"]
    process = subprocess.Popen([*command, "--replay", str(fixtures)], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline().strip()
    finally:
        process.terminate()
        process.wait(30)
        if process.stderr is not None:
            process.stderr.close()
    assert line == (
        f"replay: 8 recorded answers from {fixtures} (5 distinct requests); 2 fixtures skipped: "
        "1 nonconformant (replayed with --replay-nonconformant), 1 for an API not served"
    )
