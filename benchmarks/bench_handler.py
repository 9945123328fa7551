"""Microseconds the mock's handler spends on one request, with the CPU's caches warm and cold, against a
bare aiohttp app's on the same routes: in process, no sockets, no ``wrk``.

``bench_mock.py`` measures whole servers, whose CPU per request swings by a tenth from round to round on a
shared machine. This one calls the handlers directly (the mock through its front door, ``mock.front``;
the bare app through its router), so its figures move far less, and it shows what the server figures hide:
a request costs the mock several times more when the caches are cold, as they are in a server (the kernel,
the event loop and the HTTP parser run between two requests), than back to back. "Cold" writes an 8 MiB
buffer between calls; "warm" does not. Each figure is the median of five runs of 1,500 calls, the best
of the medians reported.

    python benchmarks/bench_handler.py [--baseline <other checkout>/src]

``--baseline`` measures another gatewright (e.g. ``git worktree add /tmp/before <commit>``) the same way,
in the same run, so a change's before and after are side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_mock import bare_app

ROUTES = ("GET /v1/models", "POST* /v1/chat/completions")
API = "empiriolabs"
CALLS, RUNS = 1500, 5
_BUFFER = bytearray(8 << 20)
_ONES = bytes([1]) * (len(_BUFFER) // 64)


class _Protocol:  # what a StreamReader asks of its protocol (flow control), for a body fed whole
    _reading_paused = False

    def resume_reading(self, resume_parser: bool = True) -> None: ...

    def pause_reading(self, *args: Any, **kwargs: Any) -> None: ...


def _bare_app() -> Any:
    app = bare_app(f"/{API}")  # bench_mock.py's, the same routes and answers
    app.freeze()
    return app, app._handle


def _mock_app(access_log: bool) -> Any:
    from gatewright.mock.app import create_app

    app = create_app(seed=1, access_log=access_log)  # all five APIs, as bench_mock.py serves them
    app.freeze()
    try:
        from gatewright.mock.front import FrontDoor
    except ImportError:  # a checkout before the front door: its server went through the router
        return app, app._handle
    return app, FrontDoor(app, app._handle)


async def _measure(server: str, route: str) -> dict[str, float]:
    from aiohttp.streams import StreamReader
    from aiohttp.test_utils import make_mocked_request

    app, handle = _bare_app() if server == "bare" else _mock_app(server == "mock")
    loop = asyncio.get_running_loop()
    protocol = _Protocol()
    headers = {"Host": "127.0.0.1:8080", "Authorization": "Bearer sk-bench"}

    def request(number: int) -> Any:
        if route.startswith("GET"):
            return make_mocked_request("GET", f"/{API}/v1/models", headers=headers, app=app, loop=loop)
        body = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello %d"}]}' % number
        payload = StreamReader(protocol, 2**16, loop=loop)  # type: ignore[arg-type]
        payload.feed_data(body)
        payload.feed_eof()
        sent = {**headers, "Content-Type": "application/json", "Content-Length": str(len(body))}
        path = f"/{API}/v1/chat/completions"
        return make_mocked_request("POST", path, headers=sent, payload=payload, app=app, loop=loop)

    for number in range(300):
        answer = await handle(request(10**7 + number))
        assert answer.status == 200, (server, route, answer.status)
    figures = {}
    for mode in ("warm", "cold"):
        medians = []
        for run in range(RUNS):
            requests = [
                request(run * 10**5 + number + (10**6 if mode == "cold" else 0)) for number in range(CALLS)
            ]
            gc.collect()
            spent = []
            for sent in requests:
                if mode == "cold":
                    _BUFFER[::64] = _ONES
                started = time.perf_counter()
                await handle(sent)
                spent.append(time.perf_counter() - started)
            medians.append(statistics.median(spent) * 1e6)
        figures[mode] = min(medians)
    return figures


def _run(server: str, route: str, source: Path | None) -> dict[str, float]:
    """One measurement in a fresh interpreter (its own heap), with ``source`` first on the path."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    command = [sys.executable, __file__, "--measure", server, route]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    figures: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--baseline", type=Path, metavar="SRC", help="another gatewright's src, measured alike"
    )
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(_measure(*args.measure))))
        return 0
    here = Path(__file__).resolve().parents[1] / "src"
    servers = [("bare", "bare", None), ("mock", "mock", here), ("mock --quiet", "quiet", here)]
    if args.baseline is not None:
        servers.append(("baseline --quiet", "quiet", args.baseline))
    print(f"handler us per call, in process ({CALLS} calls x {RUNS} runs, best median); API {API}")
    print(f"{'route':28} {'server':18} {'warm':>7} {'cold':>7}   bare/this warm, cold")
    for route in ROUTES:
        bare: dict[str, float] = {}
        for label, server, source in servers:
            figures = _run(server, route, source)
            bare = bare or figures
            ratios = f"{bare['warm'] / figures['warm']:.2f}x, {bare['cold'] / figures['cold']:.2f}x"
            print(f"{route:28} {label:18} {figures['warm']:7.1f} {figures['cold']:7.1f}   {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
