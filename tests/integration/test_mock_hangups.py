"""What the journal records of slow answers and the clients that leave them.

A client that hangs up is recorded as 499, whenever it leaves.

Mid-request (the body never completes) was always 499. Mid-stream and while a rule delays the
answer, the mock noticed (it stopped writing) but recorded 200: the journal and the request log
said the client got its answer. A stream a ``cut_after`` fault drops is the mock's doing and stays
recorded as answered; a client that reads its stream to the end with ``Connection: close`` is no
hang-up either. And the journal lists requests in the order they came, though it keeps each as its
answer ends. A real mock on a socket; raw sockets as clients, reset (RST) mid-answer.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gatewright.mock import create_app
from gatewright.mock.keys import EXTENSIONS
from gatewright.testing import running_mock, serve_app

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_mock(["empiriolabs"], seed=1) as served:
        yield served


def _rules(url: str, *rules: dict[str, Any]) -> None:
    requests.post(f"{url}/__gatewright/reset", timeout=10).raise_for_status()
    requests.post(f"{url}/__gatewright/rules", json={"rules": list(rules)}, timeout=10).raise_for_status()


def _send(
    url: str, test_id: str, body: dict[str, Any], *, close: bool = False, partial: bool = False
) -> socket.socket:
    """A request on a raw socket (``partial``: all but the last bytes of its body)."""
    host, port = url.removeprefix("http://").split(":")
    raw = json.dumps(body).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-test\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\nx-test-id: {test_id}\r\n"
        + ("Connection: close\r\n" if close else "")
        + "\r\n"
    )
    sock = socket.create_connection((host, int(port)))
    sock.sendall(head.encode() + (raw[:-5] if partial else raw))
    return sock


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
    sock.close()


def _recorded(url: str, test_id: str, within: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        found = requests.get(
            f"{url}/__gatewright/requests", params={"header": f"x-test-id:{test_id}"}, timeout=10
        ).json()["requests"]
        if found or time.monotonic() > deadline:
            assert len(found) == 1, found
            return dict(found[0])
        time.sleep(0.05)


def test_a_client_leaving_mid_stream_is_recorded_as_499(url: str) -> None:
    _rules(url, {"when": {"headers": {"x-test-id": "mid-stream"}}, "then": {"tokens_per_second": 5}})
    sock = _send(url, "mid-stream", {**BODY, "stream": True})
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    _reset(sock)
    assert _recorded(url, "mid-stream")["status"] == 499


def test_a_client_leaving_while_a_rule_delays_its_answer_is_recorded_as_499(url: str) -> None:
    _rules(url, {"when": {"headers": {"x-test-id": "delayed"}}, "then": {"delay_ms": 400}})
    sock = _send(url, "delayed", BODY)
    time.sleep(0.1)
    _reset(sock)
    assert _recorded(url, "delayed")["status"] == 499


def test_a_stream_a_fault_cuts_and_one_read_to_its_end_are_answered(url: str) -> None:
    _rules(url, {"when": {"headers": {"x-test-id": "cut"}}, "then": {"cut_after": 2}})
    sock = _send(url, "cut", {**BODY, "stream": True})
    received = b""
    while chunk := sock.recv(65536):  # until the mock drops the connection
        received += chunk
    sock.close()
    assert received.startswith(b"HTTP/1.1 200")
    assert _recorded(url, "cut")["status"] == 200
    sock = _send(url, "whole", {**BODY, "stream": True}, close=True)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    assert b"[DONE]" in received
    assert _recorded(url, "whole")["status"] == 200


def test_the_journal_lists_a_slow_request_before_the_faster_ones_that_came_after_it(url: str) -> None:
    _rules(url, {"when": {"headers": {"x-test-id": "slow"}}, "then": {"delay_ms": 300}})
    sock = _send(url, "slow", BODY)
    time.sleep(0.05)  # the slow one is in, waiting on its rule
    fast = requests.post(
        f"{url}/v1/chat/completions", json=BODY, headers={"Authorization": "Bearer sk-test"}, timeout=10
    )
    assert fast.status_code == 200
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")  # the slow answer ends after the fast one
    sock.close()
    entries = requests.get(f"{url}/__gatewright/requests", timeout=10).json()["requests"]
    slow = [index for index, entry in enumerate(entries) if entry["headers"].get("x-test-id") == "slow"]
    assert len(entries) == 2 and slow == [0], entries
    assert entries[0]["time"] <= entries[1]["time"]


def test_a_request_still_running_at_a_reset_stays_out_of_the_next_journal(url: str) -> None:
    """A slow request of one test must not show up in the journal of the next (fixtures reset between)."""
    _rules(url, {"when": {"headers": {"x-test-id": "old-test"}}, "then": {"delay_ms": 300}})
    sock = _send(url, "old-test", BODY)
    time.sleep(0.1)  # in, waiting on its rule
    requests.post(f"{url}/__gatewright/reset", timeout=10).raise_for_status()
    fresh = requests.post(
        f"{url}/v1/chat/completions",
        json=BODY,
        headers={"Authorization": "Bearer sk-test", "x-test-id": "new-test"},
        timeout=10,
    )
    assert fresh.status_code == 200
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")  # the old one answered, after the reset
    sock.close()
    entries = requests.get(f"{url}/__gatewright/requests", timeout=10).json()["requests"]
    assert [entry["headers"].get("x-test-id") for entry in entries] == ["new-test"]


def test_a_body_too_slow_is_recorded_as_the_408_it_got_not_as_a_hang_up() -> None:
    """The mock closes that connection itself, after its 408: no client left."""
    app = create_app(apis=["empiriolabs"], seed=1, access_log=False, read_timeout=0.3)
    with serve_app(app) as served:
        sock = _send(served, "slow-body", BODY, partial=True)
        received = b""
        while chunk := sock.recv(65536):  # until the mock closes it
            received += chunk
        sock.close()
        assert received.startswith(b"HTTP/1.1 408")
        assert _recorded(served, "slow-body")["status"] == 408


def test_a_client_closing_at_the_terminal_event_got_its_whole_stream() -> None:
    """As the sync SDK does: it stops reading at ``[DONE]`` and closes, before the closing chunk.
    That is the whole answer, no hang-up. Events paced 0.2 s apart, so the client is gone before the
    mock ends the stream (which raced, and recorded 499, when it was not)."""
    app = create_app(apis=["empiriolabs"], seed=1, access_log=False)
    (streams,) = [extension for extension in app[EXTENSIONS] if extension.name == "streams"]
    streams.delay = 0.2
    with serve_app(app) as served:
        sock = _send(served, "to-done", {**BODY, "stream": True, "max_tokens": 2})
        received = b""
        while b"[DONE]" not in received:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
        sock.close()
        assert _recorded(served, "to-done")["status"] == 200
