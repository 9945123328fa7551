"""What held when the mock and the proxy were probed as an attacker would (issue 21), and must keep holding.

Over real sockets on 127.0.0.1. Each item of the issue's "what held" list, and where it is guarded:

- no CORS grant (preflight 405): the mock in ``test_local_safety.py::test_a_preflight_is_never_granted``;
  the proxy here (``test_the_proxy_grants_no_preflight_either``).
- rule headers cannot turn a body into HTML: here (``test_a_rule_content_type_cannot_make_the_answer_html``);
  any spelling, JSON answers and streams (``mock.answer_headers.merged`` puts the body's own type last).
  Framing headers (``Content-Length``, ``Transfer-Encoding``, ...) in rules are refused in
  ``test_mock_rule_safety.py::test_a_rule_header_that_would_break_the_answer_is_refused``.
- CL+TE and other smuggling shapes -> 400 on both servers: here (``test_a_smuggling_shape_is_a_400_...``).
- 100 KB URLs and 20,000 headers -> 400: here (``test_an_oversized_request_head_is_refused_...``).
- 97,000 distinct requests left RSS flat: here, scaled down to 8,000
  (``test_distinct_requests_leave_the_mock_rss_flat``).
- 5,000 concurrent SSE streams, fds back to baseline after the clients vanished: here, scaled down to
  300 (``test_streams_whose_clients_vanish_give_their_fds_back``).
- a never-ending upstream stream stops when its client leaves: here
  (``test_a_never_ending_upstream_stream_stops_when_its_client_leaves``).
- ``x-test-id`` traversal stays inside the record folder: here
  (``test_x_test_id_cannot_leave_the_record_folder``).
- earlier fixes: nested JSON, lying gzip, log forging and unknown ids in ``test_mock_hardening.py``
  (``test_deeply_nested_json_*``, ``test_a_body_that_is_not_its_content_encoding_is_400_*``,
  ``test_clients_that_hang_up_leave_no_traceback_in_the_log``, ``test_unknown_ids_in_known_collections_*``);
  alias bombs in ``tests/unit/test_cli_normalize_hardening.py``; a port in use in
  ``test_mock_cli.py`` and ``proxy/test_proxy_cli.py`` ("Address already in use").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
import requests
from aiohttp import web

from gatewright.testing import MockControlError, add_rules, reset_mock, running_mock, serve_app

sys.path.insert(0, str(Path(__file__).parent / "proxy"))
from proxy_upstream import KEY, proxied  # the proxy tests' planted gateway

API = "empiriolabs"
MODEL = "deepseek-v4-pro"
MOCK_AUTH = "Bearer sk-test"
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


# --- helpers ------------------------------------------------------------------------------------------


def _address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _exchange(base_url: str, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` as it is and read until the server closes the connection (a timeout fails)."""
    received = b""
    with socket.create_connection(_address(base_url), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused before it was all sent
            sock.sendall(data)
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    return received


def _only_answer(received: bytes) -> int:
    """The status of the one answer in ``received``; fails if anything follows it (a second answer)."""
    head, separator, rest = received.partition(b"\r\n\r\n")
    assert separator, received[:300]
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (x.partition(":") for x in lines)}
    assert "content-length" in headers, head  # a closed, framed answer: nothing can hide after it
    assert rest[int(headers["content-length"]) :] == b"", f"a second answer followed: {received[:600]!r}"
    return int(status_line.split()[1])


def _post(path: str, auth: str, extra_head: bytes, body: bytes) -> bytes:
    return (
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
            "Content-Type: application/json\r\n"
        ).encode()
        + extra_head
        + b"\r\n"
        + body
    )


def _health(base_url: str) -> int:
    return requests.get(f"{base_url}/__gatewright/health", timeout=10).status_code


@contextlib.contextmanager
def _counting_upstream() -> Iterator[tuple[str, list[str]]]:
    """An upstream that answers anything with 200 and lists what reached it."""
    seen: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path_qs}")
        await request.read()
        return web.json_response({"id": "c1", "object": "chat.completion", "choices": []})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    with serve_app(app) as url:
        yield url, seen


@contextlib.contextmanager
def _server(kind: str) -> Iterator[tuple[str, str, list[str]]]:
    """(base URL, Authorization value, what reached the upstream) of a mock or a proxy."""
    if kind == "mock":
        with running_mock([API], seed=7) as url:
            yield url, MOCK_AUTH, []
    else:
        with _counting_upstream() as (upstream, seen), proxied(upstream=upstream) as run:
            yield run.url, f"Bearer {KEY}", seen


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _mock_process(*extra: str) -> Iterator[tuple[str, int]]:
    """``gatewright mock`` as users run it: (base URL, pid); its log must hold no traceback."""
    port = _free_port()
    command = [sys.executable, "-m", "gatewright", "mock", "--api", API, "--port", str(port), "--quiet"]
    command += extra
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the mock did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "Traceback" not in err, err


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _vanish(sock: socket.socket) -> None:
    """Close as a killed client does: a reset, no goodbye."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# --- no CORS grant ------------------------------------------------------------------------------------


def test_the_proxy_grants_no_preflight_either() -> None:
    with proxied() as run:
        port = _address(run.url)[1]
        for origin in (f"http://127.0.0.1:{port}", "http://evil.example"):
            for path in ("/__gatewright/health", "/__gatewright/violations", "/v1/items"):
                answer = requests.options(
                    run.url + path,
                    headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
                    timeout=10,
                )
                assert answer.status_code in (403, 404, 405), (origin, path, answer.status_code)
                granted = [name for name in answer.headers if name.lower().startswith("access-control-")]
                assert not granted, (origin, path, granted)


# --- rule headers cannot turn a body into HTML --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stream"),
    [
        ("Content-Type", False),
        ("content-type", False),
        ("CONTENT-TYPE", False),
        ("Content-Type", True),
        ("content-type", True),
    ],
)
def test_a_rule_content_type_cannot_make_the_answer_html(name: str, stream: bool) -> None:
    with running_mock([API], seed=7) as url:
        reset_mock(url)
        rule = {
            "when": {"operation": "createChatCompletion"},
            "then": {"text": "<script>alert(1)</script>", "headers": {name: "text/html; charset=utf-8"}},
        }
        try:
            add_rules(url, {"rules": [rule]})
        except MockControlError:
            return  # refused: nothing can be sent as HTML
        body = json.dumps(
            {"model": MODEL, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
        ).encode()
        extra = b"Connection: close\r\nContent-Length: %d\r\n" % len(body)
        received = _exchange(url, _post("/v1/chat/completions", MOCK_AUTH, extra, body))
    head, _, payload = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"<script>" in payload  # the rule did answer: its headers were applied
    types = [
        line.partition(":")[2].strip()
        for line in head.decode("latin-1").split("\r\n")[1:]
        if line.partition(":")[0].strip().lower() == "content-type"
    ]
    expected = "text/event-stream" if stream else "application/json"
    assert len(types) == 1 and types[0].startswith(expected), types


# --- request smuggling shapes -------------------------------------------------------------------------

# A chunked body that ends at once, then a second request: a server that reads the body by its chunks
# while something in front of it read the Content-Length would answer the hidden request too.
_HIDDEN = b"0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
SMUGGLING = {
    "cl-then-te": (b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(_HIDDEN), _HIDDEN),
    "te-then-cl": (b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", _HIDDEN),
    "two-content-lengths": (b"Content-Length: 2\r\nContent-Length: %d\r\n" % len(_HIDDEN), b"{}" + _HIDDEN),
    "te-chunked-identity": (b"Transfer-Encoding: chunked, identity\r\n", _HIDDEN),
    "two-te-headers": (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", _HIDDEN),
    "te-space-before-colon": (b"Transfer-Encoding : chunked\r\n", _HIDDEN),
    "te-xchunked": (b"Transfer-Encoding: xchunked\r\n", _HIDDEN),
    "content-length-plus": (b"Content-Length: +2\r\n", b"{}" + _HIDDEN),
    "content-length-list": (b"Content-Length: 2, 2\r\n", b"{}" + _HIDDEN),
}


@pytest.mark.parametrize("kind", ["mock", "proxy"])
@pytest.mark.parametrize("shape", list(SMUGGLING))
def test_a_smuggling_shape_is_a_400_and_nothing_else_is_answered_or_forwarded(kind: str, shape: str) -> None:
    extra, body = SMUGGLING[shape]
    with _server(kind) as (url, auth, upstream_saw):
        received = _exchange(url, _post("/v1/chat/completions", auth, extra, body))
        assert _only_answer(received) == 400, received[:300]
        assert upstream_saw == []  # the proxy forwarded neither request
        assert _health(url) == 200


# --- oversized request heads --------------------------------------------------------------------------

OVERSIZED = {
    "100-kb-url": b"GET /v1/models?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "20000-headers": b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    + b"".join(b"X-H%d: v\r\n" % n for n in range(20_000))
    + b"\r\n",
}


@pytest.mark.parametrize("kind", ["mock", "proxy"])
@pytest.mark.parametrize("shape", list(OVERSIZED))
def test_an_oversized_request_head_is_refused_and_the_server_answers_on(kind: str, shape: str) -> None:
    with _server(kind) as (url, _, upstream_saw):
        received = _exchange(url, OVERSIZED[shape])
        assert received.split(b" ", 2)[1] in (b"400", b"431"), received[:300]
        assert upstream_saw == []
        assert _health(url) == 200


# --- x-test-id stays inside the record folder ---------------------------------------------------------

TRAVERSALS = [
    "../../escape",
    "..",
    ".",
    "../",
    "a/../../../b",
    "..\\..\\win",
    "....//....//x",
    "%2e%2e%2fenc",
    "~",
    "/" + "x" * 300,
]


def test_x_test_id_cannot_leave_the_record_folder(tmp_path: Path) -> None:
    record = tmp_path / "deep" / "record"
    outside = tmp_path / "absolute-escape"
    with proxied(record_dir=record) as run:
        for test_id in [*TRAVERSALS, str(outside)]:
            headers = {"Authorization": f"Bearer {KEY}", "x-test-id": test_id}
            answer = requests.get(f"{run.url}/v1/items/ok", headers=headers, timeout=10)
            assert answer.status_code == 200, test_id
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(written) == len(TRAVERSALS) + 1  # every exchange was recorded...
    for path in written:  # ...as a fixture of a group folder directly inside the record folder
        assert path.parent.parent == record, path
        assert path.parent.name not in ("", ".", ".."), path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep"]
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["record"]
    assert not outside.exists()


# --- load: many distinct requests, many streams -------------------------------------------------------


async def _distinct_requests(base_url: str, start: int, count: int) -> dict[int, int]:
    """``count`` requests no two alike (paths, queries, prompts, test ids), 16 at a time: statuses."""
    statuses: dict[int, int] = {}
    numbers = iter(range(start, start + count))
    async with aiohttp.ClientSession(headers={"Authorization": MOCK_AUTH}) as session:

        async def worker() -> None:
            for n in numbers:
                if n % 3 == 0:
                    chat = {"model": MODEL, "messages": [{"role": "user", "content": f"prompt number {n}"}]}
                    answer = session.post(
                        f"{base_url}/v1/chat/completions?n={n}", json=chat, headers={"x-test-id": f"t-{n}"}
                    )
                elif n % 3 == 1:
                    answer = session.get(f"{base_url}/v1/models?page={n}", headers={"x-test-id": f"t-{n}"})
                else:
                    answer = session.get(f"{base_url}/v1/no/such/path/{n}")
                async with answer as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(16)))
    return statuses


@pytest.mark.slow  # thousands of requests to a mock process
@LINUX
def test_distinct_requests_leave_the_mock_rss_flat() -> None:
    """Issue 21 saw 97,000; 8,000 after a warm-up show a per-request leak of ~700 bytes or more."""
    measured = 8_000
    with _mock_process("--journal-bytes", str(256 * 1024)) as (url, pid):  # the journal's own bound
        warm = asyncio.run(_distinct_requests(url, 0, 2_000))
        assert set(warm) == {200, 404}, warm
        before = _rss_bytes(pid)
        statuses = asyncio.run(_distinct_requests(url, 2_000, measured))
        grown = _rss_bytes(pid) - before
        assert set(statuses) == {200, 404} and sum(statuses.values()) == measured, statuses
        assert _health(url) == 200
    assert grown < 5 << 20, f"RSS grew by {grown / (1 << 20):.1f} MiB over {measured} distinct requests"


_SLOW_STREAM_RULES = (
    "rules:\n  - name: slow-stream\n    when: {operation: createChatCompletion, body: {/stream: true}}\n"
    "    then: {text: '" + " ".join(f"word{n}" for n in range(200)) + "', tokens_per_second: 5}\n"
)


@pytest.mark.slow  # streams through a proxy process
@LINUX
def test_streams_whose_clients_vanish_give_their_fds_back(tmp_path: Path) -> None:
    """Issue 21 saw 5,000; 300 concurrent slow streams, their clients reset mid-stream."""
    streams = 300
    rules = tmp_path / "slow-stream.yaml"
    rules.write_text(_SLOW_STREAM_RULES, encoding="utf-8")
    body = json.dumps({"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    request = _post("/v1/chat/completions", MOCK_AUTH, b"Content-Length: %d\r\n" % len(body), body.encode())
    with _mock_process("--rules", str(rules)) as (url, pid):
        assert _health(url) == 200
        baseline = _open_fds(pid)
        clients: list[socket.socket] = []
        try:
            for _ in range(streams):
                sock = socket.create_connection(_address(url), timeout=10)
                clients.append(sock)
                sock.sendall(request)
            for sock in clients:  # every stream is served: its head and its first event arrive
                first = b""
                while b"data:" not in first:
                    chunk = sock.recv(65536)
                    assert chunk, first
                    first += chunk
                assert first.startswith(b"HTTP/1.1 200"), first[:200]
            during = _open_fds(pid)
        finally:
            for sock in clients:
                _vanish(sock)
        assert during >= baseline + streams * 0.9, (baseline, during)
        deadline = time.monotonic() + 10
        while (after := _open_fds(pid)) > baseline + 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert after <= baseline + 5, f"{after} fds open, {baseline} before {streams} streams"
        assert _health(url) == 200


# --- a never-ending upstream stream stops when its client leaves --------------------------------------


@pytest.mark.slow  # streams through a proxy process
def test_a_never_ending_upstream_stream_stops_when_its_client_leaves() -> None:
    ended = threading.Event()
    written: list[int] = [0]

    async def endless(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        try:
            while True:  # never ends on its own
                choice = {"index": 0, "delta": {"content": "x"}, "finish_reason": None}
                chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
                await response.write(f"data: {json.dumps({**chunk, 'choices': [choice]})}\n\n".encode())
                written[0] += 1
                await asyncio.sleep(0.05)
        finally:
            ended.set()

    app = web.Application()
    app.router.add_post("/v1/chat/completions", endless)
    body = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    length = b"Content-Length: %d\r\n" % len(body)
    request = _post("/v1/chat/completions", f"Bearer {KEY}", length, body.encode())
    with serve_app(app) as upstream, proxied(upstream=upstream) as run:
        sock = socket.create_connection(_address(run.url), timeout=10)
        try:
            sock.sendall(request)
            received = b""
            while received.count(b"data: ") < 5:  # the stream flows through the proxy
                chunk = sock.recv(65536)
                assert chunk, received
                received += chunk
            assert received.startswith(b"HTTP/1.1 200"), received[:200]
            assert not ended.is_set()
        finally:
            _vanish(sock)
        assert ended.wait(5), f"the upstream kept streaming after its client left ({written[0]} events)"
        stopped_at = written[0]
        time.sleep(0.3)
        assert written[0] == stopped_at
        assert _health(run.url) == 200
