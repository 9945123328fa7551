"""Task lifecycles as the contract declares them (``x-gatewright-task``, docs/extensions.md).

The one vocabulary of tasks: the five ``Phase``s in their transition order
(``TRANSITIONS``: initial → running → one terminal phase, never out of a terminal one),
the API's own status words for each (``States``; the lifecycle files, the canonical
extension, the mock's tasks and the conformance checks all read this type) and the
declaration itself (``TaskSpec``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gatewright.spec.expressions import MISSING, Exchange, RuntimeExpression

__all__ = [
    "STATE_KINDS",
    "TRANSITIONS",
    "Actions",
    "Counter",
    "Move",
    "Phase",
    "States",
    "TaskSpec",
    "Transcript",
    "moves_forward",
    "task_id_in",
    "task_id_slot",
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

    @property
    def rank(self) -> int:
        """The transition order: 0 initial, 1 running, 2 terminal; a task's rank never goes down."""
        return 2 if self.terminal else (0 if self is Phase.INITIAL else 1)


STATE_KINDS: tuple[str, ...] = tuple(phase.value for phase in Phase)


def moves_forward(phase: Phase, shown: str, best: int, final: str | None) -> bool:
    """The status-order rule an observer of a task judges each status by: ``shown`` (in ``phase``)
    may follow what was seen (the highest rank ``best``, -1 before any; ``final``, the terminal
    status once one was shown) when its rank does not go down and a terminal status never changes."""
    return phase.rank >= best and (final is None or shown == final)


TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.INITIAL: frozenset({Phase.RUNNING, Phase.FAILED, Phase.CANCELLED}),
    Phase.RUNNING: frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED}),
    Phase.SUCCEEDED: frozenset(),
    Phase.FAILED: frozenset(),
    Phase.CANCELLED: frozenset(),
}

# A state with no word of its own shows the nearest phase's word.
_BORROW: dict[Phase, tuple[Phase, ...]] = {
    Phase.INITIAL: (Phase.INITIAL, Phase.RUNNING),
    Phase.RUNNING: (Phase.RUNNING, Phase.INITIAL),
    Phase.SUCCEEDED: (Phase.SUCCEEDED,),
    Phase.FAILED: (Phase.FAILED,),
    Phase.CANCELLED: (Phase.CANCELLED, Phase.FAILED),
}
_GENERIC = {Phase.INITIAL: "queued"}  # only for a declaration with no words at all


@dataclass(frozen=True, slots=True)
class States(Mapping[str, tuple[str, ...]]):
    """The API's status words per phase: a mapping from the five kinds to their lists."""

    initial: tuple[str, ...] = ()
    running: tuple[str, ...] = ()
    succeeded: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> States:
        return cls(**{kind: tuple(value.get(kind, ())) for kind in STATE_KINDS})

    def __getitem__(self, kind: str) -> tuple[str, ...]:
        if kind not in STATE_KINDS:
            raise KeyError(kind)
        words: tuple[str, ...] = getattr(self, kind)
        return words

    def __iter__(self) -> Iterator[str]:
        return iter(STATE_KINDS)

    def __len__(self) -> int:
        return len(STATE_KINDS)

    def as_json(self) -> dict[str, list[str]]:
        return {kind: list(self[kind]) for kind in STATE_KINDS}

    def statuses(self) -> list[str]:
        """Every status word, in phase order."""
        return [word for kind in STATE_KINDS for word in self[kind]]

    def words(self, phase: Phase) -> tuple[str, ...]:
        return self[phase.value]

    def phase_of(self, status: Any) -> Phase | None:
        """The phase ``status`` belongs to, or None when it is undeclared."""
        return next((phase for phase in Phase if status in self[phase.value]), None)

    def status_for(self, phase: Phase) -> str:
        """The word shown for ``phase``: the first of its list (docs/extensions.md).

        An empty list borrows from the nearest phase: no initial word shows the running
        one (and vice versa); no cancelled word shows the failed one (the task is still
        CANCELLED inside the mock). Only a declaration with no words at all falls back to
        generic ones.
        """
        for candidate in _BORROW[phase]:
            words = self.words(candidate)
            if words:
                return words[0]
        return _GENERIC.get(phase, phase.value)

    @property
    def terminal(self) -> tuple[str, ...]:
        return self.succeeded + self.failed + self.cancelled

    @property
    def can_cancel(self) -> bool:
        """Whether the API has its own word for a cancelled task."""
        return bool(self.cancelled)


@dataclass(frozen=True, slots=True)
class Counter:
    """A poll body field that counts the events a stream operation has sent for the task so far."""

    field: str  # JSON pointer into the poll body
    follows: str  # operationId of the event stream


@dataclass(frozen=True, slots=True)
class Move:
    """One action on a task (``x-gatewright-task.actions``): taken in the statuses ``allowed`` (empty:
    any), it shows ``via`` while it moves and ends in ``to``; without ``to`` it changes nothing."""

    allowed: tuple[str, ...] = ()
    via: str | None = None
    to: str | None = None


@dataclass(frozen=True, slots=True)
class Actions:
    """A route that acts on a task's item: its path ``parameter`` names the action, ``moves`` say what each
    does (an action it does not list is left to the route as it is)."""

    parameter: str
    moves: tuple[tuple[str, Move], ...]

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Actions:
        moves = tuple(
            (name, Move(tuple(move.get("from", ())), move.get("via"), move.get("to")))
            for name, move in value.get("moves", {}).items()
        )
        return cls(value["parameter"], moves)

    def move(self, action: str) -> Move | None:
        return next((move for name, move in self.moves if name == action), None)


@dataclass(frozen=True, slots=True)
class Transcript:
    """A route that lists a task's conversation (``x-gatewright-task.transcripts``): the list goes at
    ``messages`` of its answer (a JSON pointer); the user's words are at ``prompt`` of the create's (and
    each follow-up's) request body, the agent's answer at ``answer`` of the poll's body."""

    messages: str
    prompt: str
    answer: str

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Transcript:
        return cls(value["messages"], value["prompt"], value["answer"])


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """The declared lifecycle of an operation that starts asynchronous work (docs/extensions.md).

    The last ten keys are what the spec states in prose (the lifecycle file's ``behaviours``).
    """

    poll: str
    id: str
    status: str
    states: States
    result: str | None = None
    cancel: str | None = None
    prefer: str | None = None
    poll_id: str | None = None  # where the id goes in the poll request, e.g. "$request.path.video_id"
    async_when: str | None = None  # a request expression that makes the call a task
    retention_seconds: float | None = None  # how long a finished task stays readable
    sync_when: str | None = None  # a request expression that makes the call answer the result, not a task
    id_prefix: str | None = None  # what the API's task ids start with
    finished_cancel: str | None = None  # "noop": cancelling a finished task changes nothing
    running_cancel: int | None = None  # the status cancelling a task still running answers (its end via GET)
    also_served_by: tuple[str, ...] = ()  # other poll operations that serve these tasks too
    counters: tuple[Counter, ...] = ()
    set_on_success: tuple[str, ...] = ()  # poll body fields null until the task succeeds, then set
    follow_up: str | None = None  # a request expression: the id of a task the create continues
    actions: tuple[tuple[str, Actions], ...] = ()  # (operationId, what it does) of routes that move a task
    transcripts: tuple[tuple[str, Transcript], ...] = ()  # (operationId, how) of routes telling its talk

    @classmethod
    def from_extension(cls, value: Mapping[str, Any]) -> TaskSpec:
        return cls(
            poll=value["poll"],
            id=value["id"],
            status=value["status"],
            states=States.from_json(value.get("states", {})),
            result=value.get("result"),
            cancel=value.get("cancel"),
            prefer=value.get("prefer"),
            poll_id=value.get("poll_id"),
            async_when=value.get("async_when"),
            retention_seconds=value.get("retention_seconds"),
            sync_when=value.get("sync_when"),
            id_prefix=value.get("id_prefix"),
            finished_cancel=value.get("finished_cancel"),
            running_cancel=value.get("running_cancel"),
            also_served_by=tuple(value.get("also_served_by", ())),
            counters=tuple(Counter(c["field"], c["follows"]) for c in value.get("counters", ())),
            set_on_success=tuple(value.get("set_on_success", ())),
            follow_up=value.get("follow_up"),
            actions=tuple((op, Actions.from_json(acts)) for op, acts in value.get("actions", {}).items()),
            transcripts=tuple(
                (op, Transcript.from_json(told)) for op, told in value.get("transcripts", {}).items()
            ),
        )

    def telling(self, operation_id: str) -> Transcript | None:
        """How the route ``operation_id`` lists these tasks' conversation (None: it is none of theirs)."""
        return next((told for op, told in self.transcripts if op == operation_id), None)

    def acting(self, operation_id: str) -> Actions | None:
        """What the action route ``operation_id`` does to these tasks (None: it is none of theirs)."""
        return next((acts for op, acts in self.actions if op == operation_id), None)

    @property
    def id_pointer(self) -> str:
        """Where the id is in the create response body (``$response.body#/job_id`` → ``/job_id``)."""
        try:
            return RuntimeExpression.parse(self.id).pointer
        except ValueError:
            return ""

    def kind_of(self, status: Any) -> str | None:
        """Which state list ``status`` belongs to, or None when it is undeclared."""
        phase = self.states.phase_of(status)
        return None if phase is None else phase.value

    @property
    def terminal(self) -> tuple[str, ...]:
        return self.states.terminal


def task_id_slot(poll_id: str | None, path_names: Sequence[str]) -> RuntimeExpression | None:
    """Where a poll or cancel request names its task: ``poll_id`` (a ``$request`` expression, e.g.
    ``$request.path.video_id`` or ``$request.body#/id``), else the request's last path parameter
    (``path_names`` in template order); None when it has neither."""
    if poll_id:
        try:
            parsed = RuntimeExpression.parse(poll_id)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.source == "request":
            return parsed
    return RuntimeExpression.request_path(path_names[-1]) if path_names else None


def task_id_in(poll_id: str | None, path_names: Sequence[str], request: Exchange) -> str | None:
    """The task id a poll or cancel ``request`` names (see ``task_id_slot``), or None."""
    slot = task_id_slot(poll_id, path_names)
    found = MISSING if slot is None else slot.evaluate(request)
    return None if found is MISSING or found is None else str(found)
