"""The proxy on a developer's machine: bounded memory, timeouts for slow clients, nothing secret written.

Over real sockets: a gzip bomb from the upstream is decoded only up to the capture limit; clients
that send their headers or body too slowly, or sit idle, are cut off; credentials in bodies (JSON
fields named like one, nested, form fields) reach no line, report or recording; and exchanges that
arrive faster than the judge can read are counted as not judged, never queued without end.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from aiohttp import web
from proxy_upstream import KEY, SPEC, proxied
from test_proxy_cli import ProxyProcess

from gatewright.testing import serve_app

pytestmark = pytest.mark.slow  # waits out the proxy's read timeouts; a gzip bomb; the proxy's peak RSS

AUTH = {"Authorization": f"Bearer {KEY}"}
ITEM = {"id": "ok", "name": "fine", "kind": "a", "count": 1}
# the planted gateway's spec, as the spec_path fixture (tests/conftest.py)
SPEC_DOCUMENT, SPEC_ID = SPEC, "planted"
BOMB = gzip.compress(json.dumps({**ITEM, "name": " " * (200 << 20)}).encode(), 9)  # ~200 KiB of 200 MiB


def _bomb_upstream() -> web.Application:
    async def item(request: web.Request) -> web.Response:
        if request.match_info["item_id"] == "bomb":
            headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
            return web.Response(body=BOMB, headers=headers)
        return web.json_response(ITEM)

    async def create(request: web.Request) -> web.Response:
        await request.read()  # waits for the whole body, as a gateway does
        return web.json_response(ITEM, status=201)

    app = web.Application()
    app.router.add_get("/v1/items/{item_id}", item)
    app.router.add_post("/v1/items", create)
    return app


def _peak_rss(pid: int) -> int:
    """The process's peak resident set, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET without decoding the answer (the client must not inflate the bomb either)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.request("GET", path, headers=AUTH)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


# --- 5. a compressed answer is decoded only up to the capture limit -----------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_gzip_bomb_costs_the_proxy_no_more_than_its_capture_limit(spec_path: Path, tmp_path: Path) -> None:
    with serve_app(_bomb_upstream()) as upstream:
        proxy = ProxyProcess("--spec", str(spec_path), "--upstream", upstream, "--report-dir", str(tmp_path))
        try:
            assert _raw_get(proxy.url, "/v1/items/ok")[0] == 200
            requests.get(f"{proxy.url}/__gatewright/violations", timeout=60)
            before = _peak_rss(proxy.process.pid)
            status, body = _raw_get(proxy.url, "/v1/items/bomb")
            assert (status, body) == (200, BOMB)  # passed through as sent
            found = requests.get(f"{proxy.url}/__gatewright/violations", timeout=60).json()
            grown = _peak_rss(proxy.process.pid) - before
        finally:
            code, err = proxy.stop()
    assert grown < 80 << 20, f"the proxy grew by {grown >> 20} MiB for a {len(BOMB) >> 10} KiB answer"
    assert found == {"violations": [], "not_judged": 0}  # judged as cut: its schema is not checked
    assert code == 0 and "Traceback" not in err, err


# --- 6. slow and idle clients are cut off -------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_proxy(spec_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A proxy that gives clients one second to send a request."""
    reports = tmp_path_factory.mktemp("reports")
    with serve_app(_bomb_upstream()) as upstream:
        proxy = ProxyProcess(
            "--spec",
            str(spec_path),
            "--upstream",
            upstream,
            "--report-dir",
            str(reports),
            "--read-timeout",
            "1",
        )
        try:
            yield proxy.url
        finally:
            _, err = proxy.stop()
            assert "Traceback" not in err, err


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def _closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds`` (sending ``trickle`` a byte at a time)."""
    sock.settimeout(0.2)
    received, sent = b"", 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent : sent + 1])
            except OSError:
                return True, received
            sent += 1
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return True, received
        if not data:
            return True, received
        received += data
    return False, received


def test_a_client_sending_its_headers_byte_by_byte_is_cut_off(slow_proxy: str) -> None:
    headers = b"GET /v1/items/ok HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n"
    with _connect(slow_proxy) as sock:
        closed, _ = _closed_within(sock, 8, trickle=headers)
    assert closed


def test_an_idle_connection_is_closed(slow_proxy: str) -> None:
    with _connect(slow_proxy) as sock:
        closed, received = _closed_within(sock, 8)
    assert closed and received == b""


def test_a_client_sending_its_body_slowly_gets_408_and_is_cut_off(slow_proxy: str) -> None:
    head = (
        b"POST /v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n"
    )
    with _connect(slow_proxy) as sock:
        sock.sendall(head + b'{"name": ')
        closed, received = _closed_within(sock, 8, trickle=b" " * 100)
    assert closed and received.startswith(b"HTTP/1.1 408"), received


def test_a_normal_request_through_the_slow_proxy_still_answers(slow_proxy: str) -> None:
    assert requests.get(f"{slow_proxy}/v1/items/ok", headers=AUTH, timeout=10).json() == ITEM


# --- 7. one redaction for everything written ---------------------------------------------------------

SECRETS = ("sk-json-api-key", "hunter2-password", "sk-openai-variant", "sk-nested-credential", "sk-form-key")


def test_credentials_in_bodies_reach_no_line_report_or_recording(tmp_path: Path) -> None:
    body = {
        "name": "x",
        "kind": "z",  # not in the enum: a client finding, so the exchange is in the report
        "api_key": SECRETS[0],
        "password": SECRETS[1],
        "openai_api_key": SECRETS[2],
        "credentials": {"key": SECRETS[3]},
    }
    form = f"name=x&api_key={SECRETS[4]}&openai_api_key={SECRETS[2]}"
    records, reports = tmp_path / "records", tmp_path / "reports"
    with proxied(record_dir=records) as run:
        requests.post(f"{run.url}/v1/items", json=body, headers=AUTH, timeout=10)
        form_headers = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}
        requests.post(f"{run.url}/v1/items", data=form, headers=form_headers, timeout=10)
        listed = requests.get(f"{run.url}/__gatewright/violations", timeout=10).text
        run.proxy.write_reports(reports)
    written = {
        "lines": run.out.getvalue(),
        "violations": listed,
        **{path.name: path.read_text(encoding="utf-8") for path in reports.iterdir()},
        **{path.name: path.read_text(encoding="utf-8") for path in records.rglob("*.json")},
    }
    assert len(written) == 2 + 3 + 2
    report = json.loads(written["report.json"])
    shown = [f["exchange"]["request_body"] for u in report["units"] for f in u["findings"]]
    assert any('"openai_api_key": "[REDACTED]"' in text for text in shown), shown
    assert any("api_key=%5BREDACTED%5D" in text for text in shown), shown
    for name, text in written.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)


# --- 14. the judging queue is bounded ------------------------------------------------------------------


def test_exchanges_past_the_judging_queue_are_counted_as_not_judged(tmp_path: Path) -> None:
    item = {"name": "n" * 60_000}
    with proxied(queue_bytes=200_000) as run:
        gate = threading.Event()
        run.proxy._worker.submit(gate.wait, 60)  # the judge is busy: exchanges queue up behind it
        try:
            for _ in range(10):  # about 60 KB each: three fit in the queue
                answer = requests.post(f"{run.url}/v1/items", json=item, headers=AUTH, timeout=10)
                assert answer.status_code == 201  # forwarded all the same
            # An exchange is handed over once its answer's last bytes are written, a moment after the
            # client may have read them: the tenth is not judged only if it arrives while the gate holds.
            deadline = time.monotonic() + 10
            while run.proxy.log.unjudged < 7 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            gate.set()
        listed = requests.get(f"{run.url}/__gatewright/violations", timeout=10).json()
        run.proxy.write_reports(tmp_path)
    assert listed["not_judged"] == 7
    report = json.loads((tmp_path / "report.json").read_text())
    (unit,) = [u for u in report["units"] if u["unit_id"] == "createItem"]
    assert unit["calls"] == 3
    assert any("7 exchange(s) not judged" in note for note in unit["notes"]), unit["notes"]
    assert "not judged so far" in run.out.getvalue()
