"""The values a task is made of: outcomes, timing, errors, the task itself.

Phases and the API's status words are the contract's (``gatewright.spec.tasks``).

A ``Task`` is immutable; every change (a poll, a transition) produces a new value,
so a handler holding one can never see it change under it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewright.spec.tasks import Phase, States

__all__ = [
    "CancelResult",
    "Outcome",
    "Task",
    "TaskError",
    "TaskTiming",
    "task_from_shared",
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
    context: Mapping[str, Any] = field(default_factory=dict, compare=False)  # JSON (replicas share it)
    replica: str = "0"  # the replica that created it: the one that delivers its callback
    run: int = 0  # how many times it was set moving again (a follow-up, an action): its runs since created
    run_at: float | None = None  # when its current run began (None: at creation)
    words: tuple[tuple[str, str], ...] = ()  # (phase, status) this run shows in place of the first word

    @property
    def status(self) -> str:
        """The API's word for the current phase (this run's own word for it, where an action gave one)."""
        return dict(self.words).get(self.phase.value) or self.states.status_for(self.phase)

    @property
    def origin(self) -> float:
        """When the current run began: what its phases are timed from."""
        return self.created_at if self.run_at is None else self.run_at

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

    def to_shared(self) -> dict[str, Any]:
        """The task as JSON for the replicas that share it (``mock.shared``); ``task_from_shared`` reads
        it back. The status words are not carried: each replica has them from the spec."""
        return {
            "id": self.id,
            "api": self.api,
            "op": self.operation_id,
            "timing": [_number(self.timing.duration), _number(self.timing.queued), self.timing.polls],
            "created": _number(self.created_at),
            "seq": self.seq,
            "phase": self.phase.value,
            "outcome": self.outcome.value,
            "started": _number(self.started_at),
            "completed": _number(self.completed_at),
            "progress": _number(self.progress),
            "polls": self.polls,
            "results": list(self.results),
            "callback": self.callback_url,
            "error": None if self.error is None else [self.error.code, self.error.message],
            "cancel": self.cancel_requested,
            "retention": _number(self.retention),
            "context": dict(self.context),
            "replica": self.replica,
            "run": self.run,
            "run_at": _number(self.run_at),
            "words": [list(pair) for pair in self.words],
        }


def task_from_shared(data: Mapping[str, Any], states_of: Callable[[str, str], States]) -> Task:
    """The task ``Task.to_shared`` wrote; ``states_of(api, operation_id)`` gives its status words."""
    duration, queued, polls = data["timing"]
    error = data["error"]
    return Task(
        id=data["id"],
        api=data["api"],
        operation_id=data["op"],
        states=states_of(data["api"], data["op"]),
        timing=TaskTiming(_float(duration), _float(queued), polls),
        created_at=_float(data["created"]),
        seq=data["seq"],
        phase=Phase(data["phase"]),
        outcome=Outcome(data["outcome"]),
        started_at=_maybe_float(data["started"]),
        completed_at=_maybe_float(data["completed"]),
        progress=_float(data["progress"]),
        polls=data["polls"],
        results=tuple(data["results"]),
        callback_url=data["callback"],
        error=None if error is None else TaskError(error[0], error[1]),
        cancel_requested=data["cancel"],
        retention=_maybe_float(data["retention"]),
        context=data["context"],
        replica=data["replica"],
        run=data.get("run", 0),
        run_at=_maybe_float(data.get("run_at")),
        words=tuple((phase, word) for phase, word in data.get("words", ())),
    )


def _number(value: float | None) -> float | str | None:
    """A float as strict JSON takes it: infinity (a lifecycle moved on by polls only, a retention
    that never ends) and NaN as their names."""
    return value if value is None or math.isfinite(value) else str(value)


def _float(value: float | str) -> float:
    return float(value)


def _maybe_float(value: float | str | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class CancelResult:
    """What a cancel request did: ``changed`` is False when the task had already finished."""

    task: Task
    changed: bool

    @property
    def already_finished(self) -> bool:
        return not self.changed
