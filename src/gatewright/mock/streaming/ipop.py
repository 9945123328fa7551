"""ipop agent-turn events (``GET /agent-turns/{request_id}/events``): numbered, resumable.

The spec documents only the transport: ``text/event-stream``, resume with the
``Last-Event-ID`` header or ``after_event_seq`` query. Every event therefore carries
``id: <event_seq>`` (so a standard SSE client resumes by itself) and a JSON body with
``event_seq``, the turn's ``lifecycle`` and, for output, a text ``delta``.

For a turn the task engine knows, the events are the lifecycle values it has been
through (``StreamContext.lifecycle``), then, once it succeeded, its text as deltas,
then its final lifecycle. The plan only ever grows at its end as the turn moves on,
so an ``event_seq`` means the same event on every connection and resuming works
mid-turn. A turn the engine does not know replays queued → running → deltas → the
body's final lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.streaming.events import SSEEvent, json_event, split_text
from gatewright.mock.streaming.registry import StreamContext

__all__ = ["agent_turn_events", "resume_point"]

_FINAL = ("completed", "failed", "canceled")


def resume_point(last_event_id: str | None, after_event_seq: int | str | None) -> int:
    """The last sequence number the client has seen (0 = from the start); the larger hint wins."""
    seen = 0
    for hint in (last_event_id, after_event_seq):
        try:
            seen = max(seen, int(str(hint).strip()))
        except (TypeError, ValueError):
            continue
    return seen


def _plan(body: Mapping[str, Any], context: StreamContext) -> list[dict[str, Any]]:
    text = context.text if context.text is not None else str(body.get("output_text") or "")
    if context.lifecycle:
        done = context.outcome is not None
        passed = context.lifecycle[:-1] if done else context.lifecycle
        final = context.lifecycle[-1] if done else None
        succeeded = context.outcome == "succeeded"
    else:  # a turn nobody created here: replay a whole successful (or the body's) turn
        passed = ("queued", "running")
        final = str(body.get("lifecycle") or "completed")
        final = final if final in _FINAL else "completed"
        succeeded = final == "completed"
    plan: list[dict[str, Any]] = [{"type": "lifecycle", "lifecycle": word} for word in passed]
    if final is not None:
        if succeeded:
            working = passed[-1] if passed else final
            plan += [
                {"type": "output_text.delta", "lifecycle": working, "delta": piece}
                for piece in split_text(text)
            ]
        plan.append({"type": "lifecycle", "lifecycle": final, "final": True})
    return plan


def agent_turn_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    request_id = str(body.get("request_id", "turn_mock"))
    for seq, fields in enumerate(_plan(body, context), start=1):
        if seq <= context.resume_after:
            continue
        payload = {"object": "agent_turn.event", "request_id": request_id, "event_seq": seq, **fields}
        yield json_event(payload, event=fields["type"], id=str(seq))
