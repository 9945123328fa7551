"""Bytes clients gave the mock (uploads), kept under one byte budget.

An upload the budget cannot hold is refused (the caller answers 413 in the API's envelope);
nothing already stored is dropped to make room, so a file a test uploaded is never silently
lost. ``reset()`` empties it.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BUDGET = 256 * 1024 * 1024  # bytes of uploads kept at once (``--max-upload-bytes``)


@dataclass(frozen=True, slots=True)
class Blob:
    data: bytes
    content_type: str
    filename: str | None


class BlobBudgetExceeded(Exception):
    """The upload does not fit in what is left of the budget."""


class BlobStore:
    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
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
        self._blobs[blob_id] = blob
        self._deleted.discard(blob_id)
        self._used += len(blob.data) - freed

    def get(self, blob_id: str) -> Blob | None:
        return self._blobs.get(blob_id)

    def delete(self, blob_id: str) -> bool:
        blob = self._blobs.pop(blob_id, None)
        if blob is None:
            return False
        self._deleted.add(blob_id)
        self._used -= len(blob.data)
        return True

    def was_deleted(self, blob_id: str) -> bool:
        return blob_id in self._deleted

    def reset(self) -> None:
        self._blobs.clear()
        self._deleted.clear()
        self._used = 0

    def snapshot(self) -> dict[str, dict[str, object]]:
        return {
            blob_id: {"bytes": len(blob.data), "content_type": blob.content_type, "filename": blob.filename}
            for blob_id, blob in self._blobs.items()
        }
