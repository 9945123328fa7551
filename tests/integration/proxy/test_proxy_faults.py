"""The proxy in front of a gateway with planted faults: every fault reported with its operation
and check, on the right side, in the violations view, the live lines and the reports."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from proxy_upstream import KEY, SPEC, proxied

from gatewright.proxy import server
from gatewright.spec import Spec
from gatewright.spec.validation import DocumentValidators

AUTH = {"Authorization": f"Bearer {KEY}"}


def violations(url: str) -> list[dict[str, Any]]:
    response = requests.get(f"{url}/__gatewright/violations", timeout=10)
    assert response.status_code == 200
    return list(response.json()["violations"])


def found(url: str) -> set[tuple[str, str, str, str]]:
    return {(v["side"], v["operation"], v["check"], v["path"]) for v in violations(url)}


@pytest.mark.parametrize(
    ("fault", "check", "words"),
    [
        ("missing", "response_schema_conformance", '"count" is a required property'),
        ("wrongtype", "response_schema_conformance", '"three" is not of type "integer"'),
        ("enum", "response_schema_conformance", '"z" is not one of'),
        ("status", "status_code_conformance", "418"),
        ("ctype", "content_type_conformance", "text/plain"),
    ],
)
def test_each_planted_fault_is_reported_with_operation_and_check(fault: str, check: str, words: str) -> None:
    with proxied() as run:
        direct = requests.get(f"{run.upstream}/v1/items/{fault}", headers=AUTH, timeout=10)
        through = requests.get(f"{run.url}/v1/items/{fault}", headers=AUTH, timeout=10)
        assert (through.status_code, through.content) == (direct.status_code, direct.content)
        assert through.headers["Content-Type"] == direct.headers["Content-Type"]
        found_now = violations(run.url)
    assert [(v["operation"], v["check"], v["side"]) for v in found_now] == [("getItem", check, "gateway")]
    violation = found_now[0]
    assert words in violation["message"] + violation["detail"]
    assert violation["method"] == "GET" and violation["path"] == f"/v1/items/{fault}"
    assert violation["status"] == direct.status_code and violation["time"]
    line = next(line for line in run.out.getvalue().splitlines() if check in line)
    assert "getItem" in line and "\n" not in line


def test_a_conformant_answer_is_no_violation() -> None:
    with proxied() as run:
        assert requests.get(f"{run.url}/v1/items/ok", headers=AUTH, timeout=10).status_code == 200
        assert violations(run.url) == []
    assert run.out.getvalue() == ""


def _stream(url: str, model: str) -> tuple[bytes, bool]:
    """The raw stream the client read, and whether its connection ended cleanly."""
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    chunks: list[bytes] = []
    with requests.post(f"{url}/v1/chat/completions", json=body, headers=AUTH, stream=True, timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        try:
            for chunk in r.iter_content(chunk_size=None):
                chunks.append(chunk)
        except requests.exceptions.ChunkedEncodingError:
            return b"".join(chunks), False
    return b"".join(chunks), True


def test_a_stream_passes_through_and_a_cut_one_is_reported_as_cut() -> None:
    with proxied() as run:
        full, clean = _stream(run.url, "m")
        assert clean and full.endswith(b"data: [DONE]\n\n") and full.count(b"data:") == 3
        assert violations(run.url) == []
        cut, clean = _stream(run.url, "cut")
        assert not clean, "the client must see the upstream's cut, not a clean end"
        assert cut.count(b"data:") == 2
        found_now = violations(run.url)
    assert [(v["operation"], v["check"]) for v in found_now] == [
        ("createChatCompletion", "stream_terminates")
    ]
    assert "cut short" in found_now[0]["message"]


def test_a_stream_reaches_the_client_chunk_by_chunk_not_buffered() -> None:
    body = {"model": "slow", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with proxied() as run:
        started = time.monotonic()
        with requests.post(
            f"{run.url}/v1/chat/completions", json=body, headers=AUTH, stream=True, timeout=10
        ) as r:
            chunks = r.iter_content(chunk_size=None)
            first = next(chunks)
            first_after = time.monotonic() - started
            rest = b"".join(chunks)
        total = time.monotonic() - started
    assert first.startswith(b"data: ") and rest.endswith(b"data: [DONE]\n\n")
    assert first_after < 0.5 and total >= 0.8  # the first chunk came before the upstream's pause ended


def test_a_large_upload_passes_whole_with_its_length() -> None:
    payload = hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32)  # 3 MiB of binary
    with proxied(capture_limit=4096) as run:
        headers = {**AUTH, "Content-Type": "application/octet-stream"}
        answer = requests.post(f"{run.url}/v1/uploads", data=payload, headers=headers, timeout=30)
    assert answer.json() == {
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "chunked": None,
    }


def test_a_task_status_going_backwards_is_reported_on_the_poll() -> None:
    with proxied() as run:
        for job in ("job-good", "job-back"):
            created = requests.post(f"{run.url}/v1/jobs", json={"id": job}, headers=AUTH, timeout=10)
            assert created.status_code == 202
            seen = [
                requests.get(f"{run.url}/v1/jobs/{job}", headers=AUTH, timeout=10).json()["status"]
                for _ in range(3)
            ]
            assert seen[-1] == ("completed" if job == "job-good" else "running")
        found_now = violations(run.url)
    assert [(v["operation"], v["check"], v["path"]) for v in found_now] == [
        ("getJob", "task_status_forward", "/v1/jobs/job-back")
    ]
    assert "'running'" in found_now[0]["message"] and "completed" in found_now[0]["message"]


def test_a_request_the_spec_forbids_is_the_clients_problem() -> None:
    with proxied() as run:
        answer = requests.post(f"{run.url}/v1/items", json={"name": 5}, headers=AUTH, timeout=10)
        assert answer.status_code == 201  # forwarded all the same
        requests.delete(f"{run.url}/v1/items/ok", headers=AUTH, timeout=10)
        requests.get(f"{run.url}/v1/nowhere", headers=AUTH, timeout=10)
        seen = found(run.url)
    assert seen == {
        ("client", "createItem", "request_body_conformance", "/v1/items"),
        ("client", "-", "request_documented", "/v1/items/ok"),
        ("client", "-", "request_documented", "/v1/nowhere"),
    }


def test_control_prefix_is_never_forwarded() -> None:
    with proxied() as run:
        response = requests.post(f"{run.url}/__gatewright/reset", headers=AUTH, timeout=10)
        assert response.status_code == 404 and "proxy control route" in response.text
        assert violations(run.url) == []


def test_upstream_down_is_a_502_in_the_envelope_and_a_finding(unused_port: int) -> None:
    dead = f"http://127.0.0.1:{unused_port}"
    with proxied(upstream=dead) as run:
        answer = requests.get(f"{run.url}/v1/items/ok", headers=AUTH, timeout=10)
        again = requests.get(f"{run.url}/v1/items/ok", headers=AUTH, timeout=10)  # still alive
        found_now = violations(run.url)
    assert answer.status_code == 502 and again.status_code == 502
    spec = Spec(SPEC)
    schema = spec.find("GET", "/v1/items/{item_id}").definition["responses"]["502"]["content"]  # type: ignore[union-attr]
    assert DocumentValidators(SPEC).is_valid(schema["application/json"]["schema"], answer.json())
    assert "upstream" in answer.json()["error"]["message"]
    assert [(v["operation"], v["check"], v["status"]) for v in found_now] == [
        ("getItem", "request_completes", None)
    ] * 2


def test_upstream_down_judges_the_request_as_sent_with_its_body(unused_port: int) -> None:
    """The upstream refused the connection before it took the body: the client's request is still
    judged with its body (no "body missing" finding against the client), the failure the upstream's."""
    with proxied(upstream=f"http://127.0.0.1:{unused_port}") as run:
        answer = requests.post(f"{run.url}/v1/items", json={"name": "x"}, headers=AUTH, timeout=10)
        found_now = violations(run.url)
    assert answer.status_code == 502
    assert [(v["side"], v["operation"], v["check"]) for v in found_now] == [
        ("gateway", "createItem", "request_completes")
    ]


@pytest.mark.parametrize("client_timeout", [None, 300.0])
def test_upstream_down_does_not_wait_on_the_rest_of_a_body(
    unused_port: int, monkeypatch: pytest.MonkeyPatch, client_timeout: float | None
) -> None:
    """With no client timeout (``--read-timeout 0``) or a long one, a client that stops halfway through
    its body still gets its 502 once ``REST_SECONDS`` passed, and the cut request is counted as not
    judged (no finding against it, and no 408: the client was within its time)."""
    monkeypatch.setattr(server, "REST_SECONDS", 0.5)
    with proxied(upstream=f"http://127.0.0.1:{unused_port}", client_timeout=client_timeout) as run:
        host, port = run.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            head = f"POST /v1/items HTTP/1.1\r\nHost: {host}\r\nAuthorization: {AUTH['Authorization']}\r\n"
            sock.sendall(f"{head}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n".encode())
            sock.sendall(b'{"name": "x"')  # and nothing more: the client holds the connection open
            started = time.monotonic()
            answer = sock.recv(65536)
            waited = time.monotonic() - started
        listed = requests.get(f"{run.url}/__gatewright/violations", timeout=10).json()
    assert answer.startswith(b"HTTP/1.1 502"), answer[:200]
    assert waited < 5, waited
    assert listed == {"violations": [], "not_judged": 1}


@pytest.mark.parametrize("fault", ["slow", "reset"])
def test_upstream_timeout_or_reset_is_a_502(fault: str) -> None:
    with proxied(read_timeout=0.2) as run:
        started = time.monotonic()
        answer = requests.get(f"{run.url}/v1/items/{fault}", headers=AUTH, timeout=10)
        assert time.monotonic() - started < 0.6 or fault == "reset"  # the proxy gave up, it did not wait
        assert answer.status_code == 502 and answer.json()["error"]["message"]
        ok = requests.get(f"{run.url}/v1/items/ok", headers=AUTH, timeout=10)
        assert ok.status_code == 200
        found_now = violations(run.url)
        time.sleep(max(0.0, started + 0.7 - time.monotonic()))  # let the slow handler finish first
    assert [(v["check"], v["side"]) for v in found_now] == [("request_completes", "gateway")]


def test_a_body_beyond_the_capture_limit_passes_whole(tmp_path: Path) -> None:
    with proxied(capture_limit=1024, record_dir=tmp_path) as run:
        answer = requests.get(f"{run.url}/v1/items/big", headers=AUTH, timeout=10)
        assert answer.status_code == 200 and len(answer.content) == 64 * 65536
        found_now = violations(run.url)
    assert [(v["check"]) for v in found_now] == ["content_type_conformance"]
    assert not list(tmp_path.rglob("*.json")), "a body cut at the capture limit is not recorded"
    assert "not recorded" in run.out.getvalue()


def test_credentials_never_reach_violations_lines_reports_or_recordings(tmp_path: Path) -> None:
    with proxied(record_dir=tmp_path / "rec") as run:
        requests.get(f"{run.url}/v1/items/echo", headers=AUTH, timeout=10)
        requests.get(f"{run.url}/v1/items/missing?api_key={KEY}", headers=AUTH, timeout=10)
        listed = violations(run.url)
        written = run.proxy.write_reports(tmp_path / "reports")
    assert listed and {v["check"] for v in listed} == {"response_schema_conformance"}
    assert sorted(p.name for p in written) == ["junit.xml", "report.html", "report.json"]
    files = [*written, *(tmp_path / "rec").rglob("*.json")]
    assert len(files) == 5
    for path in files:
        assert KEY not in path.read_text(encoding="utf-8"), path
    assert KEY not in json.dumps(listed) and KEY not in run.out.getvalue()
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["failed"] is True
    assert {f["check"] for u in report["units"] for f in u["findings"]} == {"response_schema_conformance"}
