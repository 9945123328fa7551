"""The task state machine: pure functions from (task, time) to task over the contract's
transition table (``gatewright.spec.tasks.TRANSITIONS``).

Nothing here stores anything or reads a clock; the engine passes ``now`` in. That
keeps every rule testable in isolation and the timestamps deterministic: a task that
became due at ``created_at + duration`` records that moment as ``completed_at`` no
matter how much later someone looks.
"""

from __future__ import annotations

import math
from dataclasses import replace

from gatewright.mock.tasks.models import Outcome, Task, TaskError
from gatewright.spec.tasks import TRANSITIONS, Phase

__all__ = [
    "InvalidTransition",
    "advance",
    "cancel",
    "merged",
    "next_change",
    "record_poll",
    "rerun",
    "transition",
]

RUNNING_PROGRESS_CAP = 0.99  # only success reports 1.0

FAILED_ERROR = TaskError("task_failed", "The task failed (the mock was asked to with Prefer: task=fail).")
CANCELLED_ERROR = TaskError("task_cancelled", "The task was cancelled.")


class InvalidTransition(ValueError):
    """A move the transition table does not allow (e.g. out of a terminal phase)."""

    def __init__(self, task: Task, to: Phase) -> None:
        super().__init__(f"task {task.id}: {task.phase.value} -> {to.value} is not allowed")
        self.task = task
        self.to = to


def transition(task: Task, to: Phase, at: float, *, error: TaskError | None = None) -> Task:
    """Move ``task`` to ``to`` at time ``at``, keeping timestamps and progress consistent."""
    if to not in TRANSITIONS[task.phase]:
        raise InvalidTransition(task, to)
    at = max(at, task.origin if task.started_at is None or task.run else task.started_at)
    started_at = at if to is Phase.RUNNING and task.started_at is None else task.started_at
    if not to.terminal:
        return replace(task, phase=to, started_at=started_at)
    return replace(
        task,
        phase=to,
        started_at=started_at,
        completed_at=at,
        progress=1.0 if to is Phase.SUCCEEDED else task.progress,
        error=error,
    )


def record_poll(task: Task) -> Task:
    return replace(task, polls=task.polls + 1)


def cancel(task: Task, at: float) -> Task:
    """Cancel a task that has not finished; raises ``InvalidTransition`` when it has."""
    if task.terminal:
        raise InvalidTransition(task, Phase.CANCELLED)
    return transition(replace(task, cancel_requested=True), Phase.CANCELLED, at, error=CANCELLED_ERROR)


def advance(task: Task, now: float) -> Task:
    """The task as it is at ``now``: moved through every phase that has come due."""
    if task.terminal:
        return task
    timing = task.timing
    by_polls = timing.polls is not None
    if task.phase is Phase.INITIAL:
        queued_until = task.origin + timing.queued
        if now >= queued_until or (by_polls and task.polls >= 1):
            task = transition(task, Phase.RUNNING, min(now, queued_until))
        else:
            return task
    # RUNNING from here on.
    done_at = task.origin + timing.duration
    due = now >= done_at or (by_polls and timing.polls is not None and task.polls >= timing.polls)
    if task.outcome is Outcome.HANG:
        due = False
    if due:
        at = min(now, done_at)
        if task.outcome is Outcome.SUCCEED:
            return transition(task, Phase.SUCCEEDED, at)
        if task.outcome is Outcome.FAIL:
            return transition(task, Phase.FAILED, at, error=FAILED_ERROR)
        return transition(task, Phase.CANCELLED, at, error=CANCELLED_ERROR)
    return replace(task, progress=max(task.progress, _running_progress(task, now)))


def rerun(
    task: Task, at: float, phase: Phase, outcome: Outcome, words: tuple[tuple[str, str], ...] = ()
) -> Task:
    """``task`` set moving again at ``at``: in ``phase`` (initial or running), timed from ``at`` as a new
    task is from its creation, to end as ``outcome`` says, showing ``words`` for its phases. Its id,
    request and context stay: a follow-up message continues a task, a started GPU is the same instance."""
    if phase.terminal:
        raise InvalidTransition(task, phase)
    started = task.started_at if not task.terminal and task.started_at is not None else at
    return replace(
        task,
        phase=phase,
        outcome=outcome,
        run=task.run + 1,
        run_at=at,
        words=words,
        started_at=started if phase is Phase.RUNNING else None,
        completed_at=None,
        progress=0.0,
        polls=0,
        error=None,
        cancel_requested=False,
    )


def merged(held: Task, told: Task) -> Task:
    """The task another replica noted (``told``), without losing what this one holds: a task only moves
    on, so its polls only grow, and one that ended here stays as it ended. Notes cross in flight (a
    replica notes what time did to a task before it has taken another's polls or end), and the later
    note, which wins, may come from the replica that knew less."""
    if held.run != told.run:  # a task set moving again is newer than any note of its earlier run
        return held if held.run > told.run else told
    if held.terminal and not told.terminal:
        told = replace(
            told,
            phase=held.phase,
            started_at=held.started_at,
            completed_at=held.completed_at,
            progress=held.progress,
            error=held.error,
            cancel_requested=held.cancel_requested,
        )
    return told if told.polls >= held.polls else replace(told, polls=held.polls)


def next_change(task: Task) -> float | None:
    """When ``advance`` next moves ``task`` to another phase by time alone (None: never, or only by polls)."""
    if task.terminal:
        return None
    if task.phase is Phase.INITIAL:
        at = task.origin + task.timing.queued
    elif task.outcome is Outcome.HANG:
        return None
    else:
        at = task.origin + task.timing.duration
    return at if math.isfinite(at) else None


def _running_progress(task: Task, now: float) -> float:
    timing = task.timing
    span = timing.duration - timing.queued
    by_time = 0.0 if span <= 0 or span == float("inf") else (now - task.origin - timing.queued) / span
    by_polls = 0.0 if timing.polls is None else task.polls / timing.polls
    fraction = max(by_time, by_polls)
    if task.outcome is Outcome.HANG:
        fraction = fraction / (1.0 + fraction)  # creeps towards 1 without reaching it
    return min(max(fraction, 0.0), RUNNING_PROGRESS_CAP)
