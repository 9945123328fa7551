"""Which operations of an API take part in which task lifecycle, found once per API from the spec.

Each create operation with an ``x-gatewright-task`` whose poll exists is one ``Lifecycle``;
the index also knows, per operation, the lifecycles it polls (its own first, then those whose
tasks it also serves, ``also_served_by``) and cancels, and the creates whose tasks a list
operation shows (``listing.shown_lists``: its own, or others a query parameter selects).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.tasks.links import LinkPlan, plan_links
from gatewright.mock.tasks.listing import Shows, shown_lists
from gatewright.mock.tasks.models import Task
from gatewright.mock.tasks.results import ResultPlan, plan_result
from gatewright.spec.tasks import States, TaskSpec

__all__ = ["Lifecycle", "LifecycleIndex"]

_Key = tuple[str, str]  # (api, operationId)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """One create operation and its declared lifecycle."""

    api: MockApi
    create: MockOperation
    spec: TaskSpec
    result: ResultPlan | None
    retention: float | None  # None: the engine's default
    links: tuple[LinkPlan, ...] = ()  # fields that point at the task's own routes (poll_url, ...)
    # each ``set_on_success`` field (its pointer) and what it holds once the task succeeded
    outputs: tuple[tuple[str, ResultPlan], ...] = ()

    @property
    def id_prefix(self) -> str:
        """What new task ids start with: the API's own prefix where the spec states one."""
        return self.spec.id_prefix or "task_"


@dataclass(slots=True)
class LifecycleIndex:
    """The lifecycles of every API indexed so far. ``retention_override`` (``--task-retention``)
    wins over every declared ``retention_seconds``."""

    retention_override: float | None = None
    creates: dict[_Key, Lifecycle] = field(default_factory=dict)
    polls: dict[_Key, list[Lifecycle]] = field(default_factory=dict)
    cancels: dict[_Key, list[Lifecycle]] = field(default_factory=dict)
    actions: dict[_Key, list[Lifecycle]] = field(default_factory=dict)  # routes that move their tasks
    transcripts: dict[_Key, list[Lifecycle]] = field(default_factory=dict)  # routes listing a conversation
    lists: dict[_Key, Shows] = field(default_factory=dict)  # list op -> the create ops whose tasks it shows
    _indexed: dict[str, MockApi] = field(default_factory=dict)

    def add(self, api: MockApi) -> None:
        """Index ``api`` (once; later calls for it do nothing)."""
        if api.name in self._indexed:
            return
        self._indexed[api.name] = api
        for op in api.operations.values():
            if op.task is None or op.task.poll not in api.operations:
                continue
            retention = op.task.retention_seconds if self.retention_override is None else None
            links = plan_links(
                api,
                op.task,
                (op.operation_id, op.task.poll, op.task.cancel or ""),
                op.operation.template.names,
            )
            outputs = tuple(
                (field, plan)
                for field in op.task.set_on_success
                if (plan := plan_result(api, op.task, op, field)) is not None
            )
            lifecycle = Lifecycle(api, op, op.task, plan_result(api, op.task, op), retention, links, outputs)
            self.creates[(api.name, op.operation_id)] = lifecycle
            self.polls.setdefault((api.name, op.task.poll), []).append(lifecycle)
            if op.task.cancel and op.task.cancel in api.operations:
                self.cancels.setdefault((api.name, op.task.cancel), []).append(lifecycle)
            for routes, named in ((self.actions, op.task.actions), (self.transcripts, op.task.transcripts)):
                for acting, _ in named:
                    if acting in api.operations:
                        routes.setdefault((api.name, acting), []).append(lifecycle)
        for (name, _), lifecycle in list(self.creates.items()):
            if name != api.name:
                continue
            for served_by in lifecycle.spec.also_served_by:
                if served_by in api.operations:
                    self.polls.setdefault((api.name, served_by), []).append(lifecycle)
        creates = [create for (name, create) in self.creates if name == api.name]
        for list_id, shown in shown_lists(api, creates).items():
            self.lists[(api.name, list_id)] = shown

    def of(self, task: Task) -> Lifecycle | None:
        """The lifecycle ``task`` was created under."""
        return self.creates.get((task.api, task.operation_id))

    def states_of(self, api: str, operation_id: str) -> States | None:
        """The status words of tasks ``operation_id`` creates (its ``x-gatewright-task``), None when
        the API is not indexed or the operation declares no task: what a task another replica
        created is rebuilt with (``TaskEngine.states_of``)."""
        found = self._indexed.get(api)
        operation = found.operations.get(operation_id) if found is not None else None
        return operation.task.states if operation is not None and operation.task is not None else None
