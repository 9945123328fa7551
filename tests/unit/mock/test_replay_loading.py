"""Reading a directory of recordings into the replay book: order, skips and their reasons, errors."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gatewright.mock import load_apis
from gatewright.mock.control_store import ControlStore
from gatewright.mock.operations import MockApi
from gatewright.mock.replay import Fixture, ReplayBook, ReplaySettings, RequestKey, load_replay
from gatewright.mock.replay.matcher import request_key
from gatewright.mock.replay.playback import replayed_headers
from gatewright.spec.recording import (
    Payload,
    RecordedRequest,
    RecordedResponse,
    Recording,
    RecordingError,
    iter_recordings,
    write_recording,
)

API = "empiriolabs"
CHAT_PATH = "/v1/chat/completions"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
ANSWER = {"id": "chatcmpl-recorded", "object": "chat.completion"}


def _pick(book: ReplayBook, key: RequestKey, test_id: str | None) -> Fixture | None:
    """``ReplayBook.pick`` (which awaits the store's count) from a plain test."""
    return asyncio.run(book.pick(key, test_id))


@pytest.fixture(scope="module")
def apis() -> dict[str, MockApi]:
    return load_apis([API])


def _recording(
    *,
    api: str = API,
    operation: str | None = "createChatCompletion",
    method: str = "POST",
    path: str = CHAT_PATH,
    query: str = "",
    headers: Mapping[str, str] | None = None,
    body: Payload | None = None,
    test_id: str | None = None,
    violations: tuple[str, ...] = (),
) -> Recording:
    return Recording(
        api,
        operation,
        RecordedRequest(
            method,
            path,
            query,
            dict(headers or {"content-type": "application/json"}),
            body if body is not None else Payload("json", CHAT),
        ),
        RecordedResponse(200, {"content-type": "application/json"}, Payload("json", ANSWER)),
        test_id=test_id,
        violations=violations,
    )


def _book(root: Path, apis: dict[str, MockApi], **settings: Any) -> ReplayBook:
    return load_replay(ReplaySettings(root, **settings), apis, ControlStore())


def _live(apis: dict[str, MockApi], operation: str, body: Any, params: dict[str, str] | None = None) -> Any:
    """The key of a live request whose body the pipeline parsed to ``body``."""
    return request_key(API, operation, params or {}, "", body)


# -- reading the directory -------------------------------------------------------------------------------


def test_fixtures_are_read_group_by_group_in_recorded_order(tmp_path: Path) -> None:
    for test_id in ("t-b", None, "t-a", "t-b"):
        write_recording(tmp_path, _recording(test_id=test_id))
    names = [name for name, _ in iter_recordings(tmp_path)]
    assert names == [
        "_/00001-createChatCompletion.json",
        "t-a/00001-createChatCompletion.json",
        "t-b/00001-createChatCompletion.json",
        "t-b/00002-createChatCompletion.json",
    ]


def test_a_missing_directory_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"nowhere: no such directory of recordings"):
        list(iter_recordings(tmp_path / "nowhere"))


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not a readable JSON fixture"),
        (json.dumps({"hello": 1}), "not a recording: 'format' is a required property"),
        (
            json.dumps({"format": "gatewright-recording/1", "request": {}, "response": {}}),
            "not a recording: 'api' is a required property",
        ),
        (
            json.dumps(
                {"format": "gatewright-recording/1", "api": API, "request": {}, "response": {"status": 200}}
            ),
            "not a recording: /request: 'method' is a required property",
        ),
    ],
)
def test_a_malformed_fixture_is_an_error_naming_the_file(tmp_path: Path, content: str, says: str) -> None:
    write_recording(tmp_path, _recording())
    bad = tmp_path / "_" / "00002-broken.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(RecordingError) as caught:
        list(iter_recordings(tmp_path))
    assert str(bad) in str(caught.value) and says in str(caught.value)
    assert "\n" not in str(caught.value)


# -- what is kept, what is skipped and why ----------------------------------------------------------------


def test_unusable_recordings_are_skipped_with_their_reason(
    tmp_path: Path, apis: dict[str, MockApi], caplog: pytest.LogCaptureFixture
) -> None:
    write_recording(tmp_path, _recording())
    write_recording(tmp_path, _recording(violations=("status 200: body/id: 1 is not a string",)))
    write_recording(tmp_path, _recording(api="voxvey"))
    write_recording(tmp_path, _recording(operation=None, path="/v1/nothing"))
    write_recording(tmp_path, _recording(operation="noSuchOperation"))
    write_recording(tmp_path, _recording(path="/v1/embeddings"))
    with caplog.at_level(logging.DEBUG, logger="gatewright.mock"):
        book = _book(tmp_path, apis)
    assert book.loaded == 1
    assert [(skip.name[2:7], skip.reason) for skip in book.skipped] == [
        ("00002", "nonconformant"),
        ("00003", "not served"),
        ("00004", "unmatched"),
        ("00005", "unknown operation"),
        ("00006", "unrouted"),
    ]
    summary = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert summary == [
        f"replay: 1 recorded answer from {tmp_path} (1 distinct request); 5 fixtures skipped: "
        "1 nonconformant (replayed with --replay-nonconformant), 1 for an API not served, "
        "1 of a request that matched no operation, 1 of an operation the spec does not have, "
        "1 whose path does not route to its operation"
    ]
    details = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert "replay: skipped _/00003-createChatCompletion.json: API 'voxvey' is not served" in details
    assert (
        "replay: skipped _/00006-createChatCompletion.json: "
        "POST /v1/embeddings does not route to createChatCompletion" in details
    )


def test_nonconformant_recordings_are_kept_when_asked_for(tmp_path: Path, apis: dict[str, MockApi]) -> None:
    write_recording(tmp_path, _recording(violations=("status 200: not documented",)))
    assert _book(tmp_path, apis).loaded == 0
    assert _book(tmp_path, apis, nonconformant=True).loaded == 1


def test_a_recorded_path_under_a_prefix_routes_to_its_operation(
    tmp_path: Path, apis: dict[str, MockApi]
) -> None:
    # recorded through a mock serving several APIs (/<api id>/...) or a proxy with a base path
    write_recording(tmp_path, _recording(path=f"/{API}{CHAT_PATH}"))
    write_recording(tmp_path, _recording(path=f"/gateway/{API}{CHAT_PATH}", test_id="t"))
    book = _book(tmp_path, apis)
    assert book.loaded == 2 and book.describe()["requests"] == 1
    chat = _live(apis, "createChatCompletion", CHAT)  # both answer the chat request as the mock keys it
    picked = _pick(book, chat, None)
    assert picked is not None and picked.name == "_/00001-createChatCompletion.json"
    picked = _pick(book, chat, "t")
    assert picked is not None and picked.name == "t/00001-createChatCompletion.json"


def test_recordings_of_several_tests_play_in_the_order_they_were_recorded(
    tmp_path: Path, apis: dict[str, MockApi]
) -> None:
    """Group folders sort by name ("auth-1" before "plain-1"); a request that is no test's plays
    every test's recordings of it as they happened."""
    recorded = [("plain-1", "2026-12-06T13:40:11.000Z"), ("auth-1", "2026-12-06T13:40:15.000Z")]
    for test_id, at in recorded:
        write_recording(tmp_path, replace(_recording(test_id=test_id), recorded_at=at))
    book = _book(tmp_path, apis)
    chat = _live(apis, "createChatCompletion", CHAT)
    played = [_pick(book, chat, None) for _ in range(3)]
    assert [fixture.recording.test_id for fixture in played if fixture] == ["plain-1", "auth-1", "auth-1"]
    picked = _pick(book, chat, "auth-1")  # a test's own recordings still come first for it
    assert picked is not None and picked.recording.test_id == "auth-1"


def test_path_parameters_come_from_the_recorded_path(tmp_path: Path, apis: dict[str, MockApi]) -> None:
    op = "getGpuInstance"
    assert apis[API].operations[op].operation.path == "/v1/gpu/instances/{instance_id}"
    for instance in ("gpu-1", "gpu-2"):
        recording = _recording(operation=op, method="GET", path=f"/v1/gpu/instances/{instance}", headers={})
        write_recording(
            tmp_path, Recording(recording.api, op, _no_body(recording.request), recording.response)
        )
    book = _book(tmp_path, apis)
    assert book.describe()["requests"] == 2
    picked = _pick(book, _live(apis, op, None, {"instance_id": "gpu-2"}), None)
    assert picked is not None and picked.name == "_/00002-getGpuInstance.json"
    assert _pick(book, _live(apis, op, None, {"instance_id": "gpu-3"}), None) is None


def _no_body(request: RecordedRequest) -> RecordedRequest:
    return RecordedRequest(request.method, request.path, request.query, request.headers, None)


def _multipart(boundary: str, audio: bytes) -> tuple[dict[str, str], Payload]:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nopenai-whisper-1\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'.encode()
        + b"Content-Type: audio/wav\r\n\r\n"
        + audio
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    content_type = f"multipart/form-data; boundary={boundary}"
    raw = b"".join(parts)
    return {"content-type": content_type}, Payload.from_bytes(raw, content_type) or Payload("text", "")


def test_multipart_bodies_match_whatever_their_boundary(tmp_path: Path, apis: dict[str, MockApi]) -> None:
    op = "createTranscription"
    for boundary, audio in (("b0undary-one", b"RIFFaudio"), ("b0undary-two", b"RIFFother")):
        headers, body = _multipart(boundary, audio)
        write_recording(
            tmp_path, _recording(operation=op, path="/v1/audio/transcriptions", headers=headers, body=body)
        )
    book = _book(tmp_path, apis)
    assert book.loaded == 2 and book.describe()["requests"] == 2
    # what the pipeline's validator makes of a live upload (another boundary, same fields)
    live = {"model": "openai-whisper-1", "file": "RIFFother"}
    picked = _pick(book, _live(apis, op, live), None)
    assert picked is not None and picked.name == "_/00002-createTranscription.json"


# -- headers that are replayed ---------------------------------------------------------------------------


def test_framing_cookies_and_redacted_values_are_not_replayed() -> None:
    recorded = RecordedResponse(
        200,
        {
            "content-type": "application/json",
            "content-length": "999",
            "transfer-encoding": "chunked",
            "content-encoding": "gzip",
            "connection": "keep-alive, x-hop",
            "x-hop": "1",
            "keep-alive": "timeout=5",
            "date": "Mon, 01 Jan 2024 00:00:00 GMT",
            "set-cookie": "session=abc",
            "x-request-id": "req_123",
            "openai-processing-ms": "42",
            "x-upstream-token": "[REDACTED]",
        },
        Payload("json", {}),
    )
    headers = replayed_headers(recorded, [("x-ratelimit-remaining-requests", "9")])
    assert dict(headers) == {
        "content-type": "application/json",
        "x-request-id": "req_123",
        "openai-processing-ms": "42",
        "x-ratelimit-remaining-requests": "9",
    }


def test_a_stream_keeps_its_recorded_content_type_once() -> None:
    recorded = RecordedResponse(200, {"content-type": "text/event-stream"}, None, ("data: {}",))
    headers = replayed_headers(recorded)
    assert headers.getall("Content-Type") == ["text/event-stream"]
    assert headers["Cache-Control"] == "no-cache"
