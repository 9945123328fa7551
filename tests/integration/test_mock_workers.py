"""``gatewright mock --workers N --store redis://…``: N processes answering on one port, against a real Redis.

Which process holds a socket is read from /proc (``/proc/net/tcp`` inodes, ``/proc/PID/fd``), not
asked of the mock.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,  # `gatewright mock --workers` processes
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads sockets from Linux /proc"),
]

START_TIMEOUT = 60
READY = re.compile(r"gatewright mock on http://127\.0\.0\.1:(\d+) \(empiriolabs at /\)  \((\d+) workers\)")
AUTH = {"Authorization": "Bearer sk-test", "Content-Type": "application/json"}
LISTEN, ESTABLISHED = "0A", "01"


class Mock:
    """A ``gatewright mock`` subprocess whose stderr lines are read as they come."""

    def __init__(self, *arguments: str) -> None:
        command = [sys.executable, "-m", "gatewright", "mock", "--api", "empiriolabs", *arguments]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no line matching {pattern!r}; the mock said:\n" + "\n".join(self.seen))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(10)
        assert self.process.stderr is not None
        self.process.stderr.close()


@contextmanager
def workers(redis_url: str, count: int = 2) -> Iterator[tuple[Mock, int]]:
    """A mock with ``count`` workers on a port of its choosing (``--port 0``), and that port (not
    ``--quiet``: the line saying where it listens is on the request log's logger)."""
    mock = Mock(
        "--port", "0", "--workers", str(count),
        "--store", redis_url, "--store-prefix", f"t-{uuid.uuid4().hex[:12]}",
    )  # fmt: skip
    try:
        ready = mock.wait_for(READY)
        assert int(ready.group(2)) == count
        yield mock, int(ready.group(1))
    finally:
        mock.stop()


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets on local ``port`` in ``state`` (IPv4 and IPv6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def _holders(inodes: set[str]) -> dict[int, int]:
    """pid -> how many of ``inodes`` its file descriptors hold."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:  # gone meanwhile, or not ours
            continue
        if held := sum(link in wanted for link in links):
            found[int(entry.name)] = held
    return found


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=AUTH)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_two_workers_listen_on_one_port_and_share_the_connections(redis_url: str) -> None:
    with workers(redis_url) as (mock, port):
        listeners = _holders(_sockets(port, LISTEN))
        assert len(listeners) == 2, listeners  # two listening sockets (SO_REUSEPORT), one per process
        assert set(listeners) == _children(mock.process.pid) - _resource_tracker(mock.process.pid)
        assert mock.process.pid not in listeners  # the parent serves nothing

        # Connections held open at once are spread over both (the kernel hashes each one's ports).
        with ExitStack() as stack:
            connections = []
            for _ in range(24):
                connection = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
                connection.sendall(b"GET /__gatewright/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                connections.append(connection)
            for connection in connections:
                assert connection.recv(64).startswith(b"HTTP/1.1 200"), "every worker answers"
            served = _holders(_sockets(port, ESTABLISHED)).keys() & listeners.keys()
            assert served == listeners.keys(), (served, listeners)

        # What one worker stores, the other serves (state in Redis): a task created, then polled over
        # fresh connections (each a new source port, so the kernel picks a worker each time).
        create = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = json.dumps({"model": "seedance-2-0-pro", "prompt": "a lighthouse at dusk"})
        create.request("POST", "/v1/videos/generations", body=body, headers=AUTH)
        created = create.getresponse()
        assert created.status == 202, created.read()
        job = json.loads(created.read())["job_id"]
        create.close()
        for _ in range(12):
            status, answer = _get(port, f"/v1/jobs/{job}")
            assert status == 200, answer
            assert json.loads(answer)["job_id"] == job


def _resource_tracker(pid: int) -> set[int]:
    """multiprocessing's resource tracker, the parent's one child that is not a worker."""
    return {
        child
        for child in _children(pid)
        if b"resource_tracker" in Path(f"/proc/{child}/cmdline").read_bytes()
    }


def test_sigterm_stops_the_parent_and_every_worker(redis_url: str) -> None:
    with workers(redis_url) as (mock, port):
        pids = set(_holders(_sockets(port, LISTEN)))
        mock.process.send_signal(signal.SIGTERM)
        assert mock.process.wait(20) == 0
        _until(lambda: not any(_alive(pid) for pid in pids))
        assert not _sockets(port, LISTEN)
        assert "Traceback" not in "\n".join(mock.seen)


def test_a_worker_that_dies_is_logged_and_the_other_keeps_serving(redis_url: str) -> None:
    with workers(redis_url) as (mock, port):
        first, second = sorted(_holders(_sockets(port, LISTEN)))
        os.kill(first, signal.SIGKILL)
        mock.wait_for(rf"worker \d \(pid {first}\) exited \(killed by SIGKILL\); 1 of 2 still serving")
        assert mock.process.poll() is None
        assert set(_holders(_sockets(port, LISTEN))) == {second}
        for _ in range(5):
            assert _get(port, "/__gatewright/health")[0] == 200


def test_workers_stop_when_the_parent_is_killed(redis_url: str) -> None:
    with workers(redis_url) as (mock, port):
        pids = set(_holders(_sockets(port, LISTEN)))
        mock.process.kill()
        mock.process.wait()
        _until(lambda: not any(_alive(pid) for pid in pids))
        assert not _sockets(port, LISTEN)


def test_an_unreachable_store_is_one_line() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        nothing = sock.getsockname()[1]
    url = f"redis://127.0.0.1:{nothing}/0"
    command = [sys.executable, "-m", "gatewright", "mock", "--port", "0", "--workers", "2", "--store", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"gatewright mock: error: Redis at {url} does not answer"), lines
