"""Server-sent events, parsed line by line as they arrive (WHATWG rules, minus reconnection).

``body_lines`` is the one reader of a streamed answer's lines (the stream and compatibility phases
both read with it); ``parse_events`` turns lines into events.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ServerEvent:
    event: str
    data: str
    id: str | None = None


def parse_events(lines: Iterable[str]) -> Iterator[ServerEvent]:
    """Events from decoded lines (without line terminators); a trailing unterminated event is dropped."""
    event, last_id = "", None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield ServerEvent(event=event or "message", data="\n".join(data), id=last_id)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            last_id = value


def body_lines(
    response: Any,
    *,
    chunk_size: int,
    deadline: float,
    expired: Exception,
    transcript: list[str],
    keep: int,
) -> Iterator[str]:
    """The lines of ``response``'s streamed body as they arrive (``requests``' ``iter_lines``, read
    ``chunk_size`` bytes at a time), decoded; the first ``keep`` are also added to ``transcript`` (what
    a finding shows). Once a line arrives after ``deadline`` (``time.monotonic``), ``expired`` is raised;
    a read that fails raises what ``requests`` raises."""
    for raw in response.iter_lines(chunk_size=chunk_size, decode_unicode=False):
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if len(transcript) < keep:
            transcript.append(line)
        yield line
        if time.monotonic() > deadline:
            raise expired
