"""Tasks (``x-gatewright-task``) followed across the exchanges that pass: ids from create
answers and polls, and each poll's status judged against the path the task took so far.

The rules are ``verify``'s lifecycle rules under its check names: a status must be one of the
declared values (``task_status_declared``) and may only move forward, initial -> running ->
terminal, never leaving a terminal state (``task_status_forward``). A client that polls a task
it created before the proxy started is followed from its first poll.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from gatewright.conformance.adapter import CaseRun, CheckFailure
from gatewright.conformance.checks import TASK_STATUS_DECLARED, TASK_STATUS_FORWARD
from gatewright.conformance.expressions import MISSING, evaluate, exchange_of
from gatewright.spec import Operation, Spec, TaskSpec
from gatewright.spec.pointer import lookup
from gatewright.spec.tasks import moves_forward, task_id_in

# The same order as the conformance lifecycle check (``conformance/tasks.py``).
_MAX_TASKS = 10_000  # followed at once; the oldest are forgotten first


@dataclass(slots=True)
class _Track:
    task: TaskSpec
    states: list[str] = field(default_factory=list)
    best: int = -1
    final: str | None = None


class TaskTracker:
    """Thread-safe: judged exchanges arrive one at a time, but a test may read it meanwhile."""

    def __init__(self, spec: Spec) -> None:
        self._creates: dict[str, TaskSpec] = {}
        self._polls: dict[str, TaskSpec] = {}
        for operation in spec.operations:
            task = spec.task(operation)
            if task is not None:
                self._creates[operation.operation_id] = task
                self._polls.setdefault(task.poll, task)
        self._tracks: OrderedDict[tuple[str, str], _Track] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def follows(self, operation: Operation) -> bool:
        """Whether ``operation`` starts or polls a declared task."""
        return operation.operation_id in self._creates or operation.operation_id in self._polls

    def polls(self, operation: Operation) -> bool:
        return operation.operation_id in self._polls

    def observe(self, operation: Operation, run: CaseRun) -> list[CheckFailure]:
        """Note a create's task id, or judge a poll's status; only 2xx answers say anything."""
        if run.status is None or not 200 <= run.status < 300:
            return []
        created = self._creates.get(operation.operation_id)
        if created is not None:
            task_id = evaluate(created.id, run)
            if task_id is not MISSING and task_id is not None:
                self._remember((created.poll, str(task_id)), _Track(created))
        polled = self._polls.get(operation.operation_id)
        if polled is None:
            return []
        task_id = self._polled_id(polled, operation, run)
        if task_id is None:
            return []
        with self._lock:
            track = self._tracks.get((operation.operation_id, task_id))
        if track is None:
            track = _Track(polled)
            self._remember((operation.operation_id, task_id), track)
        return self._judge(track, run)

    def _remember(self, key: tuple[str, str], track: _Track) -> None:
        with self._lock:
            self._tracks.pop(key, None)
            self._tracks[key] = track
            while len(self._tracks) > _MAX_TASKS:
                self._tracks.popitem(last=False)

    @staticmethod
    def _polled_id(task: TaskSpec, operation: Operation, run: CaseRun) -> str | None:
        """The task a poll reads: where ``poll_id`` says, else the last path parameter."""
        names = [p["name"] for p in operation.parameters if p.get("in") == "path"]
        return task_id_in(task.poll_id, names, exchange_of(run))

    @staticmethod
    def _judge(track: _Track, run: CaseRun) -> list[CheckFailure]:
        task = track.task
        status = lookup(run.json(), task.status, MISSING)
        if status is MISSING:
            return [
                CheckFailure(
                    TASK_STATUS_DECLARED.id, "Poll response has no status", f"nothing at {task.status}"
                )
            ]
        shown = str(status)
        previous = " -> ".join(track.states) or "(none)"
        if not track.states or track.states[-1] != shown:
            track.states.append(shown)
        phase = task.states.phase_of(status)
        if phase is None:
            declared = sorted(task.states.statuses())
            return [
                CheckFailure(
                    TASK_STATUS_DECLARED.id,
                    "Task status is not a declared value",
                    f"status {status!r} is not one of {declared}",
                )
            ]
        if not moves_forward(phase, shown, track.best, track.final):
            return [
                CheckFailure(
                    TASK_STATUS_FORWARD.id,
                    "Task status went backwards",
                    f"{shown!r} ({phase.value}) came after {previous}",
                )
            ]
        track.best = max(track.best, phase.rank)
        if phase.terminal:
            track.final = shown
        return []
