"""A set of (API, name) pairs that replicas share: what the mock remembers having done once.

The stored responses remember the response ids they gave out (``answers.response_store.IssuedIds``),
the task hooks the creates that made a task (``tasks.hooks.Started``). Each is a ``SharedKeySet``
with its own ``shared_name``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gatewright.mock.shared_values import KEY_SEP

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

__all__ = ["SharedKeySet"]

Pair = tuple[str, str]


class SharedKeySet:
    """(API, name) pairs, at most ``limit`` of them and ``budget`` bytes of their names (None: no
    bound; a pair past either is not kept). The byte budget is for a set whose names can be long: the
    bytes, not the count, are what each replica and Redis hold.

    Also a ``mock.shared.Shared`` store: key ``api\x1fname``, value true. A subclass names it
    (``shared_name``). A pair another replica kept is taken past the bounds (it is that replica's
    state), and counts towards them."""

    shared_name = ""

    def __init__(self, limit: int | None = None, *, budget: int | None = None) -> None:
        self.limit = limit
        self.budget = budget
        self.used = 0  # bytes of the names held
        self.ledger: Ledger | None = None
        self._pairs: set[Pair] = set()

    def add(self, pair: Pair) -> None:
        if pair in self._pairs or (self.limit is not None and len(self._pairs) >= self.limit):
            return
        if self.budget is not None and self.used + _size(pair) > self.budget:
            return
        self._pairs.add(pair)
        self.used += _size(pair)
        if self.ledger is not None:
            self.ledger.note(self.shared_name, f"{pair[0]}{KEY_SEP}{pair[1]}", True)

    def __contains__(self, pair: object) -> bool:
        return pair in self._pairs

    def __len__(self) -> int:
        return len(self._pairs)

    def clear(self) -> None:
        self._pairs.clear()
        self.used = 0

    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for first, second in list(self._pairs):
            yield f"{first}{KEY_SEP}{second}", True

    def shared_apply(self, key: str, value: Any) -> None:
        first, _, second = key.partition(KEY_SEP)
        pair = (first, second)
        if value is None:
            if pair in self._pairs:
                self._pairs.discard(pair)
                self.used -= _size(pair)
        elif pair not in self._pairs:
            self._pairs.add(pair)
            self.used += _size(pair)

    def shared_clear(self) -> None:
        self.clear()


def _size(pair: Pair) -> int:
    return len(pair[0].encode()) + len(pair[1].encode())
