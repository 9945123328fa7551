"""Instructions per request of the mock and of a bare aiohttp app: the noise-free figure for a hot path.

``bench_mock.py`` measures requests/s and CPU time per request, which swing by a third between runs on a
shared machine. The instructions a server executes per request do not: each server runs under valgrind
(``cachegrind``, no cache simulation; the Debian package) with address-space randomization off and a fixed
hash seed, is loaded by ``wrk`` for a short and a long run, and its instructions per request are the
difference of the two totals over the difference of the requests served (start-up cancels out). Two runs
of one server agree within about 1%, so a change of a few percent to a hot path shows.

Instructions are not time, so this is the figure to compare two versions of the mock by, and
``bench_mock.py`` the one the targets are stated in. Their ratios differ (new-prompt chat: about 0.6 in
instructions, 0.38-0.44 in CPU) for reasons measured once by hand, per request, in the same way: with
valgrind's cache simulation (32 KiB I1, 48 KiB D1, the last level set to this machine's 2 MiB L2) bare
misses I1 7.4k and D1 4.2k times and L2 never, the mock 12.5k, 7.6k and ~8 times, in proportion to its
instructions (its working set fits L2 as bare's does); with its branch simulation bare mispredicts 6.1k
branches, the mock 11.8k (1.9x, for 1.7x the instructions: interpreted code); and the mock's three
system calls per request (read, write, asyncio's getpid) cost 15-22 us of system time to bare's 8-10.
So the mock's CPU follows its instructions, each costing more than bare's: fewer instructions is the way.

Under valgrind a server runs ~50x slower: every figure takes two to three minutes, and the request log
(flushed every 50 ms of wall time) batches fewer lines per write than at full speed, so the logging
mock's figure is an upper bound on the log's cost.

    python benchmarks/bench_instructions.py [--route POST*|GET] [--seconds 10,25] [--baseline SRC]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_mock import FRESH_PROMPTS, HOST, free_port, wait_ready

ROUTES = {"POST*": "/v1/chat/completions", "GET": "/v1/models"}


def _served(command: list[str], env: dict[str, str], port: int, seconds: int, route: str) -> tuple[int, int]:
    """(instructions, requests served) of one server under valgrind, loaded by wrk for ``seconds``."""
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "valgrind.log"
        server = subprocess.Popen(
            [
                "setarch",
                "-R",
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                "--cachegrind-out-file=/dev/null",
                f"--log-file={log}",
                *command,
            ],
            env={**env, "PYTHONHASHSEED": "0"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(f"http://{HOST}:{port}/empiriolabs/v1/models", timeout=600)
            script = Path(scratch) / "load.lua"
            script.write_text(
                FRESH_PROMPTS if route == "POST*" else 'wrk.headers["Authorization"] = "Bearer x"\n'
            )
            url = f"http://{HOST}:{port}/empiriolabs{ROUTES[route]}"
            load = ["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", str(script), url]
            output = subprocess.run(load, capture_output=True, text=True, check=True).stdout
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=600)
        served = re.search(r"(\d+) requests in", output)
        total = re.search(r"I\s+refs:\s+([\d,]+)", log.read_text())
        if served is None or total is None:
            raise RuntimeError(f"no figures from {command}: {output[-500:]}")
        return int(total.group(1).replace(",", "")), int(served.group(1))


def per_request(
    command: list[str], env: dict[str, str], port: int, route: str, runs: tuple[int, int]
) -> float:
    """Instructions per request: the long run's extra instructions over its extra requests."""
    (short_ir, short_n), (long_ir, long_n) = (_served(command, env, port, s, route) for s in runs)
    return (long_ir - short_ir) / max(long_n - short_n, 1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--route", choices=[*ROUTES, "both"], default="both")
    parser.add_argument("--seconds", default="10,25", help="the short and the long run's wrk seconds")
    parser.add_argument(
        "--baseline", type=Path, metavar="SRC", help="another gatewright's src, as 'baseline'"
    )
    args = parser.parse_args()
    missing = [tool for tool in ("valgrind", "wrk", "setarch") if shutil.which(tool) is None]
    if missing:
        print(f"needs {', '.join(missing)} (apt install valgrind wrk util-linux)", file=sys.stderr)
        return 2
    short, long = (int(part) for part in args.seconds.split(","))
    port = free_port()
    mock = [sys.executable, "-m", "gatewright", "mock", "--host", HOST, "--port", str(port), "--seed", "1"]
    bare = [sys.executable, str(Path(__file__).with_name("bench_mock.py")), "--serve-bare", str(port)]
    env = dict(os.environ)
    servers: dict[str, tuple[list[str], dict[str, str]]] = {
        "bare": (bare, env),
        "mock --quiet": ([*mock, "--quiet"], env),
        "mock": (mock, env),
    }
    if args.baseline is not None:
        servers["baseline --quiet"] = ([*mock, "--quiet"], {**env, "PYTHONPATH": str(args.baseline)})
    routes = list(ROUTES) if args.route == "both" else [args.route]
    print(
        f"instructions per request under valgrind (wrk -t2 -c32, {short}s and {long}s runs), API empiriolabs"
    )
    for route in routes:
        figures = {
            name: per_request(command, server_env, port, route, (short, long))
            for name, (command, server_env) in servers.items()
        }
        for name, figure in figures.items():
            ratio = figures["bare"] / figure
            print(f"{route:6s} {name:18s} {figure / 1000:8.1f}k   bare/this {ratio:5.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
