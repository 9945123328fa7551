"""Requests per second of the mock against a bare aiohttp app on the same routes, in one run.

Both servers run as subprocesses on 127.0.0.1 and are loaded by ``wrk`` (Debian package) with
the same settings: ``GET /v1/models``, ``POST /v1/chat/completions`` with one JSON body again
and again, and ``POST*``: the same route with a new prompt on every request (what an agent
loop sends; the mock composes each answer, where a repeated request is answered again from
``mock.repeats``). The mock serves all five APIs (each under ``/<api>``) with request
validation on; the figures are for the ``empiriolabs`` routes. Prints requests/s, p99 latency,
the mock/bare ratios and the mock's RSS. Three mocks run: one with the default request log (to
a file), one with ``--quiet``, and one with ``--quiet`` and 100 rules that never match the
benchmark's requests (scoped by an ``x-test-id`` header), so the costs of the log and of rules
are ratios measured in the same run.

Besides requests per second it reports each server's CPU time per request (user + system,
from ``/proc``): on a shared, noisy machine throughput swings with whatever else runs, while
the CPU a server spends on one request is its own cost, so ``cpu ratio`` (bare/mock) is
the steadier figure.

    python benchmarks/bench_mock.py [--duration 5] [--rounds 3] [--connections 32] [--api empiriolabs]

To compare with another checkout, run it beside this one: ``--baseline <that checkout>/src``
adds a ``baseline --quiet`` mock to every round, so before and after are ratios of the same
run (``git worktree add /tmp/before <commit>`` gives the checkout).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
CHAT_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
FIXED_MODELS = json.dumps(
    {"object": "list", "data": [{"id": "m", "object": "model", "created": 0, "owned_by": "x"}]}
).encode()
FIXED_CHAT = json.dumps(
    {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }
).encode()


# Every request a prompt the mock has not seen (each wrk thread its own prefix): the answer is
# composed, fitted and validated each time, where the plain POST route is the same request
# again and again (answered from ``mock.repeats`` after the first).
FRESH = "POST*"
FRESH_PROMPTS = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
local prefix, n = "", 0
function init(args) prefix = tostring({}):gsub("table: ", "") end
function request()
  n = n + 1
  local prompt = "Hello " .. prefix .. " " .. n
  return wrk.format(nil, nil, nil,
    '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "' .. prompt .. '"}]}')
end
"""


def serve_bare(port: int, prefix: str) -> None:
    from aiohttp import web

    web.run_app(bare_app(prefix), host=HOST, port=port, access_log=None, print=None)


def bare_app(prefix: str) -> Any:
    """The bare aiohttp app: the benchmark's routes under ``prefix``, each a fixed answer."""
    from aiohttp import web

    async def models(request: web.Request) -> web.Response:
        return web.Response(body=FIXED_MODELS, content_type="application/json")

    async def chat(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=FIXED_CHAT, content_type="application/json")

    app = web.Application()
    app.router.add_get(f"{prefix}/v1/models", models)
    app.router.add_post(f"{prefix}/v1/chat/completions", chat)
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not start")


def check(url: str, body: bytes | None) -> None:
    headers = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    with urllib.request.urlopen(request, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    url: str, duration: int, connections: int, script: str | None, pid: int
) -> tuple[float, float, float]:
    """Requests/s, p99 latency (ms), and the server's CPU microseconds per request."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script is not None:
        command += ["-s", script]
    before = cpu_seconds(pid)
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    spent = cpu_seconds(pid) - before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    assert p99 is not None, output
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale, spent / max(requests, 1) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="bare and mock take turns this many times")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--api", default="empiriolabs")
    parser.add_argument(
        "--without-rules",
        action="store_true",
        help="skip the 100-rules mock (to compare with a gatewright that has no rules, via PYTHONPATH)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="also run another gatewright (its src directory, e.g. of a `git worktree` at an older"
        " commit) as 'baseline --quiet', so before and after are ratios of the same run",
    )
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    prefix = f"/{args.api}"
    if args.serve_bare:
        serve_bare(args.serve_bare, prefix)
        return 0
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    ports = {"mock": free_port(), "mock --quiet": free_port(), "mock --quiet, 100 rules": free_port()}
    if args.without_rules:
        del ports["mock --quiet, 100 rules"]
    if args.baseline is not None:
        ports["baseline --quiet"] = free_port()
    rules_file = Path(tempfile.mkdtemp()) / "rules.json"
    rules_file.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "when": {"api": args.api, "headers": {"x-test-id": f"t-{n}"}, "contains": "weather"},
                        "then": {"status": 429, "headers": {"Retry-After": "1"}},
                    }
                    for n in range(100)
                ]
            }
        )
    )
    bare_port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log_file = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115
    mocks = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gatewright",
                "mock",
                "--host",
                HOST,
                "--port",
                str(port),
                "--seed",
                "1",
                *(["--quiet"] if "--quiet" in name else []),
                *(["--rules", str(rules_file)] if "rules" in name else []),
            ],
            env={**env, "PYTHONPATH": str(args.baseline)} if name.startswith("baseline") else env,
            stdout=log_file,
            stderr=log_file,
        )
        for name, port in ports.items()
    }
    bare = subprocess.Popen(
        [sys.executable, __file__, "--serve-bare", str(bare_port), "--api", args.api], env=env
    )
    try:
        startup = max(wait_ready(f"http://{HOST}:{port}/__gatewright/health") for port in ports.values())
        wait_ready(f"http://{HOST}:{bare_port}{prefix}/v1/models")
        for port in (*ports.values(), bare_port):  # both must answer 200, or the figures compare errors
            check(f"http://{HOST}:{port}{prefix}/v1/models", None)
            check(f"http://{HOST}:{port}{prefix}/v1/chat/completions", json.dumps(CHAT_BODY).encode())
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(json.dumps(CHAT_BODY))}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
                'wrk.headers["Authorization"] = "Bearer sk-bench"\n'
            )
        get_script = lua.name.replace(".lua", "-get.lua")
        Path(get_script).write_text('wrk.headers["Authorization"] = "Bearer sk-bench"\n')
        fresh_script = lua.name.replace(".lua", "-fresh.lua")
        Path(fresh_script).write_text(FRESH_PROMPTS)
        routes = (
            ("GET", "/v1/models", get_script),
            ("POST", "/v1/chat/completions", lua.name),
            (FRESH, "/v1/chat/completions", fresh_script),
        )
        # The machine is shared and noisy: bare and mock take turns, round after round, and each
        # figure is the median over the rounds (ratios are per round, so both sides saw the same noise).
        pids = {"bare": bare.pid, **{name: process.pid for name, process in mocks.items()}}
        rounds: list[dict[tuple[str, str], tuple[float, float, float]]] = []
        for _ in range(args.rounds):
            measured: dict[tuple[str, str], tuple[float, float, float]] = {}
            for method, route, script in routes:
                for name, port in (("bare", bare_port), *ports.items()):
                    url = f"http://{HOST}:{port}{prefix}{route}"
                    measured[(name, method)] = run_wrk(
                        url, args.duration, args.connections, script, pids[name]
                    )
            rounds.append(measured)
        memory = rss_mb(mocks["mock --quiet"].pid)
    finally:
        for process in (*mocks.values(), bare):
            process.terminate()
            process.wait(10)
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s x {args.rounds} rounds on {HOST}, API {args.api}"
        " (the mock serves all five APIs)"
    )
    print(f"{'route':<56}{'bare req/s':>12}{'mock req/s':>12}{'ratio':>8}{'bare p99':>11}{'mock p99':>11}")
    targets = {"GET": 0.75, "POST": 0.5, FRESH: 0.5}  # issue 22
    for method, route, _script in routes:
        bare_rps, bare_p99 = (statistics.median(r[("bare", method)][i] for r in rounds) for i in (0, 1))
        for name in ports:
            mock_rps, mock_p99 = (statistics.median(r[(name, method)][i] for r in rounds) for i in (0, 1))
            ratios = [r[(name, method)][0] / r[("bare", method)][0] for r in rounds]
            ratio = statistics.median(ratios)
            print(
                f"{method + ' ' + route + ' (' + name + ')':<56}{bare_rps:>12.0f}{mock_rps:>12.0f}"
                f"{ratio:>7.2f}x{bare_p99:>9.2f}ms{mock_p99:>9.2f}ms   target >= {targets[method]}x"
                f"   (per round: {', '.join(f'{x:.2f}' for x in ratios)})"
            )
    print()
    print(f"{'server CPU per request (median of rounds)':<56}{'bare us':>12}{'mock us':>12}{'cpu ratio':>11}")
    for method, route, _script in routes:
        bare_cpu = statistics.median(r[("bare", method)][2] for r in rounds)
        for name in ports:
            mock_cpu = statistics.median(r[(name, method)][2] for r in rounds)
            cpu_ratios = [r[("bare", method)][2] / r[(name, method)][2] for r in rounds]
            print(
                f"{method + ' ' + route + ' (' + name + ')':<56}{bare_cpu:>12.0f}{mock_cpu:>12.0f}"
                f"{statistics.median(cpu_ratios):>10.2f}x"
                f"   (per round: {', '.join(f'{x:.2f}' for x in cpu_ratios)})"
            )
    print(f"{FRESH}: a new prompt on every request (the mock composes every answer)")
    print(f"mock startup {startup:.2f}s (all five APIs), RSS {memory:.0f} MB (target < 200 MB)")
    log_file.close()
    print(f"request log of the logging mock: {Path(log_file.name).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
