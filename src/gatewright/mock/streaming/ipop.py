"""ipop agent-turn events (``GET /agent-turns/{request_id}/events``): numbered, resumable.

The spec documents only the transport: ``text/event-stream``, resume with the
``Last-Event-ID`` header or ``after_event_seq`` query. Every event therefore carries
``id: <event_seq>`` (so a standard SSE client resumes by itself) and a JSON body with
``event_seq``, the turn's ``lifecycle`` and, for output, a text ``delta``. The stream
replays the turn: queued → running → streaming deltas → the body's final lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.streaming.events import SSEEvent, json_event, split_text
from gatewright.mock.streaming.registry import StreamContext

__all__ = ["agent_turn_events", "resume_point"]


def resume_point(last_event_id: str | None, after_event_seq: int | str | None) -> int:
    """The last sequence number the client has seen (0 = from the start); the larger hint wins."""
    seen = 0
    for hint in (last_event_id, after_event_seq):
        try:
            seen = max(seen, int(str(hint).strip()))
        except (TypeError, ValueError):
            continue
    return seen


def agent_turn_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    request_id = str(body.get("request_id", "turn_mock"))
    final = str(body.get("lifecycle") or "completed")
    if final not in ("completed", "failed", "canceled"):
        final = "completed"
    text = context.text if context.text is not None else str(body.get("output_text") or "")
    plan: list[dict[str, Any]] = [
        {"type": "lifecycle", "lifecycle": "queued"},
        {"type": "lifecycle", "lifecycle": "running"},
    ]
    plan += [
        {"type": "output_text.delta", "lifecycle": "streaming", "delta": piece} for piece in split_text(text)
    ]
    plan.append({"type": "lifecycle", "lifecycle": final, "final": True})
    for seq, fields in enumerate(plan, start=1):
        if seq <= context.resume_after:
            continue
        payload = {"object": "agent_turn.event", "request_id": request_id, "event_seq": seq, **fields}
        yield json_event(payload, event=fields["type"], id=str(seq))
