"""Run the mock: the thin layer the CLI calls."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

from gatewright.mock.app import create_app
from gatewright.mock.front import MockRunner
from gatewright.mock.keys import APIS
from gatewright.mock.workers import run_workers
from gatewright.mock_options import MockOptions, options_of

logger = logging.getLogger("gatewright.mock")


def serve(
    apis: Sequence[str] | None = None,
    spec_path: Path | str | None = None,
    *,
    options: MockOptions | None = None,
    **overrides: Any,
) -> None:
    """Serve until interrupted; one line per request on the ``gatewright.mock`` logger unless turned off.

    ``options`` (``gatewright.mock_options``; each of its fields may also be given as a keyword) say
    how, as ``gatewright mock``'s flags do. ``store`` is where state is kept: None for this process's
    memory, or a ``redis://HOST:PORT/DB`` URL shared by every mock pointed at it, its keys under
    ``store_prefix``. ``workers`` > 1 (which needs a shared store) serves with that many processes on
    one port (``gatewright.mock.workers``; call it from a ``if __name__ == "__main__":`` block, as
    multiprocessing's ``spawn`` requires).

    Raises ``OSError`` when it cannot listen on ``host:port`` (e.g. the port is in use).
    """
    chosen = options_of(options, overrides)
    _log_to_stderr(chosen.access_log)
    if chosen.workers > 1:
        run_workers(chosen, partial(run, apis, spec_path))
        return

    def listening(names: str) -> None:
        logger.info("gatewright mock on http://%s:%d (%s)", chosen.host, chosen.port, names)

    run(apis, spec_path, chosen, ready=listening)


def _log_to_stderr(access_log: bool) -> None:
    if access_log and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")


def run(
    apis: Sequence[str] | None,
    spec_path: Path | str | None,
    options: MockOptions,
    *,
    reuse_port: bool = False,
    ready: Callable[[str], None],
    on_startup: Callable[[web.Application], Awaitable[None]] | None = None,
) -> None:
    """Build the app and serve it in this process; ``ready`` gets the served APIs (``name at /prefix,
    ...``) once the socket listens. Also each worker's body (``workers.py``)."""
    _log_to_stderr(options.access_log)
    app = create_app(apis, spec_path, options=options)
    if on_startup is not None:
        app.on_startup.append(on_startup)
    names = ", ".join(f"{name} at {api.prefix or '/'}" for name, api in app[APIS].items())
    with asyncio.Runner(loop_factory=event_loop) as runner, suppress(KeyboardInterrupt):
        listening = partial(ready, names)
        runner.run(_serve(app, options.host, options.port, reuse_port=reuse_port, ready=listening))


async def _serve(
    app: web.Application, host: str, port: int, *, reuse_port: bool, ready: Callable[[], None]
) -> None:
    """Serve ``app`` through its front door (``mock.front``) until SIGINT or SIGTERM, then shut it
    down as aiohttp's ``run_app`` does: stop listening, let the requests in flight finish (up to 60
    s: a slow answer or a stream still gets its end), then the cleanup hooks (the request log's last
    lines go out). The signals only end the wait, so nothing is cancelled before that shutdown."""
    # aiohttp's ``run_app`` keep-alive (75 s) unless the app sets its own (``--read-timeout``)
    runner = MockRunner(app, access_log=None, keepalive_timeout=75.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError):  # Windows: Ctrl-C is a KeyboardInterrupt, cancelling this
                loop.add_signal_handler(signum, stop.set)
        ready()
        await stop.wait()
    finally:
        await runner.cleanup()


def event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where it is installed (a dependency except on Windows): libuv runs the sockets
    and timers in C, about 12% fewer instructions a request on chat (benchmarks/bench_mock.py);
    asyncio's own elsewhere."""
    try:
        import uvloop  # noqa: PLC0415  # optional: absent on Windows
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
