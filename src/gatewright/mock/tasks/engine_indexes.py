"""The task engine's two indexes over its tasks, so that no call costs O(all tasks).

- ``ByOperation``: the task keys of each (API, operation) in creation order, so a list page visits
  only the tasks it shows (and the expired ones it drops on the way).
- ``Wakeups``: when ``tick`` must next look at each task (its next phase change, then its
  expiry), kept in a heap; the heap keeps every time a task was given, and an entry that is no
  longer the task's time is stale and skipped. So ``due`` visits only the tasks whose time has come.

Neither locks: the engine calls them under its own lock.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator

__all__ = ["ByOperation", "Wakeups"]

K = tuple[str, str]  # (api, task id), and (api, operationId)


class ByOperation:
    """Task keys per (API, operationId), in creation order."""

    def __init__(self) -> None:
        self._keys: dict[K, dict[K, None]] = {}  # (api, operationId) -> task keys, in order

    def add(self, api: str, operation_id: str, key: K) -> None:
        self._keys.setdefault((api, operation_id), {})[key] = None

    def remove(self, api: str, operation_id: str, key: K) -> None:
        siblings = self._keys.get((api, operation_id))
        if siblings is not None:
            siblings.pop(key, None)
            if not siblings:
                del self._keys[(api, operation_id)]

    def keys(self, api: str, operation_ids: Iterable[str], seq: Callable[[K], int]) -> Iterator[K]:
        """The task keys of ``api``'s ``operation_ids`` in creation order (``seq``: a key's place)."""
        indexes = [self._keys[(api, op)] for op in sorted(operation_ids) if (api, op) in self._keys]
        if len(indexes) == 1:
            return iter(indexes[0])
        return heapq.merge(*indexes, key=seq)

    def clear(self) -> None:
        self._keys.clear()


class Wakeups:
    """Each task key's next wake-up time."""

    def __init__(self) -> None:
        self._at: dict[K, float] = {}  # key -> when it must next be looked at
        self._heap: list[tuple[float, K]] = []  # (time, key); entries not in _at are stale

    def set(self, key: K, at: float | None) -> None:
        """Look at ``key`` at ``at`` (None or not finite: never)."""
        if at is None or not math.isfinite(at):
            self._at.pop(key, None)
        elif self._at.get(key) != at:
            self._at[key] = at
            heapq.heappush(self._heap, (at, key))

    def forget(self, key: K) -> None:
        self._at.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def due(self, now: float) -> Iterator[K]:
        """The keys whose time has come, earliest first, each no longer scheduled when given; a key
        scheduled again at or before ``now`` while they are read is given again."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, key = heapq.heappop(heap)
            if self._at.get(key) != at:
                continue  # superseded by a later schedule, or the task is gone
            del self._at[key]
            yield key

    def clear(self) -> None:
        self._at.clear()
        self._heap.clear()
