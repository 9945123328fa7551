"""The byte budget of the resources the mock keeps (``--max-store-bytes``): what creates, upserts,
open creates and updates put in the ``ResourceStore``, each item counted as its JSON.

Past the budget a write is refused (``StoreBudgetExceeded``; the caller answers 413 in the API's
envelope) and nothing kept is dropped to make room: the rule of the closest budget, the uploads'
(``mock.blobs``), whose files are items of this same store. An item is something a test made and
reads back, so losing the oldest silently, as the journal and the stored responses do with what
only looks back at traffic, would turn a later read into a 404 nobody asked for. A delete or
``POST /__gatewright/reset`` frees room. Fixtures are configuration and cost nothing; an item another
replica kept is held whatever it costs (each replica holds every item, and applies the budget to
the writes it takes itself).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from gatewright.mock.blobs import BudgetExceeded
from gatewright.mock_options import DEFAULTS

__all__ = ["DEFAULT_STORE_BUDGET", "ItemBudget", "StoreBudgetExceeded", "size_of"]

DEFAULT_STORE_BUDGET = DEFAULTS.store_budget  # bytes of kept resources (``--max-store-bytes``)

Key = tuple[str, str]  # (collection, id)


class StoreBudgetExceeded(BudgetExceeded):
    """The item does not fit in what is left of the store's budget."""


def size_of(body: Any) -> int:
    """What an item costs: the bytes of its JSON (the standard library's for what orjson refuses)."""
    try:
        return len(orjson.dumps(body))
    except TypeError:
        return len(json.dumps(body, default=str).encode())


class ItemBudget:
    """The bytes each kept item costs, and their sum against ``budget``."""

    __slots__ = ("_sizes", "budget", "used")

    def __init__(self, budget: int = DEFAULT_STORE_BUDGET) -> None:
        self.budget = budget
        self.used = 0
        self._sizes: dict[Key, int] = {}

    def charge(self, key: Key, body: Any, *, budgeted: bool = True) -> None:
        """Count ``body`` as the item at ``key`` (in place of what it was); ``StoreBudgetExceeded``, with
        nothing counted, when it does not fit and ``budgeted`` (False: held whatever it costs)."""
        size = size_of(body)
        after = self.used - self._sizes.get(key, 0) + size
        if budgeted and after > self.budget and size > self._sizes.get(key, 0):
            raise StoreBudgetExceeded(
                f"the mock keeps at most {self.budget} bytes of resources ({self.used} in use); "
                f"this one is {size} bytes (--max-store-bytes)"
            )
        self._sizes[key] = size
        self.used = after

    def free(self, key: Key) -> None:
        self.used -= self._sizes.pop(key, 0)

    def clear(self) -> None:
        self._sizes.clear()
        self.used = 0
