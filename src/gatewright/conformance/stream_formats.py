"""Chunk shapes of the streaming formats gateways speak, as small validators with a terminal rule.

``FORMATS`` holds one validator per wire of ``spec.wires`` that streams, keyed by its name (the
proxy's stream judge uses the same ones). The vendor wires' are code, as the SDKs read them; an
API-specific format is judged by its wire's data (``spec.wire_streams``): each event against its
type's schema and nothing after its last event where the API documents the shapes, only JSON where
it documents just the transport. A stream of no known format is judged as ``GENERIC``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gatewright.conformance.sse import ServerEvent
from gatewright.spec.wires import (
    ANTHROPIC_MESSAGES,
    DONE,
    EMPIRIOLABS_SPEECH,
    IPOP_AGENT_EVENTS,
    OPENAI_CHAT,
    OPENAI_COMPLETIONS,
    OPENAI_RESPONSES,
    Wire,
    is_stream_end,
    stream_format_of_path,
)

__all__ = ["FORMATS", "GENERIC", "StreamState", "Validator", "guess_format", "validator_for"]

GENERIC = "generic"  # the format of a stream no spec names and no path suggests


@dataclass(slots=True)
class StreamState:
    """What a format validator has seen so far."""

    events: int = 0
    types: list[str] = field(default_factory=list)
    done: bool = False


Validator = Callable[[ServerEvent, StreamState], str | None]  # returns an error message or None


def _json(event: ServerEvent) -> tuple[Any, str | None]:
    try:
        return json.loads(event.data), None
    except json.JSONDecodeError as exc:
        return None, f"event data is not JSON ({exc.msg}): {event.data[:200]!r}"


def _openai_choices(wire: str, kind: str, choice_key: str) -> Validator:
    def validate(event: ServerEvent, state: StreamState) -> str | None:
        if is_stream_end(wire, event.data):
            state.done = True
            return None
        if state.done:
            return f"data after {DONE}"
        chunk, error = _json(event)
        if error is not None:
            return error
        if not isinstance(chunk, dict):
            return "chunk is not an object"
        if "error" in chunk and "choices" not in chunk:
            return None  # an in-band error event; the terminal rule still applies
        if chunk.get("object") != kind:
            return f"object is {chunk.get('object')!r}, expected {kind!r}"
        if not isinstance(chunk.get("id"), str):
            return "chunk has no string id"
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            return "choices is not a list"
        for choice in choices:
            if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
                return "a choice has no integer index"
            if choice_key == "delta" and not isinstance(choice.get("delta"), dict):
                return "a choice has no delta object"
            if choice_key == "text" and not isinstance(choice.get("text"), str):
                return "a choice has no text"
        return None

    return validate


_ANTHROPIC_TYPES = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    }
)


def _anthropic(event: ServerEvent, state: StreamState) -> str | None:
    if state.done:
        return "event after message_stop"
    payload, error = _json(event)
    if error is not None:
        return error
    kind = payload.get("type") if isinstance(payload, dict) else None
    if kind not in _ANTHROPIC_TYPES:
        return f"unknown event type {kind!r}"
    if event.event not in ("message", kind):
        return f"event name {event.event!r} does not match data type {kind!r}"
    if not state.types and kind not in ("message_start", "ping", "error"):
        return f"first event is {kind!r}, expected message_start"
    if kind == "message_start" and not isinstance(payload.get("message"), dict):
        return "message_start without a message object"
    if kind == "content_block_delta" and not isinstance(payload.get("delta"), dict):
        return "content_block_delta without a delta object"
    if kind in ("content_block_start", "content_block_delta", "content_block_stop") and not isinstance(
        payload.get("index"), int
    ):
        return f"{kind} without an integer index"
    state.types.append(str(kind))
    if is_stream_end(ANTHROPIC_MESSAGES.name, event.data, kind) or kind == "error":  # an error ends it too
        state.done = True
    return None


def _openai_responses(event: ServerEvent, state: StreamState) -> str | None:
    if event.data.strip() == DONE:
        return None  # not the end of a Responses stream (its terminal event is); tolerated, as SDKs do
    if state.done:
        return "event after the terminal response event"
    payload, error = _json(event)
    if error is not None:
        return error
    kind = payload.get("type") if isinstance(payload, dict) else None
    if not isinstance(kind, str) or not (kind.startswith("response.") or kind == "error"):
        return f"event type {kind!r} is not a response.* event"
    state.types.append(kind)
    if is_stream_end(OPENAI_RESPONSES.name, event.data, kind) or kind == "error":  # an error ends it too
        state.done = True
    return None


def _generic(event: ServerEvent, state: StreamState) -> str | None:
    """Unknown format: data is JSON or ``[DONE]``; the stream ends by closing."""
    if event.data.strip() == DONE:
        state.done = True
        return None
    _, error = _json(event)
    return error


def _described(wire: Wire) -> Validator:
    """A format judged by its wire's data: where the API documents the event shapes, each event is one
    of them (or the terminator) and nothing follows the last; else any stream's rule (``_generic``)."""

    def validate(event: ServerEvent, state: StreamState) -> str | None:
        shapes = wire.data.stream
        if shapes is None or not shapes.documented:
            return _generic(event, state)
        if state.done:
            return "event after the stream's last event"
        if shapes.is_terminator(event.data):
            state.done = True
            return None
        payload, error = _json(event)
        if error is not None:
            return error
        if not isinstance(payload, dict):
            return "event data is not a JSON object"
        problem = shapes.payload_problem(payload, event.event)
        if problem is None:
            state.types.append(str(payload.get(shapes.type_field)))
            state.done = shapes.is_last(event.data, payload)
        return problem

    return validate


FORMATS: dict[str, Validator] = {
    OPENAI_CHAT.name: _openai_choices(OPENAI_CHAT.name, "chat.completion.chunk", "delta"),
    OPENAI_COMPLETIONS.name: _openai_choices(OPENAI_COMPLETIONS.name, "text_completion", "text"),
    OPENAI_RESPONSES.name: _openai_responses,
    ANTHROPIC_MESSAGES.name: _anthropic,
    IPOP_AGENT_EVENTS.name: _described(IPOP_AGENT_EVENTS),
    EMPIRIOLABS_SPEECH.name: _described(EMPIRIOLABS_SPEECH),
}


def validator_for(fmt: str) -> Validator:
    """The validator of the stream format ``fmt``: its wire's, else the generic one."""
    return FORMATS.get(fmt, _generic)


def guess_format(path: str) -> str:
    """For specs without ``x-gatewright-stream``: the format a path conventionally streams."""
    return stream_format_of_path(path) or GENERIC
