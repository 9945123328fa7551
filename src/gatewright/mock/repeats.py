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

from collections import Counter, OrderedDict
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
    """Answers kept per request key for one API (oldest dropped first).

    Most requests carry a body never seen before (an agent's next turn), so the body's bytes are
    looked up first, in a count of the bodies kept: a request with an unknown body costs one
    lookup, and only one whose body is kept has its whole key built."""

    def __init__(self, entries: int = _ENTRIES) -> None:
        self._known: OrderedDict[Key, _Known] = OrderedDict()  # oldest first, dropped in constant time
        self._bodies: Counter[bytes] = Counter()  # the body of each kept key (the key's last part)
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

    def answer(self, op: MockOperation, request: web.Request, raw: bytes) -> web.Response | None:
        """The answer kept for this request given again (same status and headers, new body); or None."""
        if raw not in self._bodies:
            return None
        key = self.key(op, request, raw)
        known = self._known.get(key)
        if known is None:
            return None
        body = known.again()
        if body is None:
            self._drop(key)
            return None
        return web.Response(status=known.status, body=body, headers=known.headers)

    def keep(
        self,
        op: MockOperation,
        request: web.Request,
        raw: bytes,
        outcome: JsonOutcome,
        extra: tuple[tuple[str, str], ...],
    ) -> None:
        """Keep ``outcome`` (sent with ``extra``) for this request if it says how to give it again."""
        if outcome.again is None or self._size <= 0:
            return
        key = self.key(op, request, raw)
        if key in self._known:
            self._drop(key)
        elif len(self._known) >= self._size:
            self._drop(next(iter(self._known)))
        self._known[key] = _Known(outcome.again, outcome.status, headers_of(outcome, extra))
        self._bodies[raw] += 1

    def _drop(self, key: Key) -> None:
        del self._known[key]
        body = key[-1]
        assert isinstance(body, bytes)
        self._bodies[body] -= 1
        if not self._bodies[body]:
            del self._bodies[body]
