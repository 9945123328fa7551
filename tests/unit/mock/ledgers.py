"""Two real Ledgers on one namespace of a real redis-server, each with a minimal shared store: what
the tests of the replication itself (tombstones, resets missed in an outage) drive."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from gatewright.mock.shared import Ledger


class Keys:
    """A minimal shared store (``mock.shared.Shared``): keys and JSON values; ``reset`` is what the
    app's reset does to it (counted)."""

    shared_name = "keys"

    def __init__(self) -> None:
        self.ledger: Ledger | None = None
        self.items: dict[str, Any] = {}
        self.resets = 0

    def put(self, key: str, value: Any) -> None:
        self.items[key] = value
        assert self.ledger is not None
        self.ledger.note(self.shared_name, key, value)

    def delete(self, key: str) -> None:
        self.items.pop(key, None)
        assert self.ledger is not None
        self.ledger.note(self.shared_name, key, None)

    def reset(self) -> None:
        self.resets += 1
        self.items.clear()

    def shared_items(self) -> Iterable[tuple[str, Any]]:
        return list(self.items.items())

    def shared_apply(self, key: str, value: Any) -> None:
        if value is None:
            self.items.pop(key, None)
        else:
            self.items[key] = value

    def shared_clear(self) -> None:
        self.items.clear()


Pair = tuple[Ledger, Keys, Ledger, Keys, str]


@asynccontextmanager
async def ledger_pair(redis_url: str, name: str, **options: Any) -> AsyncIterator[Pair]:
    """Replicas 0 and 1 of a fresh namespace (``name`` and a random suffix), caught up: (ledger a, its
    store, ledger b, its store, the prefix)."""
    prefix = f"{name}-{uuid.uuid4().hex[:8]}"
    made = []
    for replica in (0, 1):
        keys = Keys()
        ledger = Ledger(
            redis_url, prefix, replica, journal_bytes=1 << 20, journal_size=10, on_reset=keys.reset, **options
        )
        ledger.register(keys)
        await ledger.sync()
        made.append((ledger, keys))
    (a, keys_a), (b, keys_b) = made
    try:
        yield a, keys_a, b, keys_b, prefix
    finally:
        for ledger, _ in made:
            await ledger.close()
