"""A real ``redis-server`` (the Debian package) on a free loopback port, for the shared-store tests.

Nothing is faked: without ``redis-server`` on PATH the fixtures in tests/conftest.py skip with the
reason. The server keeps nothing on disk unless asked (``--save "" --appendonly no``); its files
(log, and a dump only for ``restart(keep_data=True)``) live in a temporary directory.

    server = RedisServer.start_new(tmp_dir)   # started, answering PING
    server.url                                 # redis://127.0.0.1:PORT/0
    server.restart()                           # stop and start on the same port: everything lost
    server.restart(keep_data=True)             # SHUTDOWN SAVE, then start from the dump
    with server.down(): ...                    # stopped inside the block, started again on leaving
    server.stop()
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

HOST = "127.0.0.1"
INSTALL_HINT = "redis-server not installed: apt-get install redis-server"
DUMP = "dump.rdb"


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _command(port: int, *words: str, timeout: float = 1.0) -> bytes:
    """One command in RESP to ``HOST:port``; the first line of the answer (``b"+PONG"``)."""
    payload = f"*{len(words)}\r\n".encode() + b"".join(
        f"${len(word.encode())}\r\n{word}\r\n".encode() for word in words
    )
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(payload)
        answer = b""
        while not answer.endswith(b"\r\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


class RedisServer:
    """One ``redis-server`` process on ``HOST:port``, started and stopped by the tests."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port if port is not None else free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start_new(cls, directory: Path, attempts: int = 3) -> RedisServer:
        """A started server on a free port (another port if the one chosen was taken meanwhile)."""
        for attempt in range(attempts):
            server = cls(directory)
            try:
                server.start()
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
                continue
            return server
        raise AssertionError("unreachable")

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.directory / f"redis-{self.port}.log"

    def start(self, timeout: float = 10.0) -> None:
        """Start on ``self.port`` (loading the dump a ``restart(keep_data=True)`` left) and wait for PING."""
        executable = redis_server_path()
        if executable is None:
            raise RuntimeError(INSTALL_HINT)
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            executable,
            "--port", str(self.port),
            "--bind", HOST,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.directory),
            "--dbfilename", DUMP,
            "--daemonize", "no",
            "--logfile", str(self.log),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.ping():
                return
            time.sleep(0.02)
        self.stop()
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise RuntimeError(f"redis-server on {HOST}:{self.port} did not answer PING:\n{log}")

    def ping(self) -> bool:
        try:
            return _command(self.port, "PING", timeout=0.5) == b"+PONG"
        except OSError:
            return False

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop the server: with ``keep_data`` after writing its dump (loaded by the next ``start``),
        else without, and any dump left from before removed so nothing comes back."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            with suppress(OSError):  # it closes the connection as it exits
                _command(self.port, "SHUTDOWN", "SAVE" if keep_data else "NOSAVE", timeout=5)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if not keep_data:
            (self.directory / DUMP).unlink(missing_ok=True)

    def restart(self, *, keep_data: bool = False) -> None:
        """Stop and start again on the same port: all data lost, or with ``keep_data`` reloaded."""
        self.stop(keep_data=keep_data)
        self.start()

    @contextmanager
    def down(self, *, keep_data: bool = False) -> Iterator[None]:
        """Redis away for the block (connections refused), back on the same port afterwards."""
        self.stop(keep_data=keep_data)
        try:
            yield
        finally:
            self.start()

    def flush(self) -> None:
        """Forget every key (between tests that share the server and not a ``--store-prefix``)."""
        assert _command(self.port, "FLUSHALL") == b"+OK"
