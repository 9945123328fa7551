"""Bytes clients gave the mock (uploads), kept under one byte budget.

An upload the budget cannot hold is refused (the caller answers 413 in the API's envelope);
nothing already stored is dropped to make room, so a file a test uploaded is never silently
lost. ``reset()`` empties it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gatewright.mock.shared_values import Packed
from gatewright.mock_options import DEFAULTS

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

DEFAULT_BUDGET = DEFAULTS.upload_budget  # bytes of uploads kept at once (``--max-upload-bytes``)


@dataclass(frozen=True, slots=True)
class Blob:
    data: bytes
    content_type: str
    filename: str | None


class BudgetExceeded(Exception):
    """A byte budget of the resource store is spent: its uploads' (here) or its items'
    (``mock.item_budget``). The caller answers 413 in the API's envelope."""


class BlobBudgetExceeded(BudgetExceeded):
    """The upload does not fit in what is left of the budget."""


class BlobStore:
    """Also a ``mock.shared.Shared`` store: each id is one key, its value the bytes with their media
    type and name (``Packed``), or ``{"deleted": true}``. Each replica holds every upload, so each
    applies the budget to what it holds; one that another replica took is held whatever it costs."""

    shared_name = "blobs"

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.ledger: Ledger | None = None
        self._blobs: dict[str, Blob] = {}
        self._deleted: set[str] = set()  # ids deleted since reset: their content routes are 404s
        self._used = 0

    @property
    def used(self) -> int:
        return self._used

    def put(self, blob_id: str, blob: Blob) -> None:
        """Keep ``blob`` under ``blob_id`` (replacing what was there); ``BlobBudgetExceeded`` if it
        does not fit."""
        previous = self._blobs.get(blob_id)
        freed = len(previous.data) if previous is not None else 0
        if self._used - freed + len(blob.data) > self.budget:
            raise BlobBudgetExceeded(
                f"the mock keeps at most {self.budget} bytes of uploads "
                f"({self._used} in use); this one is {len(blob.data)} bytes"
            )
        self._keep(blob_id, blob)
        if self.ledger is not None:
            self.ledger.note(self.shared_name, blob_id, _packed(blob))

    def _keep(self, blob_id: str, blob: Blob) -> None:
        previous = self._blobs.get(blob_id)
        self._blobs[blob_id] = blob
        self._deleted.discard(blob_id)
        self._used += len(blob.data) - (len(previous.data) if previous is not None else 0)

    def get(self, blob_id: str) -> Blob | None:
        return self._blobs.get(blob_id)

    def delete(self, blob_id: str) -> bool:
        blob = self._blobs.pop(blob_id, None)
        if blob is None:
            return False
        self._deleted.add(blob_id)
        self._used -= len(blob.data)
        if self.ledger is not None:
            self.ledger.note(self.shared_name, blob_id, {"deleted": True})
        return True

    def was_deleted(self, blob_id: str) -> bool:
        return blob_id in self._deleted

    def reset(self) -> None:
        self.shared_clear()

    # shared with other replicas (``mock.shared``)
    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for blob_id in self._deleted:
            yield blob_id, {"deleted": True}
        for blob_id, blob in self._blobs.items():
            yield blob_id, _packed(blob)

    def shared_apply(self, key: str, value: Any) -> None:
        if isinstance(value, Packed):
            self._keep(key, Blob(value.data, value.meta["content_type"], value.meta["filename"]))
            return
        blob = self._blobs.pop(key, None)
        self._used -= len(blob.data) if blob is not None else 0
        if value is not None:
            self._deleted.add(key)
        else:
            self._deleted.discard(key)

    def shared_clear(self) -> None:
        self._blobs.clear()
        self._deleted.clear()
        self._used = 0

    def snapshot(self) -> dict[str, dict[str, object]]:
        return {
            blob_id: {"bytes": len(blob.data), "content_type": blob.content_type, "filename": blob.filename}
            for blob_id, blob in self._blobs.items()
        }


def _packed(blob: Blob) -> Packed:
    """A blob as replicas share it: its bytes, with what is known of them beside."""
    return Packed({"content_type": blob.content_type, "filename": blob.filename}, blob.data)
