"""``--record``: one fixture per exchange in the spec layer's format, grouped by x-test-id,
credentials hidden, streams kept event by event, what the answer broke listed."""

from __future__ import annotations

import contextlib
from pathlib import Path

import requests
from proxy_upstream import KEY, proxied

from gatewright.spec.recording import NO_TEST_ID, load_recordings
from gatewright.spec.secrets import REDACTED

AUTH = {"Authorization": f"Bearer {KEY}", "X-Tenant": "tenant-7-private"}


def test_recordings_are_grouped_redacted_and_keep_stream_events(tmp_path: Path) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with proxied(record_dir=tmp_path, secret_headers=frozenset({"X-Tenant"})) as run:
        ok = requests.get(f"{run.url}/v1/items/ok", headers={**AUTH, "x-test-id": "t-1"}, timeout=10)
        bad = requests.get(f"{run.url}/v1/items/enum", headers={**AUTH, "x-test-id": "t-1"}, timeout=10)
        with requests.post(
            f"{run.url}/v1/chat/completions", json=body, headers={**AUTH, "x-test-id": "t-2"}, timeout=10
        ) as streamed:
            assert streamed.content.endswith(b"data: [DONE]\n\n")
        cut = {**body, "model": "cut"}
        with contextlib.suppress(requests.exceptions.ChunkedEncodingError):
            requests.post(f"{run.url}/v1/chat/completions", json=cut, headers=AUTH, timeout=10).close()
        requests.get(f"{run.url}/__gatewright/violations", timeout=10)  # waits for the recordings
    assert ok.status_code == 200 and bad.status_code == 200

    groups = {
        path.parent.name: sorted(p.name for p in path.parent.glob("*.json"))
        for path in tmp_path.rglob("*.json")
    }
    assert groups == {
        "t-1": ["00001-getItem.json", "00002-getItem.json"],
        "t-2": ["00001-createChatCompletion.json"],
        NO_TEST_ID: ["00001-createChatCompletion.json"],
    }
    for path in tmp_path.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert KEY not in text and "tenant-7-private" not in text, path

    recordings = {
        (r.test_id, r.request.path, r.request.body is not None and "cut" in str(r.request.body.value)): r
        for r in load_recordings(tmp_path)
    }
    first = recordings[("t-1", "/v1/items/ok", False)]
    assert first.api == "planted" and first.operation == "getItem" and first.conformant
    assert first.request.headers["authorization"] == REDACTED
    assert first.request.headers["x-tenant"] == REDACTED
    assert first.response.body is not None and first.response.body.value["name"] == "fine"
    broken = recordings[("t-1", "/v1/items/enum", False)]
    assert [v.split(":")[0] for v in broken.violations] == ["response_schema_conformance"]

    stream = recordings[("t-2", "/v1/chat/completions", False)]
    assert stream.response.body is None and stream.response.complete
    assert stream.response.events is not None and len(stream.response.events) == 3
    assert stream.response.events[-1] == "data: [DONE]"
    assert stream.response.events[0].startswith('data: {"id": "c1"')

    cut_short = recordings[(None, "/v1/chat/completions", True)]
    assert cut_short.response.complete is False
    assert cut_short.response.events is not None and len(cut_short.response.events) == 2
    assert [v.split(":")[0] for v in cut_short.violations] == ["stream_terminates"]
