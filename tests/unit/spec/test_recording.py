"""The recorded-exchange fixture format: round trip, redaction, order, refusal of bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatewright.spec.recording import (
    Payload,
    RecordedRequest,
    RecordedResponse,
    Recording,
    RecordingError,
    load_recordings,
    write_recording,
)
from gatewright.spec.secrets import REDACTED


def _recording(test_id: str | None = "t-1", content: str = "hi") -> Recording:
    return Recording(
        api="voxvey",
        operation="createChatCompletion",
        request=RecordedRequest(
            "POST",
            "/v1/chat/completions",
            "",
            {"Authorization": "Bearer sk-live-123", "Content-Type": "application/json", "x-test-id": "t-1"},
            Payload(
                "json", {"model": "m", "messages": [{"role": "user", "content": content}], "api_key": "k"}
            ),
        ),
        response=RecordedResponse(
            200,
            {"content-type": "text/event-stream", "set-cookie": "session=abc"},
            None,
            ('data: {"a":1}', "data: [DONE]"),
            True,
        ),
        test_id=test_id,
    )


def test_round_trip_redacts_credentials_and_keeps_events(tmp_path: Path) -> None:
    path = write_recording(tmp_path, _recording())
    text = path.read_text()
    assert "sk-live-123" not in text and "session=abc" not in text and '"k"' not in text
    (loaded,) = load_recordings(tmp_path)
    assert loaded.request.headers["authorization"] == REDACTED
    assert loaded.request.headers["x-test-id"] == "t-1"
    assert loaded.request.body is not None and loaded.request.body.value["api_key"] == REDACTED
    assert loaded.request.body.value["messages"][0]["content"] == "hi"
    assert loaded.response.events == ('data: {"a":1}', "data: [DONE]")
    assert loaded.recorded_at and loaded.conformant
    assert path.parent.name == "t-1"


def test_fixtures_load_in_recorded_order_per_group(tmp_path: Path) -> None:
    for index in range(12):  # past 9, so the order is numeric, not lexical
        write_recording(tmp_path, _recording(content=f"m{index}"))
    write_recording(tmp_path, _recording(test_id=None))
    loaded = load_recordings(tmp_path)
    contents = [r.request.body.value["messages"][0]["content"] for r in loaded if r.test_id]  # type: ignore[union-attr]
    assert contents == [f"m{i}" for i in range(12)]
    assert (tmp_path / "_").is_dir()


@pytest.mark.parametrize(
    ("raw", "content_type", "kind"),
    [
        (b'{"a": 1}', "application/json", "json"),
        (b"plain", "text/plain", "text"),
        (b"\xff\x00", "audio/mpeg", "base64"),
    ],
)
def test_payload_keeps_bytes(raw: bytes, content_type: str, kind: str) -> None:
    payload = Payload.from_bytes(raw, content_type)
    assert payload is not None and payload.kind == kind
    assert json.loads(payload.to_bytes()) == json.loads(raw) if kind == "json" else payload.to_bytes() == raw


def test_bad_fixture_is_refused_with_its_file_name(tmp_path: Path) -> None:
    (tmp_path / "_").mkdir()
    bad = tmp_path / "_" / "00001-x.json"
    bad.write_text(json.dumps({"format": "gatewright-recording/1", "request": {}, "response": {}}))
    with pytest.raises(RecordingError, match=r"00001-x\.json"):
        load_recordings(tmp_path)
    with pytest.raises(RecordingError, match="no such directory"):
        load_recordings(tmp_path / "missing")


def _document() -> dict[str, Any]:
    return _recording().to_document()


def _with(pointer: str, value: Any = None, *, drop: bool = False) -> dict[str, Any]:
    """The recording's document with the field at ``pointer`` set to ``value`` (or removed)."""
    document = _document()
    *parents, last = pointer.strip("/").split("/")
    node: Any = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    key: Any = int(last) if isinstance(node, list) else last
    if drop:
        del node[key]
    else:
        node[key] = value
    return document


MALFORMED = {
    # unknown keys
    "top-level": (_with("/note", "x"), "Additional properties are not allowed ('note' was unexpected)"),
    "request": (
        _with("/request/url", "/x"),
        "/request: Additional properties are not allowed ('url' was unexpected)",
    ),
    "response": (_with("/response/trailers", {}), "/response: Additional properties are not allowed"),
    "body-kind": (
        _with("/response/body", {"xml": "<a/>"}),
        "/response/body: Additional properties are not allowed",
    ),
    # wrong types and values
    "format-version": (
        _with("/format", "gatewright-recording/2"),
        "/format: 'gatewright-recording/1' was expected",
    ),
    "not-an-object": ([], "[] is not of type 'object'"),
    "api": (_with("/api", 3), "/api: 3 is not of type 'string'"),
    "status-range": (_with("/response/status", 101), "/response/status: 101 is less than the minimum of 200"),
    "status-type": (_with("/response/status", "200"), "/response/status: '200' is not of type 'integer'"),
    "path": (_with("/request/path", "v1/x"), "/request/path: 'v1/x' does not match '^/'"),
    "header-value": (_with("/request/headers/x-n", 1), "/request/headers/x-n: 1 is not of type 'string'"),
    "event": (
        _with("/response/events/1", {"data": 1}),
        "/response/events/1: {'data': 1} is not of type 'string'",
    ),
    "violations": (_with("/violations", "bad"), "/violations: 'bad' is not of type 'array', 'null'"),
    "two-body-kinds": (_with("/response/body", {"text": "a", "base64": "YQ=="}), "has too many properties"),
    "text-body": (_with("/response/body", {"text": 1}), "/response/body/text: 1 is not of type 'string'"),
    "base64-body": (_with("/response/body", {"base64": "YQ"}), "/response/body/base64: 'YQ' does not match"),
    "complete": (_with("/response/complete", "yes"), "/response/complete: 'yes' is not of type 'boolean'"),
    # missing what is required
    "no-format": (_with("/format", drop=True), "'format' is a required property"),
    "no-api": (_with("/api", drop=True), "'api' is a required property"),
    "no-method": (_with("/request/method", drop=True), "/request: 'method' is a required property"),
    "no-status": (_with("/response/status", drop=True), "/response: 'status' is a required property"),
}


@pytest.mark.parametrize(("document", "says"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_recording_is_refused_naming_the_file_the_field_and_why(
    tmp_path: Path, document: Any, says: str
) -> None:
    (tmp_path / "_").mkdir()
    bad = tmp_path / "_" / "00001-x.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(RecordingError) as caught:
        load_recordings(tmp_path)
    assert str(caught.value).startswith(f"{bad}: not a recording: "), str(caught.value)
    assert says in str(caught.value), str(caught.value)


def test_what_the_writer_writes_reads_back_and_nulls_are_as_if_absent() -> None:
    document = _document()
    document["request"]["headers"] = {
        name.lower(): value for name, value in document["request"]["headers"].items()
    }
    assert Recording.from_document(document, "f").to_document() == document
    for field in ("operation", "test_id", "recorded_at", "violations"):
        document[field] = None
    for field in ("query", "headers", "body"):
        document["request"][field] = None
    document["response"]["status"] = 200.0  # an integer to JSON Schema
    loaded = Recording.from_document(document, "f")
    assert type(loaded.response.status) is int and loaded.response.status == 200
    assert (loaded.operation, loaded.test_id, loaded.recorded_at, loaded.violations) == (None, None, "", ())
    assert (loaded.request.query, loaded.request.headers, loaded.request.body) == ("", {}, None)
