"""The values a task is made of: phases, outcomes, timing, the API's status words, the task itself.

A ``Task`` is immutable; every change (a poll, a transition) produces a new value,
so a handler holding one can never see it change under it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewright.spec.model import TaskSpec

__all__ = [
    "CancelResult",
    "Outcome",
    "Phase",
    "Task",
    "TaskError",
    "TaskStates",
    "TaskTiming",
]


class Phase(enum.Enum):
    """Where a task is in its life, independent of the words an API uses for it."""

    INITIAL = "initial"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED)


class Outcome(enum.Enum):
    """How a task will end, steered by ``Prefer: task=<value>`` on the create request.

    ``succeed`` (default) ends in the API's success state with results; ``fail`` in its
    failure state with an error; ``cancel`` in its cancelled state as if the provider
    cancelled it (useful where the API has no cancel operation); ``hang`` never
    finishes, for testing client timeouts.
    """

    SUCCEED = "succeed"
    FAIL = "fail"
    CANCEL = "cancel"
    HANG = "hang"

    @classmethod
    def from_prefer(cls, value: str | None) -> Outcome:
        """Map the value of a ``task=`` preference; unknown or missing values mean ``succeed``."""
        aliases = {
            "success": "succeed",
            "succeeded": "succeed",
            "failure": "fail",
            "failed": "fail",
            "cancelled": "cancel",
            "canceled": "cancel",
        }
        cleaned = (value or "").strip().strip('"').lower()
        cleaned = aliases.get(cleaned, cleaned)
        try:
            return cls(cleaned)
        except ValueError:
            return cls.SUCCEED


@dataclass(frozen=True, slots=True)
class TaskTiming:
    """When a task moves on. Defaults: ``queued`` for 0.1 s, finished 1 s after creation.

    With ``polls`` set, a task also moves on by being polled: running from the first
    poll, finished at the ``polls``-th, whichever of time and polls comes first. Set
    ``duration=math.inf`` with ``polls=N`` for a purely poll-driven lifecycle.
    """

    duration: float = 1.0
    queued: float = 0.1
    polls: int | None = None

    def __post_init__(self) -> None:
        if self.duration < 0 or self.queued < 0:
            raise ValueError("task timing must not be negative")
        if self.queued > self.duration:
            raise ValueError("a task cannot stay queued longer than it runs")
        if self.polls is not None and self.polls < 1:
            raise ValueError("polls must be at least 1")


_FALLBACK = {
    "initial": "queued",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}


@dataclass(frozen=True, slots=True)
class TaskStates:
    """The API's own status words for each phase (``x-gatewright-task.states``)."""

    initial: tuple[str, ...] = ()
    running: tuple[str, ...] = ()
    succeeded: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: TaskSpec) -> TaskStates:
        return cls(**{kind: tuple(spec.states.get(kind, ())) for kind in _FALLBACK})

    def words(self, phase: Phase) -> tuple[str, ...]:
        values: tuple[str, ...] = getattr(self, phase.value)
        return values

    def status_for(self, phase: Phase) -> str:
        """The word shown for ``phase``: the first of its list.

        An empty list borrows from the nearest phase: no initial word shows the running
        one (and vice versa); no cancelled word shows the failed one (the task is still
        CANCELLED inside the engine). Only a spec with no words at all falls back to
        generic ones.
        """
        borrow = {
            Phase.INITIAL: (Phase.INITIAL, Phase.RUNNING),
            Phase.RUNNING: (Phase.RUNNING, Phase.INITIAL),
            Phase.SUCCEEDED: (Phase.SUCCEEDED,),
            Phase.FAILED: (Phase.FAILED,),
            Phase.CANCELLED: (Phase.CANCELLED, Phase.FAILED),
        }
        for candidate in borrow[phase]:
            words = self.words(candidate)
            if words:
                return words[0]
        return _FALLBACK[phase.value]

    def phase_of(self, status: str) -> Phase | None:
        for phase in Phase:
            if status in self.words(phase):
                return phase
        return None

    @property
    def can_cancel(self) -> bool:
        """Whether the API has its own word for a cancelled task."""
        return bool(self.cancelled)


@dataclass(frozen=True, slots=True)
class TaskError:
    """Why a task failed, in words the renderer fits into the API's error shape."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Task:
    """One task at one moment. Times are epoch seconds from the engine's clock; progress is 0..1."""

    id: str
    api: str
    operation_id: str
    states: TaskStates
    timing: TaskTiming
    created_at: float
    seq: int
    phase: Phase = Phase.INITIAL
    outcome: Outcome = Outcome.SUCCEED
    started_at: float | None = None
    completed_at: float | None = None
    progress: float = 0.0
    polls: int = 0
    results: tuple[str, ...] = ()
    callback_url: str | None = None
    error: TaskError | None = None
    cancel_requested: bool = False
    retention: float | None = None  # seconds readable after finishing; None: the engine's default
    context: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def status(self) -> str:
        """The API's word for the current phase."""
        return self.states.status_for(self.phase)

    @property
    def terminal(self) -> bool:
        return self.phase.terminal

    def summary(self) -> dict[str, Any]:
        """A JSON-ready view for the mock's read-only control API."""
        return {
            "id": self.id,
            "api": self.api,
            "operation_id": self.operation_id,
            "phase": self.phase.value,
            "status": self.status,
            "outcome": self.outcome.value,
            "progress": self.progress,
            "polls": self.polls,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "results": list(self.results),
            "callback_url": self.callback_url,
            "error": None if self.error is None else {"code": self.error.code, "message": self.error.message},
        }


@dataclass(frozen=True, slots=True)
class CancelResult:
    """What a cancel request did: ``changed`` is False when the task had already finished."""

    task: Task
    changed: bool

    @property
    def already_finished(self) -> bool:
        return not self.changed
