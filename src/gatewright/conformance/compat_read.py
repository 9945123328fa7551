"""Read a gateway's answer, in any compatible wire shape, into the shared ``Answer`` vocabulary.

Non-streamed bodies and streams (events reassembled the way the official SDKs do:
content deltas joined, tool-call arguments concatenated by index, Anthropic
``input_json_delta`` fragments joined) become one ``Observed``: choices with text,
tool calls (arguments as the raw JSON text the SDK would parse) and a finish; the usage
figures as sent; the ids seen. A shape the SDK could not read raises ``Unreadable``.

``READERS`` holds one ``WireReader`` per wire whose answers are an ``Answer`` (every vendor
wire of ``spec.wires`` but embeddings, whose vectors ``compat`` judges itself), keyed by the
wire's name: how its SDK reads a body, folds a stream event, and what a stream adds up to.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gatewright.conformance.sse import ServerEvent
from gatewright.spec.answers import ANTHROPIC_STOP, OPENAI_FINISH, Finish
from gatewright.spec.wires import (
    ANTHROPIC_MESSAGES,
    DONE,
    OPENAI_CHAT,
    OPENAI_COMPLETIONS,
    OPENAI_RESPONSES,
    is_stream_end,
)

__all__ = [
    "READERS",
    "Observed",
    "ObservedCall",
    "ObservedChoice",
    "Unreadable",
    "WireReader",
    "read_body",
    "read_stream",
]

_FROM_OPENAI = {value: key for key, value in OPENAI_FINISH.items() if key is not Finish.STOP_SEQUENCE}
_FROM_ANTHROPIC = {value: key for key, value in ANTHROPIC_STOP.items()}


class Unreadable(ValueError):
    """The answer is not in the shape the wire's SDK parses."""


@dataclass(slots=True)
class ObservedCall:
    name: str
    arguments: str  # JSON text, as the SDK receives it (Anthropic's input re-serialized)
    id: str = ""


@dataclass(slots=True)
class ObservedChoice:
    index: int
    text: str | None = None
    calls: list[ObservedCall] = field(default_factory=list)
    finish: Finish | None = None
    finish_raw: Any = None


@dataclass(slots=True)
class Observed:
    choices: list[ObservedChoice] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    ids: set[str] = field(default_factory=set)
    ended: bool = True  # a stream's terminal event arrived
    events: int = 0


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Unreadable(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise Unreadable(f"{what} is not a list")
    return value


def _reader(wire: str) -> WireReader:
    reader = READERS.get(wire)
    if reader is None:
        raise Unreadable(f"no reader for wire {wire!r}")
    return reader


def read_body(wire: str, body: Any) -> Observed:
    """A non-streamed answer as the wire's SDK reads it."""
    body = _mapping(body, "the body")
    observed = Observed(usage=body.get("usage") if isinstance(body.get("usage"), Mapping) else None)
    if isinstance(body.get("id"), str):
        observed.ids.add(body["id"])
    observed.choices.extend(_reader(wire).body(body))
    return observed


def _openai_choices(wire: str, body: Mapping[str, Any]) -> list[ObservedChoice]:
    """A chat or legacy completion's ``choices``."""
    return [
        _openai_choice(wire, position, raw)
        for position, raw in enumerate(_list(body.get("choices"), "choices"))
    ]


def _openai_choice(wire: str, position: int, raw: Any) -> ObservedChoice:
    """One of ``choices``: a completion's text, or a chat message's content and tool calls."""
    choice = _mapping(raw, f"choices[{position}]")
    index = choice.get("index", position)
    finish = choice.get("finish_reason")
    seen = ObservedChoice(index, finish=_FROM_OPENAI.get(str(finish)), finish_raw=finish)
    if wire == OPENAI_COMPLETIONS.name:
        seen.text = choice.get("text")
        return seen
    message = _mapping(choice.get("message"), f"choices[{position}].message")
    seen.text = message.get("content")
    for call in message.get("tool_calls") or []:
        function = _mapping(_mapping(call, "a tool call").get("function"), "a tool call's function")
        seen.calls.append(
            ObservedCall(str(function.get("name")), str(function.get("arguments")), str(call.get("id")))
        )
    return seen


def _responses_output(body: Mapping[str, Any]) -> ObservedChoice:
    """A Responses answer's ``output``: function calls, the messages' text, the finish from ``status``."""
    seen = ObservedChoice(0)
    texts: list[str] = []
    for raw_item in _list(body.get("output"), "output"):
        item = _mapping(raw_item, "an output item")
        if item.get("type") == "function_call":
            seen.calls.append(
                ObservedCall(str(item.get("name")), str(item.get("arguments")), str(item.get("call_id")))
            )
        elif item.get("type") == "message":
            texts.extend(
                str(part.get("text", ""))
                for part in item.get("content") or []
                if isinstance(part, Mapping) and part.get("type") == "output_text"
            )
    seen.text = "".join(texts) if texts else None
    status = body.get("status")
    seen.finish_raw = status
    if status == "incomplete":
        seen.finish = Finish.LENGTH
    elif status == "completed":
        seen.finish = Finish.TOOL_CALLS if seen.calls else Finish.STOP
    return seen


def _anthropic_content(body: Mapping[str, Any]) -> ObservedChoice:
    """A Messages answer's ``content`` blocks: text joined, ``tool_use`` input re-serialized."""
    stop: Any = body.get("stop_reason")
    seen = ObservedChoice(0, finish=_FROM_ANTHROPIC.get(stop), finish_raw=stop)
    texts = []
    for raw_block in _list(body.get("content"), "content"):
        block = _mapping(raw_block, "a content block")
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif block.get("type") == "tool_use":
            seen.calls.append(
                ObservedCall(str(block.get("name")), json.dumps(block.get("input")), str(block.get("id")))
            )
    seen.text = "".join(texts) if texts else None
    return seen


@dataclass(slots=True)
class _Reassembly:
    """A stream being put back together as the SDK does: choices by index, tool calls by
    (choice index, call index), and (openai-responses) the response its terminal event carries."""

    wire: str
    observed: Observed = field(default_factory=lambda: Observed(ended=False))
    choices: dict[int, ObservedChoice] = field(default_factory=dict)
    calls: dict[tuple[int, int], ObservedCall] = field(default_factory=dict)
    final: Any = None


def read_stream(wire: str, events: Iterable[ServerEvent]) -> Observed:
    """Reassemble a stream as the SDK would; ``ended`` says whether its terminal event came."""
    reader = _reader(wire)
    state = _Reassembly(wire)
    for event in events:
        payload = _event_payload(state.observed, wire, event)
        if payload is not None:
            reader.fold(state, payload)
    return reader.assemble(state)


def _event_payload(observed: Observed, wire: str, event: ServerEvent) -> Mapping[str, Any] | None:
    """Count ``event``, note whether it ends the stream, and return its JSON object (None: ``[DONE]``)."""
    observed.events += 1
    if is_stream_end(wire, event.data, event.event):
        observed.ended = True
        if event.data.strip() == DONE:
            return None
    try:
        payload = json.loads(event.data)
    except ValueError:
        raise Unreadable(f"event {observed.events} is not JSON: {event.data[:80]!r}") from None
    if not isinstance(payload, Mapping):
        raise Unreadable(f"event {observed.events} is not a JSON object")
    if is_stream_end(wire, event.data, payload.get("type")):  # a data-only stream: named in the payload
        observed.ended = True
    return payload


def _fold_usage(state: _Reassembly, payload: Mapping[str, Any]) -> None:
    """An OpenAI event's usage, as sent (the last one wins)."""
    if isinstance(payload.get("usage"), Mapping):
        state.observed.usage = payload["usage"]


def _fold_openai_chunk(state: _Reassembly, payload: Mapping[str, Any]) -> None:
    """A chat or legacy completions chunk: its id and usage, then each choice's pieces."""
    if isinstance(payload.get("id"), str):
        state.observed.ids.add(payload["id"])
    _fold_usage(state, payload)
    for raw in payload.get("choices") or []:
        _fold_openai_choice(state, raw)


def _fold_responses_event(state: _Reassembly, payload: Mapping[str, Any]) -> None:
    """A Responses event: its usage, and the response a terminal event carries (read as a body at the end)."""
    _fold_usage(state, payload)
    if payload.get("type") in ("response.completed", "response.incomplete"):
        state.final = payload.get("response")


def _fold_openai_choice(state: _Reassembly, raw: Any) -> None:
    """A chunk's choice: its text (or chat delta's content), tool-call fragments, finish reason."""
    chat = state.wire == OPENAI_CHAT.name
    index = raw.get("index", 0) if isinstance(raw, Mapping) else 0
    seen = state.choices.setdefault(index, ObservedChoice(index))
    delta = raw.get("delta") or {} if chat else raw
    piece = delta.get("content") if chat else delta.get("text")
    if isinstance(piece, str):
        seen.text = (seen.text or "") + piece
    for fragment in delta.get("tool_calls") or [] if chat else []:
        key = (index, int(fragment.get("index", 0)))
        function = fragment.get("function") or {}
        call = state.calls.get(key)
        if call is None:
            call = state.calls[key] = ObservedCall("", "", "")
            seen.calls.append(call)
        call.id = fragment.get("id") or call.id
        call.name = function.get("name") or call.name
        call.arguments += function.get("arguments") or ""
    if raw.get("finish_reason") is not None:
        seen.finish_raw = raw["finish_reason"]
        seen.finish = _FROM_OPENAI.get(raw["finish_reason"])


def _fold_anthropic_event(state: _Reassembly, payload: Mapping[str, Any]) -> None:
    """A Messages stream event: the message's id and usage, content blocks, deltas, the stop reason."""
    observed = state.observed
    seen = state.choices.setdefault(0, ObservedChoice(0))
    kind = payload.get("type")
    if kind == "message_start":
        message = payload.get("message") or {}
        if isinstance(message.get("id"), str):
            observed.ids.add(message["id"])
        observed.usage = dict(message.get("usage") or {})
    elif kind == "content_block_start":
        block = payload.get("content_block") or {}
        if block.get("type") == "tool_use":
            call = ObservedCall(str(block.get("name")), "", str(block.get("id")))
            state.calls[(0, int(payload.get("index", 0)))] = call
            seen.calls.append(call)
    elif kind == "content_block_delta":
        delta = payload.get("delta") or {}
        if delta.get("type") == "text_delta":
            seen.text = (seen.text or "") + str(delta.get("text", ""))
        elif delta.get("type") == "input_json_delta":
            found = state.calls.get((0, int(payload.get("index", 0))))
            if found is not None:
                found.arguments += str(delta.get("partial_json", ""))
    elif kind == "message_delta":
        reason = (payload.get("delta") or {}).get("stop_reason")
        seen.finish_raw, seen.finish = reason, _FROM_ANTHROPIC.get(str(reason))
        if observed.usage is not None and isinstance(payload.get("usage"), Mapping):
            observed.usage.update(payload["usage"])


def _choices_assembled(state: _Reassembly) -> Observed:
    """What the stream added up to: the choices in index order."""
    state.observed.choices = [state.choices[i] for i in sorted(state.choices)]
    return state.observed


def _anthropic_assembled(state: _Reassembly) -> Observed:
    """The message's content, a tool call without input deltas given ``{}`` (as the SDK parses it)."""
    for seen in state.choices.values():
        for call in seen.calls:
            if not call.arguments:
                call.arguments = "{}"
    return _choices_assembled(state)


def _responses_assembled(state: _Reassembly) -> Observed:
    """The final response read as a body, when a terminal event carried it; else what the events said."""
    if state.final is None:
        return state.observed
    done = read_body(state.wire, state.final)
    done.ended, done.events = state.observed.ended, state.observed.events
    return done


@dataclass(frozen=True, slots=True)
class WireReader:
    """How one wire's SDK reads its answers: a body's choices, one stream event's payload folded into the
    reassembly, and what the reassembled stream adds up to."""

    body: Callable[[Mapping[str, Any]], list[ObservedChoice]]
    fold: Callable[[_Reassembly, Mapping[str, Any]], None]
    assemble: Callable[[_Reassembly], Observed]


READERS: dict[str, WireReader] = {
    OPENAI_CHAT.name: WireReader(
        partial(_openai_choices, OPENAI_CHAT.name), _fold_openai_chunk, _choices_assembled
    ),
    OPENAI_COMPLETIONS.name: WireReader(
        partial(_openai_choices, OPENAI_COMPLETIONS.name), _fold_openai_chunk, _choices_assembled
    ),
    OPENAI_RESPONSES.name: WireReader(
        lambda body: [_responses_output(body)], _fold_responses_event, _responses_assembled
    ),
    ANTHROPIC_MESSAGES.name: WireReader(
        lambda body: [_anthropic_content(body)], _fold_anthropic_event, _anthropic_assembled
    ),
}
