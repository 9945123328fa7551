"""ipop agent-turn events (``GET /agent-turns/{request_id}/events``): numbered, resumable.

The spec documents only the transport: ``text/event-stream``, resume with the
``Last-Event-ID`` header or ``after_event_seq`` query. Every event therefore carries
``id: <event_seq>`` (so a standard SSE client resumes by itself) and a JSON body with
``event_seq``, the turn's ``lifecycle`` and, for output, a text ``delta``.

For a turn the task engine knows, the events are the lifecycle values it has been
through (``StreamContext.lifecycle``), then, once it succeeded, its text as deltas,
then its final lifecycle. The plan only ever grows at its end as the turn moves on,
so an ``event_seq`` means the same event on every connection and resuming works
mid-turn. A turn the engine does not know replays its initial and running words →
deltas → the body's final lifecycle (else its succeeded word).

The turn's words come from the spec's task declaration (through the engine's task,
``StreamContext.lifecycle``) where one backs the stream, else from the wire's data
(``specs/wires/ipop-agent-events.json``: the status member, its words per phase, the
member that marks the last event), as do the event payloads' schemas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.sse.events import SSEEvent, json_event, split_text
from gatewright.mock.streaming.registry import StreamContext
from gatewright.spec.errors import SpecError
from gatewright.spec.tasks import Phase
from gatewright.spec.wire_streams import StreamStatus
from gatewright.spec.wires import IPOP_AGENT_EVENTS

__all__ = ["agent_turn_events", "resume_point"]

_STATUS_EVENT = "lifecycle"  # the event types of the wire's data (its event schemas describe them)
_TEXT_EVENT = "output_text.delta"


def resume_point(last_event_id: str | None, after_event_seq: int | str | None) -> int:
    """The last sequence number the client has seen (0 = from the start); the larger hint wins."""
    seen = 0
    for hint in (last_event_id, after_event_seq):
        try:
            seen = max(seen, int(str(hint).strip()))
        except (TypeError, ValueError):
            continue
    return seen


def _wire_words() -> tuple[StreamStatus, str]:
    """The wire's status member and words, and the member that marks a turn's last event."""
    stream = IPOP_AGENT_EVENTS.data.stream
    if stream is None or stream.status is None or stream.end is None or stream.end.field is None:
        raise SpecError(f"the wire data of {IPOP_AGENT_EVENTS.name} names no status words or last event")
    return stream.status, stream.end.field


def _plan(body: Mapping[str, Any], context: StreamContext) -> list[dict[str, Any]]:
    text = context.text if context.text is not None else str(body.get("output_text") or "")
    status, last = _wire_words()
    if context.lifecycle:  # the task's words, as the spec declares them
        done = context.outcome is not None
        passed = context.lifecycle[:-1] if done else context.lifecycle
        final = context.lifecycle[-1] if done else None
        succeeded = context.outcome == Phase.SUCCEEDED.value
    else:  # a turn nobody created here: replay a whole successful (or the body's) turn in the wire's words
        states = status.states
        passed = (states.status_for(Phase.INITIAL), states.status_for(Phase.RUNNING))
        shown = body.get(status.field)
        final = shown if shown in states.terminal else states.status_for(Phase.SUCCEEDED)
        succeeded = states.phase_of(final) is Phase.SUCCEEDED
    plan: list[dict[str, Any]] = [{"type": _STATUS_EVENT, status.field: word} for word in passed]
    if final is not None:
        if succeeded:
            working = passed[-1] if passed else final
            plan += [
                {"type": _TEXT_EVENT, status.field: working, "delta": piece} for piece in split_text(text)
            ]
        plan.append({"type": _STATUS_EVENT, status.field: final, last: True})
    return plan


def agent_turn_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    request_id = str(body.get("request_id", "turn_mock"))
    for seq, fields in enumerate(_plan(body, context), start=1):
        if seq <= context.resume_after:
            continue
        payload = {"object": "agent_turn.event", "request_id": request_id, "event_seq": seq, **fields}
        yield json_event(payload, event=fields["type"], id=str(seq))
