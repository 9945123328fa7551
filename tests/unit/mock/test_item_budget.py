"""The resource store's byte budget (``mock.item_budget``) without a socket: what counts, what frees,
and what another replica kept."""

from __future__ import annotations

import pytest

from gatewright.mock.item_budget import StoreBudgetExceeded, size_of
from gatewright.mock.shared_values import KEY_SEP
from gatewright.mock.state import ResourceStore

BODY = {"id": "a", "text": "x" * 100}


def test_writes_count_their_json_and_deletes_and_resets_free_it() -> None:
    store = ResourceStore(store_budget=3 * size_of(BODY))
    for n in range(3):
        store.put("api:/items", str(n), dict(BODY))
    assert store.budget.used == 3 * size_of(BODY)
    with pytest.raises(StoreBudgetExceeded, match="--max-store-bytes"):
        store.put("api:/items", "3", dict(BODY))
    with pytest.raises(StoreBudgetExceeded):
        store.update("api:/items", "0", {"more": "y"})
    assert store.get("api:/items", "3") is None and "more" not in (store.get("api:/items", "0") or {})
    store.put("api:/items", "0", {"id": "a"})  # smaller in place of itself: fits
    store.delete("api:/items", "1")
    store.put("api:/items", "3", dict(BODY))
    store.reset()
    assert store.budget.used == 0


def test_an_item_another_replica_kept_is_held_and_counted() -> None:
    store = ResourceStore(store_budget=size_of(BODY))
    store.shared_apply(f"api:/items{KEY_SEP}a", {"item": dict(BODY), "at": 1})
    store.shared_apply(f"api:/items{KEY_SEP}b", {"item": dict(BODY), "at": 2})
    assert store.get("api:/items", "b") == BODY and store.budget.used == 2 * size_of(BODY)
    with pytest.raises(StoreBudgetExceeded):
        store.put("api:/items", "c", {"id": "c"})
    store.shared_apply(f"api:/items{KEY_SEP}a", {"deleted": True})
    store.shared_apply(f"api:/items{KEY_SEP}b", None)
    assert store.budget.used == 0
