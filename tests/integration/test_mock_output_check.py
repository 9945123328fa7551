"""The mock's one output check (``mock.outcome.check``) on every way an answer leaves, over real sockets.

A body the spec rejects is a mock bug: it is logged (a warning naming the API, the status, the
schema pointer and the first errors) and still sent. The planted spec is empiriolabs' with three
things no canonical answer trips over: its chat stream's event schema requires an ``id`` (the
openai-chat events carry none), its chat answer names an example ``broken`` that breaks the
answer's schema, and the answer's ``id`` is ``format: uri`` (judged by the output check, not by the
replay loader, which keeps a recording whose body breaks only a format). Answers marked
nonconformant on purpose (a rule's ``conformant: false``, a recording kept by
``--replay-nonconformant``) are not checked; a conformant rule body the spec rejects is refused
when the rule is added, as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from gatewright.mock import create_app
from gatewright.mock.generate import Generator
from gatewright.mock.replay import ReplaySettings
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.model import STREAM_EXTENSION
from gatewright.spec.recording import Payload, RecordedRequest, RecordedResponse, Recording, write_recording
from gatewright.testing import MockControlError, add_rules, reset_mock, serve_app

API = "planted"  # the spec's name: its file's
MODEL = "gpt-4o-mini"
CHAT = "/paths/~1v1~1chat~1completions/post/responses/200/content"
EVENT_SCHEMA = f"{CHAT}/text~1event-stream/schema"
BODY_SCHEMA = f"{CHAT}/application~1json/schema"
BROKEN = {"id": "https://mock.example/chat/1", "object": "chat.completion", "choices": "none"}
HEADERS = {
    "Authorization": "Bearer sk-test",
    "x-api-key": "sk-test",
    "anthropic-version": "2023-06-01",
    "x-project-id": "proj_1",
}


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The output check's reports (the ``gatewright.mock`` logger's warnings)."""
    return [
        r.getMessage() for r in caplog.records if r.name == "gatewright.mock" and r.levelno >= logging.WARNING
    ]


def _on_chat(mock: str, then: dict[str, Any]) -> None:
    """One rule on chat completions answering with ``then``."""
    add_rules(mock, {"rules": [{"when": {"operation": "createChatCompletion"}, "then": then}]})


@pytest.fixture(autouse=True)
def _capture(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.WARNING, logger="gatewright.mock"):
        yield


def planted() -> dict[str, Any]:
    """empiriolabs' spec with the three plants; the module's spec_path (tests/conftest.py)."""
    document: dict[str, Any] = json.loads(json.dumps(load_spec("empiriolabs").document))  # a copy
    content = document["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    content["text/event-stream"]["schema"]["required"] = ["data", "id"]
    content["application/json"]["examples"] = {"broken": {"value": BROKEN}}
    document["components"]["schemas"]["ChatResponse"]["properties"]["id"]["format"] = "uri"
    return document


SPEC_DOCUMENT, SPEC_ID = planted, API


@pytest.fixture(scope="module")
def mock_url(spec_path: Path) -> Iterator[str]:
    """This module's mock serves the planted spec (a file made at run time: no MOCK_OPTIONS)."""
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:
        yield url


def _chat(
    url: str, text: str = "Hello", headers: dict[str, str] | None = None, **extra: Any
) -> httpx2.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}], **extra}
    return httpx2.post(
        f"{url}/v1/chat/completions", json=body, headers={**HEADERS, **(headers or {})}, timeout=10
    )


def _events(response: httpx2.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return [block for block in response.text.split("\n\n") if block.strip()]


# -- the mock's own streams ----------------------------------------------------------------------------


def test_a_stream_event_its_schema_rejects_is_reported_once_and_sent(
    mock: str, caplog: pytest.LogCaptureFixture
) -> None:
    events = _events(_chat(mock, stream=True))
    assert events[-1] == "data: [DONE]" and len(events) > 3  # every event still sent
    [warning] = _warnings(caplog)  # one per stream, not one per event
    assert warning.startswith(f"{API}: the mock's 200 stream event 1 fails {EVENT_SCHEMA}: ")
    assert '"id" is a required property' in warning


@pytest.mark.parametrize("conformant", [True, False])
def test_a_rule_scripted_stream_is_checked_unless_marked_nonconformant(
    mock: str, caplog: pytest.LogCaptureFixture, conformant: bool
) -> None:
    _on_chat(mock, {"text": "Scripted words here.", "conformant": conformant})
    events = _events(_chat(mock, stream=True))
    assert "Scripted" in "".join(events)
    warnings = _warnings(caplog)
    if conformant:
        assert len(warnings) == 1 and EVENT_SCHEMA in warnings[0]
    else:
        assert warnings == []


# -- rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("conformant", [True, False])
def test_a_rule_example_its_schema_rejects_is_reported_unless_marked(
    mock: str, caplog: pytest.LogCaptureFixture, conformant: bool
) -> None:
    _on_chat(mock, {"example": "broken", "conformant": conformant})
    response = _chat(mock)
    assert response.status_code == 200 and response.json() == BROKEN  # sent as the spec has it
    warnings = _warnings(caplog)
    if conformant:
        [warning] = warnings
        assert warning.startswith(f"{API}: the mock's 200 body fails {BODY_SCHEMA}: /choices: ")
    else:
        assert warnings == []


def test_a_rule_body_its_schema_rejects_is_refused_and_sent_only_when_marked(
    mock: str, caplog: pytest.LogCaptureFixture
) -> None:
    rule: dict[str, Any] = {"when": {"operation": "createChatCompletion"}, "then": {"body": BROKEN}}
    with pytest.raises(MockControlError) as refused:
        add_rules(mock, {"rules": [rule]})
    assert refused.value.status == 400 and "fails the response schema" in refused.value.message
    rule["then"]["conformant"] = False
    add_rules(mock, {"rules": [rule]})
    response = _chat(mock)
    assert response.status_code == 200 and response.json() == BROKEN
    assert _warnings(caplog) == []


def test_a_rule_status_answer_is_checked_and_a_fault_envelope_passes(
    mock: str, caplog: pytest.LogCaptureFixture
) -> None:
    """``status: 200`` renders the documented answer (the planted example); 529 the error envelope."""
    busy = {"operation": "createChatCompletion", "headers": {"x-test-id": "busy"}}
    add_rules(
        mock,
        {
            "rules": [
                {"when": busy, "then": {"status": 529}},
                {"when": {"operation": "createChatCompletion"}, "then": {"status": 200}},
            ]
        },
    )
    overloaded = _chat(mock, headers={"x-test-id": "busy"})
    assert overloaded.status_code == 529 and overloaded.json()
    assert _warnings(caplog) == []
    assert _chat(mock).json() == BROKEN
    [warning] = _warnings(caplog)
    assert warning.startswith(f"{API}: the mock's 200 body fails {BODY_SCHEMA}: /choices: ")


# -- replay -----------------------------------------------------------------------------------------------


def _recorded_request(text: str, **extra: Any) -> RecordedRequest:
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}], **extra}
    return RecordedRequest(
        "POST", "/v1/chat/completions", "", {"content-type": "application/json"}, Payload("json", body)
    )


def _completion(completion_id: str, choices: Any = None) -> dict[str, Any]:
    message = {"role": "assistant", "content": "Recorded."}
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]
        if choices is None
        else choices,
    }


def _json_recording(text: str, body: dict[str, Any]) -> Recording:
    response = RecordedResponse(200, {"content-type": "application/json"}, Payload("json", body))
    return Recording(API, "createChatCompletion", _recorded_request(text), response)


def _stream_recording(text: str, violations: tuple[str, ...] = ()) -> Recording:
    chunk = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1, "model": MODEL}
    events = (
        ": recorded comment (no event)",
        "data: " + json.dumps({**chunk, "choices": [{"index": 0, "delta": {"content": "Hi"}}]}),
        "data: [DONE]",
    )
    response = RecordedResponse(200, {"content-type": "text/event-stream; charset=utf-8"}, None, events)
    return Recording(
        API, "createChatCompletion", _recorded_request(text, stream=True), response, None, violations
    )


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("recordings")
    write_recording(root, _json_recording("Format", _completion("chatcmpl-recorded")))  # not a uri
    write_recording(root, _json_recording("Fine", _completion("https://mock.example/chat/2")))
    write_recording(root, _json_recording("Broken", _completion("https://mock.example/chat/3", "none")))
    write_recording(root, _stream_recording("Stream"))
    write_recording(root, _stream_recording("Labelled", violations=("event 1: no id",)))
    return root


@pytest.fixture(scope="module")
def replaying(spec_path: Path, recordings: Path) -> Iterator[str]:
    app = create_app(
        spec_path=spec_path, seed=3, access_log=False, replay=ReplaySettings(recordings, strict=True)
    )
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def nonconformant(spec_path: Path, recordings: Path) -> Iterator[str]:
    settings = ReplaySettings(recordings, strict=True, nonconformant=True)
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False, replay=settings)) as url:
        yield url


def test_a_replayed_body_its_schema_rejects_is_reported_and_sent(
    replaying: str, caplog: pytest.LogCaptureFixture
) -> None:
    reset_mock(replaying)
    response = _chat(replaying, "Format")
    assert response.status_code == 200 and response.json()["id"] == "chatcmpl-recorded"
    [warning] = _warnings(caplog)
    assert warning.startswith(f"{API}: the mock's 200 replayed body fails {BODY_SCHEMA}: /id: ")
    caplog.clear()
    assert _chat(replaying, "Fine").status_code == 200
    assert _warnings(caplog) == []


def test_a_replayed_stream_event_its_schema_rejects_is_reported_and_sent(
    replaying: str, caplog: pytest.LogCaptureFixture
) -> None:
    reset_mock(replaying)
    events = _events(_chat(replaying, "Stream", stream=True))
    assert len(events) == 3 and events[-1] == "data: [DONE]"
    [warning] = _warnings(caplog)  # the comment block is no event: the chunk is event 1
    assert warning.startswith(f"{API}: the mock's 200 replayed stream event 1 fails {EVENT_SCHEMA}: ")


def test_the_replay_loader_still_refuses_what_breaks_the_spec(replaying: str) -> None:
    reset_mock(replaying)
    assert _chat(replaying, "Broken").status_code == 404  # skipped at load: a strict miss
    assert _chat(replaying, "Labelled", stream=True).status_code == 404


def test_recordings_replayed_as_nonconformant_on_request_are_not_checked(
    nonconformant: str, caplog: pytest.LogCaptureFixture
) -> None:
    reset_mock(nonconformant)
    assert _chat(nonconformant, "Broken").json()["choices"] == "none"
    assert len(_events(_chat(nonconformant, "Labelled", stream=True))) == 3
    assert _warnings(caplog) == []


# -- normal traffic: every streaming operation of the five APIs ---------------------------------------------


def _streaming_operations() -> list[tuple[str, str, str, str]]:
    found = []
    for api in API_IDS:
        spec = load_spec(api)
        for op in spec.operations:
            if STREAM_EXTENSION in json.dumps(op.definition.get("responses", {})):
                found.append((api, op.method, op.path, op.pointer))
    return found


STREAMING = _streaming_operations()


def test_every_api_has_streaming_operations() -> None:
    assert {api for api, *_ in STREAMING} == set(API_IDS)


@pytest.mark.parametrize("operation", STREAMING, ids=[f"{a} {m} {p}" for a, m, p, _ in STREAMING])
def test_normal_streams_pass_the_check(
    base_url: str, caplog: pytest.LogCaptureFixture, operation: tuple[str, str, str, str]
) -> None:
    api, method, path, pointer = operation
    body = None
    if method == "POST":
        spec = load_spec(api)
        body = Generator(SchemaSet(spec.document), seed=1).generate(
            f"{pointer}/requestBody/content/application~1json/schema"
        )
        assert isinstance(body, dict)
        body["stream"] = True
    url = f"{base_url}/{api}{path.replace('{request_id}', 'turn_1')}"
    response = httpx2.request(
        method, url, json=body, headers={**HEADERS, "Accept": "text/event-stream"}, timeout=10
    )
    assert _events(response)
    assert _warnings(caplog) == []
