"""The values a task is made of: outcomes, timing, errors, the task itself.

Phases and the API's status words are the contract's (``gatewright.spec.tasks``).

A ``Task`` is immutable; every change (a poll, a transition) produces a new value,
so a handler holding one can never see it change under it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewright.spec.tasks import Phase, States

__all__ = [
    "CancelResult",
    "Outcome",
    "Task",
    "TaskError",
    "TaskTiming",
]


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
    states: States  # the API's status words (``TaskSpec.states``)
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
