"""The resource store: what clients created, for the life of the process.

Resources live in collections named by their path template (``/v1/files``)
and keep insertion order so lists come back in creation order. Deleted ids
are remembered so a fetch after delete is a 404, never a freshly generated
body. ``reset()`` forgets everything.
"""

from __future__ import annotations

from typing import Any


class ResourceStore:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, dict[str, Any]]] = {}
        self._deleted: dict[str, set[str]] = {}

    def put(self, collection: str, resource_id: str, body: dict[str, Any]) -> None:
        self._items.setdefault(collection, {})[resource_id] = body
        self._deleted.get(collection, set()).discard(resource_id)

    def get(self, collection: str, resource_id: str) -> dict[str, Any] | None:
        return self._items.get(collection, {}).get(resource_id)

    def find(self, namespace: str, resource_id: str) -> tuple[str, dict[str, Any]] | None:
        """A resource with this id in any collection of ``namespace`` (``"<api>:"``): links cross paths."""
        for collection, items in self._items.items():
            if collection.startswith(namespace) and resource_id in items:
                return collection, items[resource_id]
        return None

    def update(self, collection: str, resource_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        current = self.get(collection, resource_id)
        if current is None:
            return None
        current.update(changes)
        return current

    def delete(self, collection: str, resource_id: str) -> bool:
        removed = self._items.get(collection, {}).pop(resource_id, None)
        self._deleted.setdefault(collection, set()).add(resource_id)
        return removed is not None

    def was_deleted(self, collection: str, resource_id: str) -> bool:
        return resource_id in self._deleted.get(collection, set())

    def list(self, collection: str) -> list[dict[str, Any]]:
        return list(self._items.get(collection, {}).values())

    def has_collection(self, collection: str) -> bool:
        return bool(self._items.get(collection))

    def reset(self) -> None:
        self._items.clear()
        self._deleted.clear()

    def snapshot(self) -> dict[str, Any]:
        return {collection: list(items.values()) for collection, items in self._items.items() if items}
