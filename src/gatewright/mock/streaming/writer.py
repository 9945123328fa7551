"""Send events to a client, one write per event, and stop quietly when the client leaves.

Each event is its own ``write`` (then an optional pause), so clients see tokens
arrive instead of one buffered body. A client that disconnects mid-stream is not a
server error: the writer stops, logs at debug level, and the handler returns normally.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

from aiohttp import web

from gatewright.mock.streaming.events import SSEEvent

__all__ = ["SSE_HEADERS", "open_stream", "stream_events", "write_events"]

log = logging.getLogger("gatewright.mock.streaming")

SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",
}


async def open_stream(
    request: web.Request, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.StreamResponse:
    """Prepare a ``text/event-stream`` response (headers sent, body to follow)."""
    response = web.StreamResponse(status=status, headers={**SSE_HEADERS, **(headers or {})})
    await response.prepare(request)
    return response


async def write_events(
    response: web.StreamResponse, events: Iterable[SSEEvent], *, delay: float = 0.0, eof: bool = True
) -> bool:
    """Write each event separately; True when all were sent, False when the client went away.

    ``eof=False`` leaves the stream open for more (a stream that follows a running task).

    ``asyncio.CancelledError`` (aiohttp cancelling the handler of a closed connection)
    is re-raised after logging, as asyncio requires; aiohttp does not treat it as a 500.
    """
    try:
        for event in events:
            await response.write(event.encode())
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)  # let other requests run between events
        if eof:
            await response.write_eof()
    except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as exc:
        log.debug("stream client disconnected: %s", exc)
        return False
    except asyncio.CancelledError:
        log.debug("stream cancelled (client disconnected)")
        raise
    return True


async def stream_events(
    request: web.Request,
    events: Iterable[SSEEvent],
    *,
    delay: float = 0.0,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.StreamResponse:
    """The whole SSE answer for a handler: ``return await stream_events(request, events)``."""
    response = await open_stream(request, status=status, headers=headers)
    await write_events(response, events, delay=delay)
    return response
