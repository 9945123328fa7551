"""The resource store: what clients created, for the life of the process.

Resources live in collections named by their path template (``/v1/files``)
and keep insertion order so lists come back in creation order. Deleted ids
are remembered so a fetch after delete is a 404, never a freshly generated
body. ``reset()`` forgets everything clients did.

Fixtures are the items a fresh mock already holds (what a list shows before
anyone creates anything, see ``fixtures``): they read, list, update and delete
like created items, and ``reset()`` brings them back. The snapshot shows only
what clients created or changed.

The store also numbers creates (``create_salt``): generated bodies are salted
with that number so each create gets fresh ids, and ``reset()`` restarts it, so
a mock started with ``--seed`` answers the same requests with the same bodies
after a reset as it did when it started.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from gatewright.mock.blobs import DEFAULT_BUDGET, BlobStore
from gatewright.mock.idempotency import IdempotentAnswers
from gatewright.mock.item_budget import DEFAULT_STORE_BUDGET, ItemBudget
from gatewright.mock.shared_values import KEY_SEP

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger


class ResourceStore:
    """Also a ``mock.shared.Shared`` store: with replicas, each (collection, id) is one shared key whose
    value is ``{"item": body, "at": ns}`` (``at``: when it was first put, which orders a reloaded
    list) or ``{"deleted": true}``; fixtures are every replica's own configuration, not shared."""

    shared_name = "resources"

    def __init__(
        self,
        upload_budget: int = DEFAULT_BUDGET,
        *,
        store_budget: int = DEFAULT_STORE_BUDGET,
        replica: int = 0,
    ) -> None:
        self.replica = replica  # among replicas sharing state (``mock.shared``); 0 for a mock of its own
        self.blobs = BlobStore(upload_budget)  # uploaded bytes, by the id of the resource they belong to
        self.budget = ItemBudget(store_budget)  # what the items cost (``--max-store-bytes``)
        self.idempotent = IdempotentAnswers()  # answers kept per idempotency key
        self.ledger: Ledger | None = None
        self._items: dict[str, dict[str, dict[str, Any]]] = {}
        self._deleted: dict[str, set[str]] = {}
        self._held: set[str] = set()  # collections an item was ever put into (since reset): see ``holds``
        self._fixtures: dict[str, dict[str, dict[str, Any]]] = {}
        self._born: dict[tuple[str, str], int] = {}  # with replicas only: when each item was first put
        self._unordered: set[str] = set()  # collections another replica's items came into out of order
        self._creates = 0

    def add_fixtures(self, collection: str, items: Mapping[str, dict[str, Any]]) -> None:
        """Items the collection holds from the start (kept by ``reset``)."""
        self._fixtures.setdefault(collection, {}).update(items)

    def put(self, collection: str, resource_id: str, body: dict[str, Any], *, budgeted: bool = True) -> None:
        """Keep ``body``; ``StoreBudgetExceeded``, nothing kept, past the budget (``budgeted=False``: an
        item the mock makes itself, kept whatever it costs)."""
        self.budget.charge((collection, resource_id), body, budgeted=budgeted)
        self._items.setdefault(collection, {})[resource_id] = body
        self._held.add(collection)
        self._deleted.get(collection, set()).discard(resource_id)
        if self.ledger is not None:
            self._note_item(collection, resource_id, body)

    def get(self, collection: str, resource_id: str) -> dict[str, Any] | None:
        found = self._items.get(collection, {}).get(resource_id)
        if found is None and not self.was_deleted(collection, resource_id):
            found = self._fixtures.get(collection, {}).get(resource_id)
        return found

    def find(self, namespace: str, resource_id: str) -> tuple[str, dict[str, Any]] | None:
        """A resource with this id in any collection of ``namespace`` (``"<api>:"``): links cross paths."""
        for collection, items in self._items.items():
            if collection.startswith(namespace) and resource_id in items:
                return collection, items[resource_id]
        for collection, items in self._fixtures.items():
            if (
                collection.startswith(namespace)
                and resource_id in items
                and not self.was_deleted(collection, resource_id)
            ):
                return collection, items[resource_id]
        return None

    def update(
        self, collection: str, resource_id: str, changes: dict[str, Any], *, budgeted: bool = True
    ) -> dict[str, Any] | None:
        """The item changed (None: none), within the budget as ``put``."""
        current = self.get(collection, resource_id)
        if current is None:
            return None
        self.budget.charge((collection, resource_id), {**current, **changes}, budgeted=budgeted)
        items = self._items.setdefault(collection, {})
        if resource_id not in items:  # a fixture: the change is the client's, the fixture stays as it was
            current = items[resource_id] = dict(current)
        current.update(changes)
        if self.ledger is not None:
            self._note_item(collection, resource_id, current)
        return current

    def delete(self, collection: str, resource_id: str) -> bool:
        existed = self.get(collection, resource_id) is not None
        self._items.get(collection, {}).pop(resource_id, None)
        self.budget.free((collection, resource_id))
        self._deleted.setdefault(collection, set()).add(resource_id)
        if self.ledger is not None:
            self._born.pop((collection, resource_id), None)
            self.ledger.note(self.shared_name, f"{collection}{KEY_SEP}{resource_id}", self._gone(collection))
        return existed

    def was_deleted(self, collection: str, resource_id: str) -> bool:
        return resource_id in self._deleted.get(collection, set())

    def list(self, collection: str) -> list[dict[str, Any]]:
        """Fixtures (as changed, unless deleted), then what clients created, in creation order."""
        if collection in self._unordered:
            self._unordered.discard(collection)
            held = self._items[collection]
            ordered = sorted(held.items(), key=lambda item: self._born.get((collection, item[0]), 0))
            held.clear()
            held.update(ordered)
        items = self._items.get(collection, {})
        deleted = self._deleted.get(collection, set())
        fixtures = self._fixtures.get(collection, {})
        kept = [items.get(key, body) for key, body in fixtures.items() if key not in deleted]
        return kept + [body for key, body in items.items() if key not in fixtures]

    def has_collection(self, collection: str) -> bool:
        return bool(self.list(collection))

    def known(self, collection: str) -> bool:
        """The collection has fixtures or has been written to: its list answers from the store."""
        return bool(
            self._fixtures.get(collection) or self._items.get(collection) or self._deleted.get(collection)
        )

    def holds(self, collection: str) -> bool:
        """The collection has fixtures or has held an item since reset: what it holds can be told. An
        untracked collection that only saw deletes cannot (its other ids are as unknown as before);
        one emptied by deletes can (its other ids stay unknown)."""
        return bool(self._fixtures.get(collection)) or collection in self._held

    def pristine(self, collection: str) -> bool:
        """Nothing created, changed or deleted since reset: its list answer can be cached."""
        return not self._items.get(collection) and not self._deleted.get(collection)

    def create_salt(self) -> str:
        """ "1" for the first create since the store was made or reset, then "2", "3", ...: what salts
        a created resource's generated body. Replicas share the spec's generator (``--seed``), so
        theirs also name the replica ("r1.1"): two replicas' first creates get different ids."""
        self._creates += 1
        return f"r{self.replica}.{self._creates}" if self.replica else str(self._creates)

    def reset(self) -> None:
        self.shared_clear()
        self._creates = 0
        self.blobs.reset()
        self.idempotent.reset()

    # shared with other replicas (``mock.shared``)
    def _note_item(self, collection: str, resource_id: str, body: dict[str, Any]) -> None:
        assert self.ledger is not None
        born = self._born.setdefault((collection, resource_id), time.time_ns())
        self.ledger.note(self.shared_name, f"{collection}{KEY_SEP}{resource_id}", {"item": body, "at": born})

    def _gone(self, collection: str) -> dict[str, bool]:
        """What replicas keep of a deleted id: that it is gone, and whether its collection held items
        (``holds``), which a replica that never saw the item learns from this alone."""
        return {"deleted": True, "held": collection in self._held}

    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for collection, ids in self._deleted.items():
            for resource_id in ids:
                yield f"{collection}{KEY_SEP}{resource_id}", self._gone(collection)
        for collection, items in self._items.items():
            for resource_id, body in items.items():
                born = self._born.get((collection, resource_id), 0)
                yield f"{collection}{KEY_SEP}{resource_id}", {"item": body, "at": born}

    def shared_apply(self, key: str, value: Any) -> None:
        collection, _, resource_id = key.rpartition(KEY_SEP)
        items = self._items.setdefault(collection, {})
        if value is None or value.get("deleted"):
            items.pop(resource_id, None)
            self.budget.free((collection, resource_id))
            self._born.pop((collection, resource_id), None)
            if value is not None:
                self._deleted.setdefault(collection, set()).add(resource_id)
                if value.get("held"):
                    self._held.add(collection)
            return
        self._deleted.get(collection, set()).discard(resource_id)
        born = int(value.get("at", 0))
        if (
            resource_id not in items
            and items
            and born < self._born.get((collection, next(reversed(items))), 0)
        ):
            self._unordered.add(collection)  # a reload reads keys in no order: ``list`` sorts it once
        items[resource_id] = value["item"]
        self._held.add(collection)
        self.budget.charge((collection, resource_id), value["item"], budgeted=False)  # (another's write)
        self._born[(collection, resource_id)] = born

    def shared_clear(self) -> None:
        self._items.clear()
        self.budget.clear()
        self._deleted.clear()
        self._held.clear()
        self._born.clear()
        self._unordered.clear()

    def snapshot(self) -> dict[str, Any]:
        return {collection: list(items.values()) for collection, items in self._items.items() if items}
