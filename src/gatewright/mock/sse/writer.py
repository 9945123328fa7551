"""Send events to a client, one write per event, and stop quietly when the client leaves.

Each event is its own ``write`` (then an optional pause), so clients see tokens
arrive instead of one buffered body. A client that disconnects mid-stream is not a
server error: the writer stops, logs at debug level, and the handler returns normally.

``StreamFaults`` (from a rule) make a stream misbehave as real ones do: a slow first
token, a slow pace, a dropped connection, a clean end without the terminal event, a
malformed event, or a stall that holds the connection open until the client gives up.

A ``check`` (``outcome.EventCheck``) sees each event's fields before it is written: the output
check every answer of the mock passes, here once per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from aiohttp import web

from gatewright.mock.answer_headers import merged
from gatewright.mock.outcome import CLIENT_LEFT
from gatewright.mock.sse.events import SSEEvent
from gatewright.mock.sse.faults import StreamFaults

__all__ = [
    "SSE_HEADERS",
    "EventChecker",
    "WireEvent",
    "open_stream",
    "stream_events",
    "write_events",
]

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
    media_type = SSE_HEADERS["Content-Type"]
    response = web.StreamResponse(
        status=status, headers=merged(SSE_HEADERS.items(), (headers or {}).items(), media_type=media_type)
    )
    await response.prepare(request)
    return response


class WireEvent(Protocol):
    """What the writer sends: an ``SSEEvent``, or an event block replayed as it was recorded."""

    def encode(self) -> bytes: ...

    def fields(self) -> Mapping[str, Any] | None:
        """Its fields for the output check (None: a block that is no event)."""
        ...


# The output check of a stream (``outcome.EventCheck``): called with each event's fields before it goes.
EventChecker = Callable[[Mapping[str, Any] | None], object]


_GONE = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)  # a write to a client that left

MALFORMED = b'event: malformed\ndata: {"malformed": \n\n'  # named: clients skip unnamed events (Anthropic's)


async def write_events(
    response: web.StreamResponse,
    events: Iterable[WireEvent],
    *,
    delay: float = 0.0,
    eof: bool = True,
    faults: StreamFaults | None = None,
    transport: asyncio.Transport | None = None,
    check: EventChecker | None = None,
) -> bool:
    """Write each event separately; True when all were sent, False when the client went away.

    ``eof=False`` leaves the stream open for more (a stream that follows a running task).
    ``faults`` (with the connection's ``transport``, to drop it or watch it) misbehave on purpose
    (the events they make are not checked). ``check`` sees each event's fields before it is sent.

    ``asyncio.CancelledError`` (aiohttp cancelling the handler of a closed connection)
    is re-raised after logging, as asyncio requires; aiohttp does not treat it as a 500.
    """
    try:
        for sent, event in enumerate(events):
            if faults is not None:
                go_on = await _fault(response, faults, sent, transport)
                if go_on is not True:
                    return go_on is None
            if check is not None:
                check(event.fields())
            await response.write(event.encode())
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)  # let other requests run between events
    except _GONE as exc:
        log.debug("stream client disconnected: %s", exc)
        CLIENT_LEFT.add(response)
        return False
    except asyncio.CancelledError:
        log.debug("stream cancelled (client disconnected)")
        raise
    if eof:  # every event is out: a client closing at its terminal event has had the whole answer
        with contextlib.suppress(*_GONE):
            await response.write_eof()
    return True


async def _fault(
    response: web.StreamResponse, faults: StreamFaults, sent: int, transport: asyncio.Transport | None
) -> bool | None:
    """Before event number ``sent``: True to send it, None to end cleanly here, False when cut."""
    if sent == 0 and faults.ttft_ms:
        await asyncio.sleep(faults.ttft_ms / 1000)
    elif sent and faults.tokens_per_second:
        await asyncio.sleep(1 / faults.tokens_per_second)
    if faults.cut_after is not None and sent >= faults.cut_after:
        if transport is not None:
            transport.abort()  # no terminating chunk: the client sees the connection drop
        return False
    if faults.truncate_after is not None and sent >= faults.truncate_after:
        await response.write_eof()
        return None
    if faults.malformed_after is not None and sent >= faults.malformed_after:
        await response.write(MALFORMED)
        await response.write_eof()
        return None
    if faults.stall_after is not None and sent >= faults.stall_after:
        while transport is not None and not transport.is_closing():
            await asyncio.sleep(0.1)  # hold the connection until the client gives up
        CLIENT_LEFT.add(response)
        return False
    return True


async def stream_events(
    request: web.Request,
    events: Iterable[SSEEvent],
    *,
    delay: float = 0.0,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    faults: StreamFaults | None = None,
    check: EventChecker | None = None,
) -> web.StreamResponse:
    """The whole SSE answer for a handler: ``return await stream_events(request, events)``."""
    response = await open_stream(request, status=status, headers=headers)
    await write_events(response, events, delay=delay, faults=faults, transport=request.transport, check=check)
    return response
