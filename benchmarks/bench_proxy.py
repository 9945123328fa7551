"""Latency the proxy adds per request: the mock called directly and through ``gatewright proxy``,
interleaved in one run.

Both servers run as subprocesses on 127.0.0.1 (``gatewright mock --api voxvey --quiet`` and
``gatewright proxy --api voxvey --upstream <mock>``); this process sends one request at a time
over a keep-alive connection to each, alternating which goes first, so drift (CPU frequency,
the mock's growing state) hits both sides alike. Each request is timed to its last byte. The
proxy judges every exchange (on its worker thread) while the next one is sent, so that cost
shows up here as far as it competes with forwarding. Prints p50/p99 per request kind for both
paths and the difference.

    python benchmarks/bench_proxy.py [--requests 400] [--warmup 40]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import requests

HOST = "127.0.0.1"
KEY = "sk-bench-0123456789"
CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
KINDS: dict[str, Callable[[requests.Session, str], int]] = {
    "GET /v1/models": lambda s, url: len(s.get(f"{url}/v1/models").content),
    "POST /v1/chat/completions": lambda s, url: len(s.post(f"{url}/v1/chat/completions", json=CHAT).content),
    "POST /v1/chat/completions (stream)": lambda s, url: len(
        s.post(f"{url}/v1/chat/completions", json={**CHAT, "stream": True}).content
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/__gatewright/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def start(*args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gatewright", *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def session() -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {KEY}"
    return s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--requests", type=int, default=400, help="timed requests per kind and path")
    parser.add_argument("--warmup", type=int, default=40)
    args = parser.parse_args()
    mock_port, proxy_port = free_port(), free_port()
    mock_url, proxy_url = f"http://{HOST}:{mock_port}", f"http://{HOST}:{proxy_port}"
    reports = Path(os.environ.get("TMPDIR", "/tmp")) / f"gatewright-bench-proxy-{os.getpid()}"
    mock = start("mock", "--api", "voxvey", "--port", str(mock_port), "--quiet", "--seed", "1")
    proxy = start(
        "proxy",
        "--api",
        "voxvey",
        "--upstream",
        mock_url,
        "--port",
        str(proxy_port),
        "--report-dir",
        str(reports),
    )
    try:
        wait_ready(mock_url)
        wait_ready(proxy_url)
        direct, proxied = session(), session()
        print(
            f"gatewright proxy latency: {args.requests} requests per kind and path, interleaved, keep-alive"
        )
        columns = ("direct p50", "p99", "proxied p50", "p99", "added p50", "p99")
        widths = (11, 8, 12, 8, 10, 8)
        print(f"{'request':38} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
        for kind, call in KINDS.items():
            for _ in range(args.warmup):
                call(direct, mock_url)
                call(proxied, proxy_url)
            times: dict[str, list[float]] = {"direct": [], "proxied": []}
            for i in range(args.requests):
                order = [("direct", direct, mock_url), ("proxied", proxied, proxy_url)]
                for name, s, url in order if i % 2 == 0 else order[::-1]:
                    started = time.perf_counter()
                    call(s, url)
                    times[name].append((time.perf_counter() - started) * 1000)
            d50, d99 = percentile(times["direct"], 0.5), percentile(times["direct"], 0.99)
            p50, p99 = percentile(times["proxied"], 0.5), percentile(times["proxied"], 0.99)
            print(
                f"{kind:38} {d50:9.2f}ms {d99:6.2f}ms {p50:10.2f}ms {p99:6.2f}ms "
                f"{p50 - d50:+8.2f}ms {p99 - d99:+6.2f}ms"
            )
        violations = json.loads(
            urllib.request.urlopen(f"{proxy_url}/__gatewright/violations", timeout=30).read()
        )["violations"]
        print(f"violations found by the proxy during the run: {len(violations)}")
    finally:
        for process in (proxy, mock):
            process.send_signal(signal.SIGTERM)
        for process in (proxy, mock):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
