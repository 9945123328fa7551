"""The kept Responses answers: a bounded store of what a create answered, and the ids it gave out.

``ResponseStore`` keeps each response's body and input items per (API, response id) in creation
order, the oldest dropped past a count or a byte budget; ``IssuedIds`` remembers every id given out,
so a ``previous_response_id`` naming one no longer kept is told apart from one never given. Both are
shared by replicas (``mock.shared``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gatewright.mock.keyset import SharedKeySet
from gatewright.mock.shared_values import KEY_SEP, Packed

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

__all__ = ["IssuedIds", "Key", "ResponseStore", "Stored"]

_ENTRIES = 4096  # responses kept at once
_BUDGET = 64 * 1024 * 1024  # bytes of kept responses and their input items

Key = tuple[str, str]  # (api, response id)


@dataclass(frozen=True, slots=True)
class Stored:
    body: bytes  # the response as answered (a background one: as it ends when it succeeds)
    items: bytes  # the request's input items, a JSON list
    background: bool  # runs as the engine's task named by the response id

    @property
    def size(self) -> int:
        return len(self.body) + len(self.items)


class ResponseStore:
    """Responses kept per (API, id) in creation order, the oldest dropped past ``entries`` or
    ``budget`` bytes.

    Also a ``mock.shared.Shared`` store: key ``api\x1fid``, value ``Packed({"background", "body"},
    body + items)`` (``body``: how many of the bytes are the body). Each replica applies the bounds to
    what it holds, so one that takes a response drops its oldest as the replica that kept it did."""

    shared_name = "responses"

    def __init__(self, entries: int = _ENTRIES, budget: int = _BUDGET) -> None:
        self._kept: OrderedDict[Key, Stored] = OrderedDict()  # oldest first (found in constant time)
        self._entries = entries
        self.budget = budget
        self.used = 0  # bytes held
        self.ledger: Ledger | None = None

    def put(self, key: Key, stored: Stored) -> list[tuple[Key, Stored]]:
        """Keep ``stored`` under ``key``; returns what was dropped to make room (``stored`` itself
        when it can never fit)."""
        replaced = self._pop(key)
        dropped = self._put(key, stored)
        if self.ledger is not None:
            for gone, _ in dropped:
                if gone != key or replaced is not None:
                    self._note(gone, None)
            if not dropped or dropped[-1][0] != key:
                self._note(key, stored)
        return dropped

    def _put(self, key: Key, stored: Stored) -> list[tuple[Key, Stored]]:
        if stored.size > self.budget or self._entries <= 0:
            return [(key, stored)]
        dropped: list[tuple[Key, Stored]] = []
        while self._kept and (len(self._kept) >= self._entries or self.used + stored.size > self.budget):
            oldest = next(iter(self._kept))
            dropped.append((oldest, self._kept[oldest]))
            self._pop(oldest)
        self._kept[key] = stored
        self.used += stored.size
        return dropped

    def get(self, key: Key) -> Stored | None:
        return self._kept.get(key)

    def pop(self, key: Key) -> Stored | None:
        stored = self._pop(key)
        if stored is not None and self.ledger is not None:
            self._note(key, None)
        return stored

    def _pop(self, key: Key) -> Stored | None:
        stored = self._kept.pop(key, None)
        if stored is not None:
            self.used -= stored.size
        return stored

    # shared with other replicas (``mock.shared``)
    def _note(self, key: Key, stored: Stored | None) -> None:
        assert self.ledger is not None
        self.ledger.note(
            self.shared_name, f"{key[0]}{KEY_SEP}{key[1]}", None if stored is None else _packed(stored)
        )

    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for (api, response_id), stored in list(self._kept.items()):
            yield f"{api}{KEY_SEP}{response_id}", _packed(stored)

    def shared_apply(self, key: str, value: Any) -> None:
        api, _, response_id = key.partition(KEY_SEP)
        self._pop((api, response_id))
        if isinstance(value, Packed):
            size = int(value.meta["body"])
            stored = Stored(value.data[:size], value.data[size:], bool(value.meta["background"]))
            self._put((api, response_id), stored)

    def shared_clear(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._kept.clear()
        self.used = 0

    def __len__(self) -> int:
        return len(self._kept)


def _packed(stored: Stored) -> Packed:
    return Packed({"background": stored.background, "body": len(stored.body)}, stored.body + stored.items)


class IssuedIds(SharedKeySet):
    """The (API, response id)s this mock gave out (a ``previous_response_id`` naming one it no longer
    keeps is a 400), at most ``limit``. Shared by replicas under ``responses.issued``."""

    shared_name = "responses.issued"

    def __init__(self, limit: int = 1_000_000) -> None:
        super().__init__(limit)
