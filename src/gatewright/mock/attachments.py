"""Which files each vector store holds: the attachment rows, by (API, store), that replicas share.

A service of the vector store extension (``mock.vector_stores``): it knows nothing of tasks or
routes, only that a store's file is held by a row (the row's task id) until it is detached.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gatewright.mock.shared_values import KEY_SEP

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

__all__ = ["Attachments"]


@dataclass(slots=True)
class Attachments:
    """Attached files per (api, store id): file id -> the row's task id, in attach order.

    Also a ``mock.shared.Shared`` store: key ``api\x1fstore\x1ffile``, value ``{"store", "file",
    "row"}`` (``row`` None: detached)."""

    shared_name = "vector_stores"  # not a field

    rows: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    ledger: Ledger | None = None

    def of(self, api: str, store: str) -> dict[str, str]:
        return self.rows.get((api, store), {})

    def touched(self, api: str, store: str) -> bool:
        """Anything was ever attached to the store (since reset), detached since or not."""
        return (api, store) in self.rows

    def attach(self, api: str, store: str, file_id: str, row_id: str) -> None:
        self.rows.setdefault((api, store), {})[file_id] = row_id
        self._note(api, store, file_id, row_id)

    def detach(self, api: str, store: str, file_id: str) -> None:
        if self.rows.get((api, store), {}).pop(file_id, None) is not None:
            self._note(api, store, file_id, None)

    def forget(self, api: str, store: str) -> list[str]:
        """Detach every file of the store (a deleted store "drops attachment rows"); their row ids."""
        files = self.rows.get((api, store), {})
        dropped = list(files.values())
        for file_id in list(files):
            self.detach(api, store, file_id)
        return dropped

    def _note(self, api: str, store: str, file_id: str, row_id: str | None) -> None:
        if self.ledger is not None:
            value = {"store": store, "file": file_id, "row": row_id}
            self.ledger.note(self.shared_name, f"{api}{KEY_SEP}{store}{KEY_SEP}{file_id}", value)

    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for (api, store), files in list(self.rows.items()):
            for file_id, row_id in list(files.items()):
                value = {"store": store, "file": file_id, "row": row_id}
                yield f"{api}{KEY_SEP}{store}{KEY_SEP}{file_id}", value

    def shared_apply(self, key: str, value: Any) -> None:
        api = key.partition(KEY_SEP)[0]
        if not isinstance(value, Mapping):
            return  # rows are detached with a value, never dropped
        files = self.rows.setdefault((api, str(value["store"])), {})
        if value.get("row") is None:
            files.pop(str(value["file"]), None)
        else:
            files[str(value["file"])] = str(value["row"])

    def shared_clear(self) -> None:
        self.rows.clear()
