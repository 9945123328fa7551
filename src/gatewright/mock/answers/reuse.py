"""Answers already composed, reused for the same request with fresh ids and time.

Everything of an LLM answer except its ids and ``created`` is a pure function of the
request (and the seed), so reading the prompt, composing, rendering, laying the body over
the spec's and validating it happen once per distinct request. A hit takes new ids from
the same ``IdSource`` in the order composing would have taken them (tool calls, then the
answer), so a seeded run gives the same bodies with or without the cache.

The key is everything that shapes the body: the operation, the negotiated schema, the
wire family and the request body's bytes (the parsed body is a function of them). A hit
gives the serialized body with the new ids written into the bytes (what a plain JSON
answer sends), or the body as a value (what a stream replays), copied only along the
paths of the fields that change: the rest is shared between answers, so nothing
downstream may mutate an answer body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gatewright.mock.render import dumps
from gatewright.spec.answers import Answer

__all__ = ["AnswerCache", "Reused"]

_ENTRIES = 512  # distinct requests kept (oldest dropped first)
_MAX_KEY = 16 * 1024  # larger requests are composed every time rather than held as keys
_TIME_KEYS = frozenset({"created", "created_at"})

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    body: dict[str, Any]
    raw: bytes  # ``body`` serialized as ``outcome.send`` would
    created: int
    ids: tuple[str, ...]  # in the order composing takes them from the IdSource
    fresh: tuple[tuple[Path, str], ...]  # string fields holding an id, with their text
    times: tuple[Path, ...]  # integer fields holding the answer's creation time
    time_names: tuple[bytes, ...]  # their names, as written in ``raw``


@dataclass(frozen=True, slots=True)
class Reused:
    """One reuse of a kept answer: its new ids and time, as bytes or as a value."""

    entry: _Entry
    renamed: dict[str, str]
    now: int

    def raw(self) -> bytes:
        entry = self.entry
        raw = entry.raw
        for old, new in self.renamed.items():
            raw = raw.replace(old.encode(), new.encode())
        for name in entry.time_names:  # the fields ``times`` holds, as ``dumps`` writes them
            raw = raw.replace(b'"%s":%d' % (name, entry.created), b'"%s":%d' % (name, self.now))
        return raw

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.entry.body
        for path, text in self.entry.fresh:
            renewed = text
            for old, new in self.renamed.items():
                renewed = renewed.replace(old, new)
            body = _replaced(body, path, renewed)
        for path in self.entry.times:
            body = _replaced(body, path, self.now)
        return body


class AnswerCache:
    def __init__(self, entries: int = _ENTRIES) -> None:
        self._entries: dict[bytes, _Entry] = {}
        self._size = entries

    @staticmethod
    def key(operation: str, pointer: str, wire: str, raw: bytes) -> bytes | None:
        """The cache key of a request with this body, or None where the body is too large to keep."""
        if not raw or len(raw) > _MAX_KEY:
            return None
        return b"\x00".join((operation.encode(), pointer.encode(), wire.encode(), raw))

    def get(self, key: bytes, next_id: Callable[[], str], now: int) -> Reused | None:
        """The answer kept for ``key``, with new ids (drawn from ``next_id``) and ``now``; or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        return Reused(entry, {old: next_id() for old in entry.ids}, now)

    def put(self, key: bytes, body: dict[str, Any], answer: Answer | None) -> None:
        """Keep ``body``, composed for ``answer`` (None: a body without ids or time, e.g. embeddings)."""
        ids: tuple[str, ...] = ()
        fresh: list[tuple[Path, str]] = []
        times: list[Path] = []
        if answer is not None:
            ids = (*(call.id for choice in answer.choices for call in choice.tool_calls), answer.id)
            created = answer.created

            def find(value: Any, path: Path) -> None:
                if isinstance(value, dict):
                    for name, item in value.items():
                        if name in _TIME_KEYS and item == created and type(item) is int:
                            times.append((*path, name))
                        else:
                            find(item, (*path, name))
                elif isinstance(value, list):
                    for index, item in enumerate(value):
                        find(item, (*path, index))
                elif isinstance(value, str) and any(old in value for old in ids):
                    fresh.append((path, value))

            find(body, ())
        if self._size <= 0:
            return
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        names = tuple(sorted({str(path[-1]).encode() for path in times}))
        self._entries[key] = _Entry(
            body, dumps(body), answer.created if answer else 0, ids, tuple(fresh), tuple(times), names
        )

    def clear(self) -> None:
        self._entries.clear()


def _replaced(node: Any, path: Path, value: Any) -> Any:
    """``node`` with ``value`` at ``path``: containers on the path copied, the rest shared."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = list(node) if isinstance(node, list) else dict(node)
    copy[head] = _replaced(node[head], rest, value)  # type: ignore[index]
    return copy
