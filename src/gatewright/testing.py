"""Serve an aiohttp app (the mock, or a test double) from a background thread for synchronous callers.

The conformance runner and most users' tests are synchronous, so the mock runs
on its own event loop in a daemon thread, bound to 127.0.0.1 on a free port.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from aiohttp import web

CONTROL_PREFIX = "/__gatewright"


@contextmanager
def serve_app(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (``http://127.0.0.1:<port>``)."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    ready = threading.Event()
    bound: list[int] = []
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, host, port).start())
            bound.append(int(runner.addresses[0][1]))
        except BaseException as exc:  # report startup failures to the caller's thread
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="gatewright-server", daemon=True)
    thread.start()
    ready.wait(30)
    if failure or not bound:
        loop.close()
        raise RuntimeError(f"could not start the server: {failure[0] if failure else 'timeout'}")
    try:
        yield f"http://{host}:{bound[0]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


@contextmanager
def running_mock(apis: Sequence[str], *, seed: int | None = 0) -> Iterator[str]:
    """The gatewright mock for ``apis``, in process; one API is served at the root of the yielded URL."""
    from gatewright.mock import create_app  # noqa: PLC0415 - keep `import gatewright.testing` light

    with serve_app(create_app(apis=list(apis), seed=seed, access_log=False)) as url:
        yield url


def reset_mock(base_url: str, timeout: float = 10.0) -> None:
    """Forget every stored resource and task (``POST /__gatewright/reset``)."""
    root = base_url.rstrip("/")
    request = urllib.request.Request(f"{root}{CONTROL_PREFIX}/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def mock_health(base_url: str, timeout: float = 10.0) -> dict[str, object]:
    url = f"{base_url.rstrip('/')}{CONTROL_PREFIX}/health"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data = json.loads(response.read())
    return data if isinstance(data, dict) else {"status": data}
