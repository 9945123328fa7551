"""Answers already composed, reused for the same request with fresh ids and time.

Everything of an LLM answer except its ids and ``created`` is a pure function of the
request (and the seed), so reading the prompt, composing, rendering, laying the body over
the spec's and validating it happen once per distinct request. A hit takes new ids from
the same ``IdSource`` in the order composing would have taken them (tool calls, then the
answer), so a seeded run gives the same bodies with or without the cache.

A body is kept the second time its request is seen: most requests come once (an agent's next
turn carries the whole conversation so far), and one that comes once should cost nothing to keep.
The first sighting is remembered by the key's hash alone (a bounded set of numbers, not the
requests themselves). A request that does come again is composed twice, then reused.

The key is everything that shapes the body: the operation, the negotiated schema, the
wire family and the request body's bytes (the parsed body is a function of them). Keys and
answers together stay within a byte budget (the oldest go first; an answer larger than a
quarter of it is composed every time), so large answers cannot grow the mock. What is
kept is the body serialized (as ``outcome.send`` writes it): a hit writes the new ids and
time into those bytes, and a stream, which needs the body as a value, parses them. Ids are
unique random strings, so replacing them in the text touches nothing else; the time is
replaced only as the value of a ``created``/``created_at`` member (an escaped quote inside
a string cannot look like a member name).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gatewright.mock.render import dumps
from gatewright.spec.answers import Answer

__all__ = ["AnswerCache", "Key"]

Key = tuple[str, str, str, bytes]  # (operation, response schema pointer, wire, request body)

_ENTRIES = 512  # distinct requests kept (oldest dropped first)
_BUDGET = 32 * 1024 * 1024  # bytes of keys and answers kept (oldest dropped first)
_SEEN = 4096  # requests seen once, remembered by their key's hash (oldest forgotten first)
_MAX_KEY = 16 * 1024  # larger requests are composed every time rather than held as keys
_TIME_MEMBERS = (b'"created":', b'"created_at":')  # the members holding the answer's creation time


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class _Entry:
    raw: bytes  # the body serialized as ``outcome.send`` would
    size: int  # bytes it holds, with its key
    # The answer's ids (its tool calls', then its own: the order composing takes them from the IdSource)
    # and creation time, until the first reuse finds them in ``raw``: most answers are never reused, and
    # a request that comes once pays nothing for it.
    drawn: tuple[str, ...] = ()
    created: int | None = None
    ids: tuple[bytes, ...] = ()  # ``drawn`` as written in ``raw``
    times: tuple[tuple[bytes, bytes], ...] = ()  # each time member as written in ``raw``, and its ``"name":``

    def placed(self) -> _Entry:
        """This entry once where its ids and time are in ``raw`` is known (found once, on first reuse)."""
        if self.created is not None:
            self.ids = tuple(drawn.encode() for drawn in self.drawn)
            created = b"%d" % self.created
            self.times = tuple(
                (member + created, member) for member in _TIME_MEMBERS if member + created in self.raw
            )
            self.drawn, self.created = (), None
        return self


class AnswerCache:
    def __init__(self, entries: int = _ENTRIES, budget: int = _BUDGET) -> None:
        # Both drop their oldest as new ones come: an OrderedDict drops it in constant time, where a
        # dict's first live item is found by scanning past every slot freed before it (microseconds a
        # request once thousands are).
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._seen: OrderedDict[int, None] = OrderedDict()  # hashes of keys seen once (an ordered set)
        self._size = entries
        self._budget = budget
        self._used = 0

    @staticmethod
    def key(operation: str, pointer: str, wire: str, raw: bytes) -> Key | None:
        """The cache key of a request with this body, or None where the body is too large to keep."""
        if not raw or len(raw) > _MAX_KEY:
            return None
        return (operation, pointer, wire, raw)

    def get(self, key: Key, next_id: Callable[[], str], now: Callable[[], int]) -> bytes | None:
        """The answer kept for ``key``, serialized, with new ids (drawn from ``next_id``) and the time
        ``now`` tells (asked only of an answer kept: most requests are new)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        entry = entry.placed()
        raw = entry.raw
        for old in entry.ids:
            raw = raw.replace(old, next_id().encode())
        if entry.times:
            written_now = now()
            for written, member in entry.times:
                raw = raw.replace(written, b"%s%d" % (member, written_now))
        return raw

    def put(self, key: Key, body: dict[str, Any], answer: Answer | None) -> tuple[bytes, bool]:
        """``body`` serialized (what to send this time), composed for ``answer`` (None: a body without
        ids or time, e.g. embeddings), and whether it is now kept: on its key's second sighting."""
        raw = dumps(body)
        size = len(key[3]) + len(raw)
        if self._size <= 0 or size > self._budget // 4:
            return raw, False
        sighting = hash(key)
        if sighting not in self._seen:
            if len(self._seen) >= _SEEN:
                self._seen.popitem(last=False)
            self._seen[sighting] = None
            return raw, False
        replaced = self._entries.pop(key, None)
        self._used -= replaced.size if replaced is not None else 0
        while self._entries and (len(self._entries) >= self._size or self._used + size > self._budget):
            self._used -= self._entries.popitem(last=False)[1].size
        if answer is None:
            self._entries[key] = _Entry(raw, size)
        else:
            calls = [call.id for choice in answer.choices if choice.tool_calls for call in choice.tool_calls]
            self._entries[key] = _Entry(raw, size, (*calls, answer.id), answer.created)
        self._used += size
        return raw, True

    def clear(self) -> None:
        self._entries.clear()
        self._seen.clear()
        self._used = 0
