"""Stream formats by name: the value of ``x-gatewright-stream.format`` in the canonical specs.

A format turns the final (non-streamed) response body into the events of its wire
format. Formats are looked up, never guessed: an unknown name is an error the mock
reports at startup. Each registers against a wire of the registry (``spec.wires``), under
its name; a wire that is not registered there is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewright.mock.sse.events import SSEEvent
from gatewright.spec.wires import WIRES, Wire

__all__ = ["FORMATS", "StreamContext", "StreamFormat", "UnknownStreamFormat", "get_format", "register"]


@dataclass(frozen=True, slots=True)
class StreamContext:
    """What a format may need besides the body.

    ``request`` is the parsed request body (``stream_options``, ``model``, ``input``…);
    ``resume_after`` the last event id the client saw (ipop resume); ``text`` the
    text to stream where the body does not hold it; ``audio`` the raw samples for
    speech (default: generated silence); ``chunk_bytes`` the audio chunk size.
    ``lifecycle`` is the status words a task-backed stream (an ipop agent turn) has
    been through so far, ``outcome`` its terminal phase (``succeeded``, ``failed``,
    ``cancelled``) or None while it runs; both empty: the format replays a whole turn.
    """

    request: Mapping[str, Any] = field(default_factory=dict)
    resume_after: int = 0
    text: str | None = None
    audio: bytes | None = None
    chunk_bytes: int = 4800
    lifecycle: tuple[str, ...] = ()
    outcome: str | None = None


StreamFormat = Callable[[Mapping[str, Any], StreamContext], Iterator[SSEEvent]]

FORMATS: dict[str, StreamFormat] = {}


class UnknownStreamFormat(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown stream format {name!r}; known: {', '.join(sorted(FORMATS))}")
        self.name = name


def register(wire: Wire, fmt: StreamFormat) -> StreamFormat:
    """Make ``fmt`` the mock's writer of ``wire``'s streams (a streamed wire of ``spec.wires``)."""
    if WIRES.get(wire.name) is not wire or not wire.streams:
        raise ValueError(f"{wire.name!r} is not a registered wire that streams")
    FORMATS[wire.name] = fmt
    return fmt


def get_format(name: str) -> StreamFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownStreamFormat(name) from None
