"""A forwarded event stream, judged after it passed: split into raw blocks, each checked.

The blocks are kept as the upstream sent them (what a recording replays); each is parsed
with the conformance SSE parser and validated with the same chunk-shape validators and
terminal rule ``verify``'s stream phase uses, under the same check names: the proxy's judge
of a wire that streams is verify's validator registered for it (``stream_formats.FORMATS``,
keyed by the wire's name in ``spec.wires``).
"""

from __future__ import annotations

import re

from gatewright.conformance.adapter import CheckFailure
from gatewright.conformance.checks import STREAM_CHUNKS, STREAM_TERMINATES
from gatewright.conformance.sse import ServerEvent, parse_events
from gatewright.conformance.stream_formats import StreamState, validator_for
from gatewright.spec.wires import missing_stream_end

_BLOCK_END = re.compile(r"\r\n\r\n|\n\n|\r\r")
_BOM = "\ufeff"


def event_blocks(data: bytes) -> list[str]:
    """Every complete event block in ``data`` (without the blank line that ends it); a partial
    block at the end (the stream was cut, or the capture limit reached) is left out."""
    text = data.decode("utf-8", "replace").removeprefix(_BOM)
    blocks: list[str] = []
    start = 0
    for match in _BLOCK_END.finditer(text):
        block = text[start : match.start()]
        start = match.end()
        if block.strip():
            blocks.append(block)
    return blocks


def _event(block: str) -> ServerEvent | None:
    found = list(parse_events([*block.splitlines(), ""]))
    return found[0] if found else None  # a block of only comments or an id carries no event


def judge_stream(fmt: str, blocks: list[str], complete: bool, judged_all: bool = True) -> list[CheckFailure]:
    """Findings for a stream in ``fmt``: a chunk of the wrong shape, a cut, no terminal event.

    ``judged_all`` is False when the capture limit hid the stream's end: then only the chunks
    seen are judged, never the end.
    """
    validate = validator_for(fmt)  # the wire's own validator, as verify judges it
    state = StreamState()
    for block in blocks:
        event = _event(block)
        if event is None:
            continue
        state.events += 1
        error = validate(event, state)
        if error is not None:
            return [
                CheckFailure(
                    STREAM_CHUNKS.id,
                    f"Stream event does not match the {fmt} chunk shape",
                    f"event {state.events} ({event.event}): {error}",
                )
            ]
    if not judged_all:
        return []
    if not complete:
        return [
            CheckFailure(
                STREAM_TERMINATES.id,
                "Stream cut short",
                f"the upstream's connection ended mid-stream after {state.events} events; "
                f"terminal event seen: {state.done}",
            )
        ]
    if state.events == 0:
        return [
            CheckFailure(STREAM_CHUNKS.id, "Stream carried no events", "the stream closed before any event")
        ]
    unended = missing_stream_end(fmt, state.done)
    if unended is not None:
        return [
            CheckFailure(
                STREAM_TERMINATES.id,
                "Stream closed without its terminal event",
                f"{unended}; {state.events} events came",
            )
        ]
    return []
