"""Byte-identical requests answered again without running the pipeline a second time.

Test suites and retries send the same request many times. When a stage's answer says how
to give it again (``JsonOutcome.again``: an LLM answer kept by the answer cache, given
with fresh ids and time), the pipeline keeps that under everything of the request any
stage reads, and the next identical request skips validation, negotiation and the hooks:
each would decide exactly as it did the first time, because

- the key holds the operation, the raw path with its query, the headers validation and
  negotiation read (``Content-Type``, ``Accept``, ``Prefer``, the operation's declared
  header parameters, ``Cookie`` where it declares cookies) and the body's bytes;
- an operation is eligible only when every extension bound to it decides by the request
  alone (``Extension.repeatable``: not task state, not a replay sequence);
- nothing is kept or reused while rules or run-wide faults are installed (the pipeline
  checks ``RuleBook.active``).

Authentication still runs on every request, and the journal and the request log record
a repeat like any other request. ``again`` returns None once its answer is no longer kept
(a reset, or the answer cache dropped it); the request then takes the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from multidict import CIMultiDict

from gatewright.mock.outcome import JsonOutcome, headers_of

if TYPE_CHECKING:
    from gatewright.mock.operations import MockOperation

__all__ = ["Again", "Key", "Repeats"]

Again = Callable[[], bytes | None]
Key = tuple[object, ...]
_ENTRIES = 512


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class _Known:
    again: Again  # the body's bytes once more (None: no longer kept)
    status: int
    headers: CIMultiDict[str]  # everything the first answer was sent with (copied by each response)


class Repeats:
    """Answers kept per request key for one API (oldest dropped first)."""

    def __init__(self, entries: int = _ENTRIES) -> None:
        self._known: dict[Key, _Known] = {}
        self._size = entries

    @staticmethod
    def key(op: MockOperation, request: web.Request, raw: bytes) -> Key:
        """Everything of ``request`` that validation, negotiation and the hooks of ``op`` read."""
        headers = request.headers
        return (
            op.operation_id,
            request.raw_path,
            headers.get("Content-Type"),
            headers.get("Accept"),
            headers.get("Prefer"),
            *[headers.get(name) for name in op.validator.header_names],
            headers.get("Cookie") if op.validator.reads_cookies else None,
            raw,
        )

    def answer(self, key: Key) -> web.Response | None:
        """The kept answer given again (same status and headers, new body); or None."""
        known = self._known.get(key)
        if known is None:
            return None
        body = known.again()
        if body is None:
            del self._known[key]
            return None
        return web.Response(status=known.status, body=body, headers=known.headers)

    def keep(self, key: Key, outcome: JsonOutcome, extra: tuple[tuple[str, str], ...]) -> None:
        """Keep ``outcome`` (sent with ``extra``) for ``key`` if it says how to give it again."""
        if outcome.again is None or self._size <= 0:
            return
        if key not in self._known and len(self._known) >= self._size:
            self._known.pop(next(iter(self._known)))
        self._known[key] = _Known(outcome.again, outcome.status, headers_of(outcome, extra))
