"""The mock on the in-memory store against the Redis store with 1 and 2 workers, in one run.

Three mocks run as subprocesses on 127.0.0.1 (``empiriolabs`` at the root, ``--quiet``), beside a
``redis-server`` (Debian package) this script starts on a free loopback port and stops, like the
tests' (tests/redis_server.py):

- ``memory, 1 process``: the default store;
- ``redis, 1 worker``: ``--store redis://…``;
- ``redis, 2 workers``: ``--store redis://… --workers 2`` (two processes on one port).

``wrk`` (Debian package) loads each in turn, round after round (figures are medians over the
rounds), with two scripts:

- ``chat, new prompt``: ``POST /v1/chat/completions`` with a new prompt on every request
  (bench_mock's ``POST*``: the mock composes every answer);
- ``task create+poll``: ``POST /v1/videos/generations`` (a job), then ``GET /v1/jobs/{id}`` of a job
  it created, about one poll per create.

For each: requests/s, p99 latency, the mock's CPU per request (user + system of the parent and
its workers, from ``/proc``; the steadier figure on a shared machine) and Redis's CPU per request.

Then SSE streams held: ``--streams N`` chat streams at once (a rule paces them at 20 tokens/s for
about ``--stream-seconds``), opened by asyncio/aiohttp clients in subprocesses (500 streams each).
Once every stream has its first event the mock's RSS (parent and workers) is read against its RSS
before, giving MB per 1,000 streams, with the tokens/s each stream actually got and the CPU spent
meanwhile.

    python benchmarks/bench_replicas.py [--duration 5] [--rounds 3] [--connections 32]
                                        [--streams 200] [--stream-seconds 20]
    python benchmarks/bench_replicas.py --streams 2000     # the issue's figure (ulimit -n >= 5000)

It needs a gatewright with the shared store (``mock --store redis://…``); one that refuses it
stops the run, saying so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from bench_mock import FRESH_PROMPTS, HOST, cpu_seconds, free_port, rss_mb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from redis_server import RedisServer  # the tests' own redis-server starter

API = "empiriolabs"
AUTH = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}
CHAT = "/v1/chat/completions"
CREATE = "/v1/videos/generations"
POLL = "/v1/jobs/"
TOKENS_PER_SECOND = 20
STREAM_HEADER = "bench-stream"  # x-test-id of the paced streams; nothing else matches the rule
STREAMS_PER_CLIENT = 500

# A job created, its id kept; the next request polls one kept id, else creates (about 1:1).
CREATE_AND_POLL = """\
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
local prefix, n, ids, shown = "", 0, {}, 0
function init(args) prefix = tostring({}):gsub("table: ", "") end
function request()
  local id = table.remove(ids)
  if id then return wrk.format("GET", "/v1/jobs/" .. id, nil, nil) end
  n = n + 1
  return wrk.format("POST", "/v1/videos/generations", nil,
    '{"model": "seedance-2-0-pro", "prompt": "a lighthouse ' .. prefix .. ' ' .. n .. '"}')
end
function response(status, headers, body)
  if status == 202 then
    local id = body:match('"job_id"%s*:%s*"([^"]+)"')
    if id then table.insert(ids, id) end
  elseif status >= 400 and shown < 3 then
    shown = shown + 1
    print("failed " .. status .. ": " .. body:sub(1, 300))
  end
end
"""  # the paths are CREATE and POLL's


class Mock:
    """One ``gatewright mock`` (a parent and its workers, with ``--workers``)."""

    def __init__(self, name: str, arguments: list[str], rules: Path, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log = log_dir / f"mock-{self.port}.log"
        command = [
            sys.executable, "-m", "gatewright", "mock", "--api", API, "--host", HOST,
            "--port", str(self.port), "--seed", "1", "--quiet", "--rules", str(rules), *arguments,
        ]  # fmt: skip
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def pids(self) -> list[int]:
        """The parent and every process under it (the workers, multiprocessing's resource tracker)."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with suppress(OSError):
                    todo.extend(int(child) for child in (task / "children").read_text().split())
        return found

    def cpu(self) -> float:
        return sum(_cpu(pid) for pid in self.pids())

    def rss(self) -> float:
        return sum(_rss(pid) for pid in self.pids())

    def wait_ready(self, timeout: float = 60.0) -> None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                self.refused()
            try:
                urllib.request.urlopen(f"{self.url}/__gatewright/health", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.refused()

    def refused(self) -> None:
        said = self.log.read_text(errors="replace").strip()
        hint = ""
        if "unrecognized arguments: --store" in said or "unexpected keyword argument 'store'" in said:
            hint = " (this gatewright has no shared store: `mock --store redis://…` is refused)"
        sys.exit(f"bench_replicas: the mock '{self.name}' did not start{hint}; it said:\n{said[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:  # gone meanwhile
        return 0.0


def _rss(pid: int) -> float:
    try:
        return rss_mb(pid)
    except OSError:
        return 0.0


def _call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=AUTH, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def check(mock: Mock) -> None:
    """Each scenario answers as it should, or the figures would compare errors."""
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
    status, body = _call("POST", mock.url + CHAT, chat)
    if status != 200:
        sys.exit(f"bench_replicas: '{mock.name}': chat answered {status}: {body}")
    status, body = _call("POST", mock.url + CREATE, {"model": "seedance-2-0-pro", "prompt": "a cat"})
    if status != 202:
        sys.exit(f"bench_replicas: '{mock.name}': create answered {status}: {body}")
    status, polled = _call("GET", mock.url + POLL + body["job_id"])
    if status != 200:
        sys.exit(f"bench_replicas: '{mock.name}': poll answered {status}: {polled}")


def run_wrk(
    url: str, script: str, *, duration: int, connections: int, mock_cpu: Callable[[], float], redis_pid: int
) -> tuple[float, float, float, float, int]:
    """Requests/s, p99 (ms), the mock's and Redis's CPU microseconds per request, and failed requests
    (answered non-2xx/3xx, or wrk's socket errors: a timeout is an answer slower than 2 s)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script, url]
    mock_before, redis_before = mock_cpu(), _cpu(redis_pid)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    mock_spent, redis_spent = mock_cpu() - mock_before, _cpu(redis_pid) - redis_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = max(int(re.search(r"(\d+) requests in", output).group(1)), 1)  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    assert p99 is not None, output
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    failed = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    if failed:  # which, so a wrong answer is not taken for a slow one
        print(f"  {url}: {failed} answers not 2xx/3xx", file=sys.stderr)
        for line in output.splitlines():
            if line.startswith("failed "):  # the task script prints a few
                print(f"    {line}", file=sys.stderr)
    if errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        failed += sum(int(n) for n in errors.groups())
        print(f"  {url}: wrk {errors.group(0)}", file=sys.stderr)
    return rps, float(p99.group(1)) * scale, mock_spent / requests * 1e6, redis_spent / requests * 1e6, failed


# ---------------------------------------------------------------------------------------- streams


async def _hold(url: str, count: int, seconds: float) -> None:
    """Open ``count`` paced streams; print ``{"open": count}`` once each has its first event, then
    ``{"rates": [...], "failed": n}`` (tokens/s each stream got) when they have ended."""
    import aiohttp

    opened = 0
    failures: list[str] = []

    async def one(session: aiohttp.ClientSession, number: int) -> float | None:
        nonlocal opened
        body = {
            "model": "gpt-4o-mini",
            "stream": True,
            "messages": [{"role": "user", "content": f"stream {os.getpid()} {number}"}],
        }
        headers = {**AUTH, "x-test-id": STREAM_HEADER}
        try:
            async with session.post(url + CHAT, json=body, headers=headers) as response:
                if response.status != 200:
                    failures.append(f"{response.status}: {(await response.text())[:200]}")
                    return None
                first = last = 0.0
                events = 0
                async for chunk in response.content.iter_any():
                    events += chunk.count(b"data: ")
                    last = time.monotonic()
                    if not first:
                        first = last
                        opened += 1
                        if opened == count:
                            print(json.dumps({"open": count}), flush=True)
                return (events - 1) / (last - first) if events > 1 and last > first else None
        except (aiohttp.ClientError, TimeoutError) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            return None

    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=seconds * 4 + 60, sock_read=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        rates = await asyncio.gather(*(one(session, number) for number in range(count)))
    if opened < count:
        print(json.dumps({"open": opened}), flush=True)
    print(
        json.dumps(
            {"rates": [rate for rate in rates if rate], "failed": failures[:5], "failures": len(failures)}
        )
    )


def hold_streams(mock: Mock, count: int, seconds: float, redis_pid: int) -> dict[str, Any]:
    """Hold ``count`` streams on ``mock``: RSS before and while held, tokens/s each got, CPU meanwhile."""
    time.sleep(1)
    rss_before = mock.rss()
    clients = []
    for start in range(0, count, STREAMS_PER_CLIENT):
        share = min(STREAMS_PER_CLIENT, count - start)
        command = [sys.executable, __file__, "--hold", mock.url, str(share), str(seconds)]
        clients.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    opened_at = time.monotonic()
    opened = 0
    for client in clients:  # each prints {"open": n} once its streams all have their first event
        assert client.stdout is not None
        opened += json.loads(client.stdout.readline() or '{"open": 0}')["open"]
    took = time.monotonic() - opened_at
    time.sleep(1)
    rss_held = mock.rss()
    window = min(5.0, seconds / 3)
    mock_cpu, redis_cpu = mock.cpu(), _cpu(redis_pid)
    time.sleep(window)
    mock_cpu, redis_cpu = mock.cpu() - mock_cpu, _cpu(redis_pid) - redis_cpu
    rates: list[float] = []
    failures, said = 0, []
    for client in clients:
        out, _ = client.communicate(timeout=seconds * 4 + 120)
        result = json.loads(out.strip().splitlines()[-1])
        rates += result["rates"]
        failures += result["failures"]
        said += result["failed"]
    return {
        "opened": opened,
        "open_seconds": took,
        "rss_before": rss_before,
        "rss_held": rss_held,
        "rates": sorted(rates),
        "failures": failures,
        "said": said[:3],
        "mock_cpu": mock_cpu / window * 100,
        "redis_cpu": redis_cpu / window * 100,
    }


# ------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="the setups take turns this many times")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--streams", type=int, default=200, help="SSE streams held at once (0: none)")
    parser.add_argument(
        "--stream-seconds",
        type=float,
        default=20.0,
        help=f"how long each stream lasts at {TOKENS_PER_SECOND} tokens/s",
    )
    parser.add_argument("--hold", nargs=3, metavar=("URL", "N", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        asyncio.run(_hold(args.hold[0], int(args.hold[1]), float(args.hold[2])))
        return 0
    missing = [tool for tool in ("wrk", "redis-server") if shutil.which(tool) is None]
    if missing:
        print(f"not found: {', '.join(missing)}: apt-get install -y {' '.join(missing)}", file=sys.stderr)
        return 2
    # Each held stream is a socket in a client and in the mock (twice over with 500 per client).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * args.streams + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
        if hard < wanted:
            print(f"ulimit -n is {hard}: {args.streams} streams may not all open", file=sys.stderr)

    work = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    words = max(1, round(args.stream_seconds * TOKENS_PER_SECOND))
    rules = work / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "name": "paced-stream",
                        "when": {
                            "operation": "createChatCompletion",
                            "body": {"/stream": True},
                            "headers": {"x-test-id": STREAM_HEADER},
                        },
                        "then": {"text": " ".join(["token"] * words), "tokens_per_second": TOKENS_PER_SECOND},
                    }
                ]
            }
        )
    )
    redis = RedisServer.start_new(work / "redis")
    assert redis.process is not None
    redis_pid = redis.process.pid
    setups = {
        "memory, 1 process": [],
        "redis, 1 worker": ["--store", redis.url, "--store-prefix", "bench-1"],
        "redis, 2 workers": ["--store", redis.url, "--store-prefix", "bench-2", "--workers", "2"],
    }
    mocks = {name: Mock(name, arguments, rules, work) for name, arguments in setups.items()}
    scripts = {"chat, new prompt": work / "fresh.lua", "task create+poll": work / "tasks.lua"}
    scripts["chat, new prompt"].write_text(FRESH_PROMPTS)
    scripts["task create+poll"].write_text(CREATE_AND_POLL)
    rounds: list[dict[tuple[str, str], tuple[float, float, float, float, int]]] = []
    streams: dict[str, dict[str, Any]] = {}
    try:
        for mock in mocks.values():
            mock.wait_ready()
            check(mock)
        for _ in range(args.rounds):
            measured = {}
            for scenario, script in scripts.items():
                for name, mock in mocks.items():
                    url = mock.url + (CHAT if scenario.startswith("chat") else "/")
                    measured[(scenario, name)] = run_wrk(
                        url,
                        str(script),
                        duration=args.duration,
                        connections=args.connections,
                        mock_cpu=mock.cpu,
                        redis_pid=redis_pid,
                    )
            rounds.append(measured)
        if args.streams > 0:
            for name, mock in mocks.items():
                streams[name] = hold_streams(mock, args.streams, args.stream_seconds, redis_pid)
    finally:
        for mock in mocks.values():
            mock.stop()
        redis.stop()

    version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s x {args.rounds} rounds on {HOST}, API {API} at /;"
        f" {' '.join(version[:3])}; {os.cpu_count()} CPUs"
    )
    print(
        f"{'scenario':<20}{'setup':<20}{'req/s':>9}{'vs memory':>11}{'p99':>10}"
        f"{'mock CPU/req':>14}{'redis CPU/req':>15}{'failed':>8}"
    )
    for scenario in scripts:
        base = [r[(scenario, "memory, 1 process")][0] for r in rounds]
        for name in mocks:
            figures = [r[(scenario, name)] for r in rounds]
            rps, p99, mock_us, redis_us = (statistics.median(f[i] for f in figures) for i in range(4))
            ratio = statistics.median(f[0] / b for f, b in zip(figures, base, strict=True))
            failed = sum(f[4] for f in figures)
            print(
                f"{scenario:<20}{name:<20}{rps:>9.0f}{ratio:>10.2f}x{p99:>8.1f}ms"
                f"{mock_us:>12.0f}us{redis_us:>13.0f}us{failed:>8}"
            )
    print("CPU per request: user + system of the mock's processes (parent and workers), and of redis-server")
    if streams:
        print()
        print(
            f"SSE streams held: {args.streams} at once, {TOKENS_PER_SECOND} tokens/s for about"
            f" {args.stream_seconds:.0f} s each"
            f" ({math.ceil(args.streams / STREAMS_PER_CLIENT)} client processes)"
        )
        print(
            f"{'setup':<20}{'opened':>8}{'in':>7}{'tokens/s (p5, median)':>24}{'RSS idle':>10}{'held':>9}"
            f"{'per 1,000':>11}{'mock CPU':>10}{'redis CPU':>11}{'failed':>8}"
        )
        for name, held in streams.items():
            rates = held["rates"] or [float("nan")]
            p5 = rates[int(0.05 * (len(rates) - 1))]
            per_thousand = (held["rss_held"] - held["rss_before"]) / max(held["opened"], 1) * 1000
            print(
                f"{name:<20}{held['opened']:>8}{held['open_seconds']:>6.1f}s"
                f"{p5:>12.1f}, {statistics.median(rates):>9.1f}"
                f"{held['rss_before']:>8.0f}MB{held['rss_held']:>7.0f}MB{per_thousand:>9.1f}MB"
                f"{held['mock_cpu']:>9.0f}%{held['redis_cpu']:>10.0f}%{held['failures']:>8}"
            )
            for said in held["said"]:
                print(f"    failed: {said}")
        print("RSS: the mock's processes together; per 1,000: (held - idle) / streams opened x 1,000")
    return 0


if __name__ == "__main__":
    sys.exit(main())
