"""Send a recorded answer again: its status, its headers (those that still mean something), its body
or its events one write each.

Framing is aiohttp's to compute: ``content-length``, ``transfer-encoding`` and the other
hop-by-hop headers are not replayed, nor ``content-encoding`` (bodies are recorded
decoded), ``date``, ``set-cookie`` or a value the recording redacted. A stream goes out
through the mock's stream writer, so a rule's stream faults (``ttft_ms``, ``cut_after``...)
apply to it as to any stream; a recording of a stream that ended early (``complete:
false``) ends the same way: the connection drops after the last recorded event, without
the stream's terminating chunk.

What is played passes the output check (``outcome.check``: a JSON body; ``outcome.EventCheck``:
each event of a stream) against the schema the fixture names (``Fixture.schema_pointer``): a
replayed answer the spec rejects is logged as the mock's own would be, and sent as recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import CIMultiDict

from gatewright.mock.outcome import EventCheck, check
from gatewright.mock.sse.events import block_fields
from gatewright.mock.sse.faults import StreamFaults
from gatewright.mock.sse.writer import SSE_HEADERS, write_events
from gatewright.spec.headers import HOP_BY_HOP
from gatewright.spec.recording import RecordedResponse
from gatewright.spec.secrets import REDACTED

if TYPE_CHECKING:
    from gatewright.mock.operations import MockApi

__all__ = ["NOT_REPLAYED", "play", "replayed_headers"]

NOT_REPLAYED = HOP_BY_HOP | {
    # framing: aiohttp writes its own (``trailers`` as well as ``trailer``, as some servers spell it)
    "trailers",
    "content-length",
    "content-encoding",
    # about the recorded exchange, not the answer
    "date",
    "set-cookie",
}


@dataclass(frozen=True, slots=True)
class _Block:
    """One recorded SSE event block, sent as it came (plus the blank line that ends it)."""

    text: str

    def encode(self) -> bytes:
        return f"{self.text}\n\n".encode()

    def fields(self) -> dict[str, Any] | None:
        return block_fields(self.text)


def replayed_headers(recorded: RecordedResponse, extra: Sequence[tuple[str, str]] = ()) -> CIMultiDict[str]:
    """The recorded headers worth sending again, then ``extra`` (a rule's, rate limits) over them."""
    headers: CIMultiDict[str] = CIMultiDict(SSE_HEADERS) if recorded.events is not None else CIMultiDict()
    named = {name.strip().lower() for name in recorded.headers.get("connection", "").split(",")}
    for name, value in recorded.headers.items():
        lowered = name.lower()
        if lowered in NOT_REPLAYED or lowered in named or value == REDACTED:
            continue
        headers[name] = value
    if recorded.events is None and recorded.body is not None and "content-type" not in headers:
        headers["Content-Type"] = "application/json" if recorded.body.kind == "json" else "text/plain"
    for name, value in extra:
        headers[name] = value
    return headers


async def play(
    request: web.Request,
    recorded: RecordedResponse,
    extra: Sequence[tuple[str, str]] = (),
    faults: StreamFaults | None = None,
    *,
    api: MockApi | None = None,
    pointer: str | None = None,
) -> web.StreamResponse:
    """The recorded answer to ``request``; ``faults`` (a rule's) apply to a recorded stream. With
    ``api`` and ``pointer`` (the fixture's schema) it passes the output check on the way out."""
    headers = replayed_headers(recorded, extra)
    if recorded.events is None:
        body = recorded.body
        if api is not None and pointer is not None and body is not None and body.kind == "json":
            check(api, recorded.status, pointer, body.value, "replayed body")
        data = body.to_bytes() if body is not None else None
        return web.Response(status=recorded.status, body=data, headers=headers)
    response = web.StreamResponse(status=recorded.status, headers=headers)
    await response.prepare(request)
    events = [_Block(block) for block in recorded.events]
    checker = None
    if api is not None and pointer is not None:
        checker = EventCheck(api, recorded.status, pointer, "replayed stream event")
    sent = await write_events(
        response, events, faults=faults, transport=request.transport, eof=recorded.complete, check=checker
    )
    if sent and not recorded.complete and request.transport is not None:
        request.transport.close()  # as recorded: what was sent arrives, then no terminating chunk
    return response
