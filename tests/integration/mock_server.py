"""A mock gateway on a real socket (127.0.0.1, port 0) in a background thread, for sync SDK clients."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from gatewright.mock import create_app


@contextmanager
def running_mock(
    apis: Sequence[str] | None = None, *, seed: int | None = 7, **app_options: Any
) -> Iterator[str]:
    """Yield the base URL of a running mock; stop it on exit (``app_options`` go to ``create_app``)."""
    ready = threading.Event()
    state: dict[str, object] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(create_app(apis, seed=seed, access_log=False, **app_options))
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        state["port"] = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        state["loop"] = loop
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30), "mock did not start"
    try:
        yield f"http://127.0.0.1:{state['port']}"
    finally:
        loop = state["loop"]
        assert isinstance(loop, asyncio.AbstractEventLoop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def without_time(text: str) -> str:
    """A JSON body or SSE stream, its ``created``/``created_at`` values blanked (twins differ by a second)."""
    if not text.startswith("{"):  # a stream: compare its events with the time fields blanked
        return "\n".join(
            without_time(line[6:]) if line.startswith("data: {") else line for line in text.splitlines()
        )

    def blank(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: 0 if k in {"created", "created_at"} else blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    return json.dumps(blank(json.loads(text)))
