"""The task engine: the one place tasks are stored and moved on.

Handlers call ``create``/``poll``/``get``/``cancel``/``list`` and render what they get
back; they never change a task themselves. Every method is synchronous and holds a
lock only for dictionary work, so on one asyncio loop calls are atomic with respect to
each other (no ``await`` inside), and calls from other threads are safe too.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from gatewright.mock.tasks import machine
from gatewright.mock.tasks.clock import Clock, SystemClock
from gatewright.mock.tasks.models import CancelResult, Outcome, Task, TaskStates, TaskTiming
from gatewright.spec.model import TaskSpec

__all__ = ["DEFAULT_RETENTION", "TaskEngine"]

DEFAULT_RETENTION = 3600.0  # empiriolabs: "State retained 1 hour after completion."

_Key = tuple[str, str]


class TaskEngine:
    """Stores tasks per API and advances them lazily (on every read) and on ``tick()``.

    ``retention`` is how long a finished task stays readable (then it is gone: 404);
    ``seed`` makes generated ids reproducible. Tasks that finish while carrying a
    callback URL are queued for delivery; ``take_callbacks()`` hands them over (see
    ``gatewright.mock.tasks.callbacks``).
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        timing: TaskTiming | None = None,
        retention: float = DEFAULT_RETENTION,
        seed: int | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.timing = timing if timing is not None else TaskTiming()
        self.retention = retention
        self._seed = seed
        self._random = random.Random(seed)
        self._tasks: dict[_Key, Task] = {}
        self._outbox: list[Task] = []
        self._seq = 0
        self._lock = threading.Lock()

    # --- writes -------------------------------------------------------------------------------

    def create(
        self,
        api: str,
        operation_id: str,
        states: TaskStates | TaskSpec,
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
            states = TaskStates.from_spec(states)
        now = self.clock.now()
        with self._lock:
            self._seq += 1
            if task_id is None:
                task_id = f"{id_prefix}{self._random.getrandbits(96):024x}"
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
            )
            self._tasks[key] = task
            return task

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
            return CancelResult(task, changed=True)

    def delete(self, api: str, task_id: str) -> Task | None:
        """Forget a task (a DELETE that removes the job); returns it as it last was."""
        with self._lock:
            return self._tasks.pop((api, task_id), None)

    def reset(self) -> None:
        """Forget every task and pending callback; ids restart from the seed."""
        with self._lock:
            self._tasks.clear()
            self._outbox.clear()
            self._seq = 0
            self._random = random.Random(self._seed)

    # --- reads --------------------------------------------------------------------------------

    def list_tasks(self, api: str | None = None, operation_ids: Iterable[str] | None = None) -> list[Task]:
        """Live tasks in creation order (oldest first), optionally for one API / some operations."""
        wanted = None if operation_ids is None else set(operation_ids)
        self.tick()
        with self._lock:
            tasks = list(self._tasks.values())
        return [
            t for t in tasks if (api is None or t.api == api) and (wanted is None or t.operation_id in wanted)
        ]

    def tick(self) -> list[Task]:
        """Advance every task to now and drop expired ones; returns the tasks that just finished."""
        now = self.clock.now()
        finished: list[Task] = []
        with self._lock:
            for key in list(self._tasks):
                before = self._tasks[key]
                after = self._advance_locked(key, now)
                if after is not None and after.terminal and not before.terminal:
                    finished.append(after)
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

    def _update(self, api: str, task_id: str, *, count_poll: bool) -> Task | None:
        now = self.clock.now()
        key = (api, task_id)
        with self._lock:
            task = self._tasks.get(key)
            if task is None or self._expired(task, now):
                self._tasks.pop(key, None)
                return None
            if count_poll and not task.terminal:
                task = machine.record_poll(task)
                self._tasks[key] = task
            return self._advance_locked(key, now)

    def _advance_locked(self, key: _Key, now: float) -> Task | None:
        task = self._tasks.get(key)
        if task is None:
            return None
        if self._expired(task, now):
            del self._tasks[key]
            return None
        advanced = machine.advance(task, now)
        if advanced is not task:
            self._store_locked(advanced, finished=advanced.terminal and not task.terminal)
        return advanced

    def _store_locked(self, task: Task, *, finished: bool) -> None:
        self._tasks[(task.api, task.id)] = task
        if finished and task.callback_url:
            self._outbox.append(task)

    def _expired(self, task: Task, now: float) -> bool:
        retention = self.retention if task.retention is None else task.retention
        return task.completed_at is not None and now >= task.completed_at + retention

    def with_results(self, api: str, task_id: str, results: Iterable[str]) -> Task | None:
        """Set what a task will show once it succeeds (results that name the task itself)."""
        with self._lock:
            task = self._tasks.get((api, task_id))
            if task is None:
                return None
            task = replace(task, results=tuple(results))
            self._tasks[(api, task_id)] = task
            return task

    def with_context(self, api: str, task_id: str, **context: Any) -> Task | None:
        """Attach more handler context to a task (e.g. a follow-up message); returns the new value."""
        with self._lock:
            task = self._tasks.get((api, task_id))
            if task is None:
                return None
            task = replace(task, context={**task.context, **context})
            self._tasks[(api, task_id)] = task
            return task
