"""The task engine: the one place tasks are stored and moved on.

Handlers call ``create``/``poll``/``get``/``cancel``/``list`` and render what they get back; they never
change a task themselves. Every method is synchronous and holds a lock only for dictionary work, so on
one asyncio loop calls are atomic with respect to each other (no ``await`` inside), and calls from other
threads are safe too.

With replicas (``mock.shared``) the engine is a ``Shared`` store: each task is one key (``api\x1ftask
id``) whose value is ``Task.to_shared()``, noted on every change a client makes, when time moves a task
to another phase, and when an expired task is dropped. Each replica computes time's moves from the task's
own timestamps (``machine.advance``); the first to see a phase notes it, so a client that saw a task end
on one never sees it running on another whose clock is behind. A note taken loses no poll and reopens no
task (``machine.merged``). Only the replica that created a task delivers its callback.

Nothing here costs O(all tasks) per call: tasks are indexed per (API, operation) in creation order, so a
list page visits only the tasks it shows (and the expired ones it drops on the way); ``tick`` visits only
the tasks whose next move (a phase change by time, or expiry) has come due, kept in a heap of wake-up
times (both: ``engine_indexes``).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gatewright.mock.shared_values import KEY_SEP
from gatewright.mock.tasks import machine
from gatewright.mock.tasks.clock import Clock, SystemClock
from gatewright.mock.tasks.engine_indexes import ByOperation, Wakeups
from gatewright.mock.tasks.models import CancelResult, Outcome, Task, TaskTiming, task_from_shared
from gatewright.spec.tasks import Phase, States, TaskSpec

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

__all__ = ["DEFAULT_RETENTION", "TaskEngine"]

DEFAULT_RETENTION = 3600.0  # empiriolabs: "State retained 1 hour after completion."

_Key = tuple[str, str]


class TaskEngine:
    """Stores tasks per API and advances them lazily (on every read) and on ``tick()``.

    ``retention`` is how long a finished task stays readable (then it is gone: 404); ``seed`` makes
    generated ids reproducible. Tasks that finish while carrying a callback URL are queued for delivery;
    ``take_callbacks()`` hands them over (``gatewright.mock.tasks.callbacks``). ``replica`` names this
    process among replicas sharing tasks (only a task's creator queues its callback); ``states_of(api,
    operationId)`` gives the status words of a task another replica created (else those this engine saw).
    """

    shared_name = "tasks"

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        timing: TaskTiming | None = None,
        retention: float = DEFAULT_RETENTION,
        seed: int | None = None,
        replica: str = "0",
        states_of: Callable[[str, str], States | None] | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.replica = replica
        self.states_of = states_of
        self.ledger: Ledger | None = None
        self.timing = timing if timing is not None else TaskTiming()
        self.retention = retention
        self._seed = seed
        self._random = random.Random(seed)
        self._tasks: dict[_Key, Task] = {}
        self._by_operation, self._wakeups = ByOperation(), Wakeups()  # keys per operation; ``tick``'s wakeups
        self._outbox: list[Task] = []
        self._called: set[_Key] = set()  # callbacks queued (a replica may see a task finish twice)
        self._states: dict[_Key, States] = {}  # (api, operationId) -> status words, from creates
        self._seq = 0
        self._lock = threading.Lock()

    def create(
        self,
        api: str,
        operation_id: str,
        states: States | TaskSpec,
        *,
        task_id: str | None = None,
        id_prefix: str = "task_",
        outcome: Outcome = Outcome.SUCCEED,
        results: Iterable[str] = (),
        callback_url: str | None = None,
        context: Mapping[str, Any] | None = None,
        timing: TaskTiming | None = None,
        retention: float | None = None,
    ) -> Task:
        """Start a task in its initial phase and return it (render it as the create response).

        ``results`` are the URLs the task will show once it succeeds (the mock owns
        them, see ``gatewright.mock.media``); ``context`` is anything the handler wants
        back when rendering (e.g. the request's ``model``); ``retention`` overrides the
        engine's for this task (a lifecycle's declared ``retention_seconds``).
        """
        if isinstance(states, TaskSpec):
            states = states.states
        now = self.clock.now()
        with self._lock:
            self._seq += 1
            if task_id is None:
                task_id = self._new_id_locked(id_prefix)
            key = (api, task_id)
            if key in self._tasks:
                raise ValueError(f"task {task_id!r} already exists in {api!r}")
            task = Task(
                id=task_id,
                api=api,
                operation_id=operation_id,
                states=states,
                timing=timing if timing is not None else self.timing,
                created_at=now,
                seq=self._seq,
                outcome=outcome,
                results=tuple(results),
                callback_url=callback_url,
                retention=retention,
                context=dict(context or {}),
                replica=self.replica,
            )
            self._tasks[key] = task
            self._by_operation.add(api, operation_id, key)
            self._states.setdefault((api, operation_id), states)
            self._schedule_locked(task)
            self._note_locked(key, task)
            return task

    def new_id(self, id_prefix: str = "task_") -> str:
        """An id from the engine's sequence, for what names the task before it exists (a batch's files)."""
        with self._lock:
            return self._new_id_locked(id_prefix)

    def poll(self, api: str, task_id: str) -> Task | None:
        """Read a task as its poll operation does: counts as a poll, then advances it."""
        return self._update(api, task_id, count_poll=True)

    def get(self, api: str, task_id: str) -> Task | None:
        """Read a task without counting a poll (lists, the control API, cancel handlers)."""
        return self._update(api, task_id, count_poll=False)

    def cancel(self, api: str, task_id: str) -> CancelResult | None:
        """Cancel a task; ``None`` when it does not exist, ``already_finished`` when it had ended."""
        now = self.clock.now()
        with self._lock:
            task = self._advance_locked((api, task_id), now)
            if task is None:
                return None
            if task.terminal:
                return CancelResult(task, changed=False)
            task = machine.cancel(task, now)
            self._store_locked(task, finished=True)
            self._note_locked((api, task_id), task)
            return CancelResult(task, changed=True)

    def rerun(
        self, api: str, task_id: str, phase: Phase, outcome: Outcome, words: tuple[tuple[str, str], ...] = ()
    ) -> Task | None:
        """A task set moving again (``machine.rerun``: a follow-up, a GPU stopped); None: there is none."""
        now, key = self.clock.now(), (api, task_id)
        with self._lock:
            if (task := self._advance_locked(key, now)) is not None:
                task = machine.rerun(task, now, phase, outcome, words)
                self._called.discard(key)  # it calls back again when this run ends
                self._store_locked(task, finished=False)
                self._note_locked(key, task)
            return task

    def delete(self, api: str, task_id: str) -> Task | None:
        """Forget a task (a DELETE that removes the job); returns it as it last was."""
        with self._lock:
            return self._drop_locked((api, task_id))

    def reset(self) -> None:
        """Forget every task and pending callback; ids restart from the seed."""
        with self._lock:
            self._clear_locked()
            self._outbox.clear()
            self._seq = 0
            self._random = random.Random(self._seed)

    # --- reads --------------------------------------------------------------------------------

    def list_tasks(
        self,
        api: str | None = None,
        operation_ids: Iterable[str] | None = None,
        *,
        where: Callable[[Task], bool] | None = None,
        limit: int | None = None,
    ) -> list[Task]:
        """Live tasks in creation order (oldest first), optionally for one API / some operations.

        ``where`` keeps only the tasks it accepts (it sees each task as it is now) and
        ``limit`` stops after that many: with both an API and operations given, a call
        visits the tasks it returns and the ones ``where`` turned down before them, not
        every task the engine holds.
        """
        now = self.clock.now()
        found: list[Task] = []
        gone: list[_Key] = []
        with self._lock:
            for key in self._keys_locked(api, operation_ids):
                if limit is not None and len(found) >= limit:
                    break
                task = self._current_locked(key, now)
                if task is None:
                    gone.append(key)
                elif where is None or where(task):
                    found.append(task)
            for key in gone:
                self._drop_locked(key)
        return found

    def tick(self) -> list[Task]:
        """Advance the tasks due to move on, drop expired ones; returns the tasks that just finished."""
        now = self.clock.now()
        finished: list[Task] = []
        with self._lock:
            for key in self._wakeups.due(now):
                before = self._tasks.get(key)
                after = self._advance_locked(key, now)
                if before is None or after is None:
                    continue
                if after.terminal and not before.terminal:
                    finished.append(after)
                if key not in self._wakeups:
                    self._schedule_locked(after)
        return finished

    def take_callbacks(self) -> list[Task]:
        """Finished tasks that carry a callback URL, each handed out exactly once."""
        with self._lock:
            out, self._outbox = self._outbox, []
        return out

    def __len__(self) -> int:
        with self._lock:
            return len(self._tasks)

    # --- internals ----------------------------------------------------------------------------

    def _new_id_locked(self, id_prefix: str) -> str:
        return f"{id_prefix}{self._random.getrandbits(96):024x}"

    def _update(self, api: str, task_id: str, *, count_poll: bool) -> Task | None:
        now = self.clock.now()
        key = (api, task_id)
        with self._lock:
            task = self._tasks.get(key)
            if task is None or self._expired(task, now):
                self._drop_locked(key)
                return None
            if not count_poll or task.terminal:
                return self._advance_locked(key, now)
            self._tasks[key] = machine.record_poll(task)
            polled = self._advance_locked(key, now)
            if polled is not None:
                self._note_locked(key, polled)
            return polled

    def _advance_locked(self, key: _Key, now: float) -> Task | None:
        task = self._current_locked(key, now)
        if task is None:
            self._drop_locked(key)
        return task

    def _current_locked(self, key: _Key, now: float) -> Task | None:
        """The task as it is at ``now`` (stored so), or None when it is gone or expired (not dropped)."""
        task = self._tasks.get(key)
        if task is None or self._expired(task, now):
            return None
        advanced = machine.advance(task, now)
        if advanced is not task:
            self._store_locked(advanced, finished=advanced.terminal and not task.terminal)
            if advanced.phase is not task.phase:  # for replicas whose clocks are behind this one's
                self._note_locked(key, advanced, derived=True)  # a client's change made elsewhere wins
            if self._expired(advanced, now):  # finished, unseen, longer ago than its retention
                return None
        return advanced

    def _store_locked(self, task: Task, *, finished: bool) -> None:
        key = (task.api, task.id)
        self._tasks[key] = task
        self._schedule_locked(task)
        if finished and task.callback_url and task.replica == self.replica and key not in self._called:
            self._called.add(key)
            self._outbox.append(task)

    def _drop_locked(self, key: _Key, *, noted: bool = True) -> Task | None:
        """Forget a task (deleted, or expired); ``noted``: tell the replicas (not when one told us)."""
        task = self._tasks.pop(key, None)
        self._called.discard(key)
        if task is not None:
            if noted:
                self._note_locked(key, None)
            self._by_operation.remove(task.api, task.operation_id, key)
        self._wakeups.forget(key)
        return task

    def _schedule_locked(self, task: Task) -> None:
        """Remember when ``tick`` must next look at ``task``: its next phase change, or its expiry."""
        if task.terminal:
            assert task.completed_at is not None
            at: float | None = task.completed_at + (
                self.retention if task.retention is None else task.retention
            )
        else:
            at = machine.next_change(task)
        self._wakeups.set((task.api, task.id), at)

    def _keys_locked(self, api: str | None, operation_ids: Iterable[str] | None) -> Iterator[_Key]:
        """Task keys in creation order, lazily (nothing may add or drop a task while they are read)."""
        if operation_ids is None:
            return (key for key in self._tasks if api is None or key[0] == api)
        wanted = set(operation_ids)
        if api is None:
            return (key for key, task in self._tasks.items() if task.operation_id in wanted)
        tasks = self._tasks
        return self._by_operation.keys(api, wanted, lambda key: tasks[key].seq)

    def _expired(self, task: Task, now: float) -> bool:
        retention = self.retention if task.retention is None else task.retention
        return task.completed_at is not None and now >= task.completed_at + retention

    def with_results(self, api: str, task_id: str, results: Iterable[str]) -> Task | None:
        """Set what a task will show once it succeeds (results that name the task itself)."""
        return self._changed(api, task_id, lambda task: replace(task, results=tuple(results)))

    def with_context(self, api: str, task_id: str, **context: Any) -> Task | None:
        """Attach more handler context to a task (what its create made, its outputs); the new value."""
        return self._changed(api, task_id, lambda task: replace(task, context={**task.context, **context}))

    def _changed(self, api: str, task_id: str, change: Callable[[Task], Task]) -> Task | None:
        with self._lock:
            task = self._tasks.get((api, task_id))
            if task is None:
                return None
            task = self._tasks[(api, task_id)] = change(task)
            self._note_locked((api, task_id), task)
            return task

    # --- shared with other replicas (``mock.shared``) -----------------------------------------

    def _note_locked(self, key: _Key, task: Task | None, *, derived: bool = False) -> None:
        if self.ledger is not None:
            value = None if task is None else task.to_shared()
            self.ledger.note(self.shared_name, f"{key[0]}{KEY_SEP}{key[1]}", value, derived=derived)

    def _states_for(self, api: str, operation_id: str) -> States:
        found = self.states_of(api, operation_id) if self.states_of is not None else None
        if found is None:
            found = self._states.get((api, operation_id))
        return found if found is not None else States()  # unknown here: the generic words

    def shared_items(self) -> list[tuple[str, Any]]:
        with self._lock:
            return [
                (f"{api}{KEY_SEP}{task_id}", task.to_shared()) for (api, task_id), task in self._tasks.items()
            ]

    def shared_apply(self, key: str, value: Any) -> None:
        """A task as another replica changed it (None: gone). The task's creator queues its callback
        when the change finished it (a cancel elsewhere, a poll elsewhere that saw it end)."""
        api, _, task_id = key.partition(KEY_SEP)
        task_key = (api, task_id)
        with self._lock:
            if value is None:
                self._drop_locked(task_key, noted=False)
                return
            task = task_from_shared(value, self._states_for)
            before = self._tasks.get(task_key)
            if before is not None and before.operation_id != task.operation_id:
                self._drop_locked(task_key, noted=False)
                before = None
            if before is None:
                self._by_operation.add(api, task.operation_id, task_key)
            else:
                task = machine.merged(before, task)
            self._seq = max(self._seq, task.seq)  # creates here come after what was seen
            self._store_locked(task, finished=before is not None and task.terminal and not before.terminal)

    def shared_clear(self) -> None:
        with self._lock:
            self._clear_locked()

    def _clear_locked(self) -> None:
        self._tasks.clear()
        self._by_operation.clear()
        self._wakeups.clear()
        self._called.clear()
