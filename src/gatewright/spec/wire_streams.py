"""A streamed wire's events as data (the ``stream`` of ``specs/wires/<wire>.json``), and how to judge one.

What a client of a stream format relies on is data, not code: each event type's payload schema, the
payload member that names the type (and whether the SSE ``event:`` field repeats it), what marks the
last event of a format that may also end by closing, and the status words its events carry. The mock's
stream writers take the words and ends from it, verify's stream validators (and so the proxy's judge)
judge an API-specific format by it, and ``StreamShapes.problem`` is the check of one event's JSON
against its wire's event schema, for the mock's output check: an event is described once.

A wire whose streams *must* end with an event says so in ``spec.wires`` (``Wire.stream_end``: normalize
reads it when nothing may be read from files); ``StreamShapes.end`` is the last event of a format that
may also end by closing (ipop's final lifecycle event, empiriolabs' ``[DONE]``). ``StreamShapes`` is
built and checked by ``spec.wire_data`` when the file is first read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from gatewright.spec.pointer import child
from gatewright.spec.tasks import States

__all__ = ["StreamEnd", "StreamEvent", "StreamShapes", "StreamStatus"]

UNNAMED = "message"  # the type an SSE client gives an event without an ``event:`` field (WHATWG)


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event type of a wire's streams: its payload's JSON Schema, compiled once."""

    type: str
    description: str
    schema: dict[str, Any]
    validator: Draft202012Validator = field(compare=False, repr=False)  # words a refusal
    # decides validity: jsonschema-rs, as the mock checks every event of every stream it writes
    fast: Any = field(compare=False, repr=False)

    def is_valid(self, payload: Any) -> bool:
        return bool(self.fast.is_valid(payload))


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The last event of a format that may also end by closing: the data of a terminator event that
    is not JSON (``[DONE]``), or a payload member that is true on the last event (ipop's ``final``)."""

    data: str | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """The payload member that carries the status of the work a stream follows, and its words per phase
    for a stream no declared task backs (``x-gatewright-task`` states decide where one does)."""

    field: str
    states: States


@dataclass(frozen=True, slots=True)
class StreamShapes:
    """The events of one wire's streams (see the module docstring)."""

    documented: bool  # the API documents the shapes (verify judges a server by them), or only the transport
    type_field: str
    named: bool  # the SSE ``event:`` field is the event's type
    open: bool  # the API may send unlisted event types, which are not judged
    events: Mapping[str, StreamEvent]
    terminator: str | None = None  # the data of the non-JSON event that closes the stream (``[DONE]``)
    end: StreamEnd | None = None
    status: StreamStatus | None = None

    def is_terminator(self, data: str) -> bool:
        """Whether ``data`` is the stream's non-JSON terminator (surrounding blanks aside)."""
        return self.terminator is not None and data.strip() == self.terminator

    def is_last(self, data: str, payload: Any = None) -> bool:
        """Whether an event (its ``data``, and its parsed ``payload`` when it is JSON) is the last of a
        format that may end by closing: its terminator, or a payload whose end member is true."""
        if self.end is None:
            return False
        if self.end.data is not None:
            return data.strip() == self.end.data
        return isinstance(payload, Mapping) and payload.get(self.end.field) is True

    def event_of(self, payload: Any) -> StreamEvent | None:
        """The listed event type a JSON payload names, or None."""
        kind = payload.get(self.type_field) if isinstance(payload, Mapping) else None
        return self.events.get(kind) if isinstance(kind, str) else None

    def problem(self, data: str, event: str | None = None) -> str | None:
        """Why one event (its ``data``; its SSE ``event:`` name, None or ``message`` when it has none)
        is not an event of this wire, or None: the terminator, or a JSON object of a listed type that
        its schema accepts (an unlisted type passes on an open wire)."""
        if self.is_terminator(data):
            return None
        try:
            payload = json.loads(data)
        except ValueError as exc:
            return f"event data is not JSON ({exc}): {data[:200]!r}"
        if not isinstance(payload, Mapping):
            return "event data is not a JSON object"
        return self.payload_problem(payload, event)

    def payload_problem(self, payload: Mapping[str, Any], event: str | None = None) -> str | None:
        """``problem`` for an event whose data is already parsed."""
        kind = payload.get(self.type_field)
        if not isinstance(kind, str):
            return f"the event has no string {self.type_field!r}"
        if self.named and event not in (None, UNNAMED, kind):
            return f"event name {event!r} does not match its {self.type_field} {kind!r}"
        found = self.events.get(kind)
        if found is None:
            return None if self.open else f"unknown event {self.type_field} {kind!r}"
        if found.is_valid(payload):  # the common case costs one pass
            return None
        error = best_match(found.validator.iter_errors(payload))
        where = child("", *error.absolute_path) if error is not None else ""
        message = error.message if error is not None else "invalid"
        return f"{kind} at {where}: {message}" if where else f"{kind}: {message}"
