"""The recorded-exchange fixture format: round trip, redaction, order, refusal of bad files."""

from __future__ import annotations

import json
from pathlib import Path

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
