"""Task lifecycles in the mock: the extension that hooks the create, poll, cancel and list
operations of ``x-gatewright-task``.

The lifecycles are indexed once per API (``index``); the hooks (``hooks``) only read and
enqueue (what a request asks of its lifecycle: ``wants``), the engine owns every task; each
answer is the body the mock would have sent anyway with the task's truth written in
(``responses``), and a succeeded task's results are made servable (``publish``). The
background loop (finishing tasks, delivering callbacks) and the file route for result
downloads are registered by ``setup(app)``, which ``create_app`` calls.

This module and ``hooks`` are the extension; the rest of the package is the task service other
extensions use: batches and vector stores start tasks through a ``TaskStarter``
(``mock.extensions``), stored responses run background creates on the engine, streams follow
a turn on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock.answers.compose import Composer
from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.files import FileSigner, setup_files
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.tasks.callbacks import CallbackDispatcher, CallbackPolicy, engine_running
from gatewright.mock.tasks.clock import Clock
from gatewright.mock.tasks.engine import DEFAULT_RETENTION, TaskEngine
from gatewright.mock.tasks.facts import FactsOf
from gatewright.mock.tasks.hooks import TaskHooks
from gatewright.mock.tasks.index import Lifecycle, LifecycleIndex
from gatewright.mock.tasks.models import Task, TaskTiming
from gatewright.mock.tasks.responses import CountEvents, TaskBodies

if TYPE_CHECKING:
    from gatewright.mock.shared_values import Shared

__all__ = ["TaskExtension"]


class TaskExtension:
    """Runs every declared lifecycle on one ``TaskEngine``; see the module docstring."""

    name = "tasks"
    repeatable = False

    def __init__(
        self,
        *,
        timing: TaskTiming | None = None,
        retention: float | None = None,
        clock: Clock | None = None,
        seed: int | None = None,
        callbacks: CallbackPolicy | None = None,
        files: FileSigner | None = None,
        tick_interval: float = 0.05,
        count_events: CountEvents | None = None,
        replica: str = "0",
        composer: Composer | None = None,
    ) -> None:
        self.index = LifecycleIndex(retention_override=retention)  # --task-retention wins over declarations
        self.engine = TaskEngine(
            clock=clock,
            timing=timing,
            retention=DEFAULT_RETENTION if retention is None else retention,
            seed=seed,
            replica=replica,  # with replicas (``mock.shared``): only a task's creator calls back
            states_of=self.index.states_of,  # a task another replica created gets its words from the spec
        )
        self.files = files if files is not None else FileSigner()
        self.bodies = TaskBodies(self.index, count_events)  # counters follow their streams
        # an agent task's answer is the LLM answers' own (``tasks.transcripts``): their composer, or one alike
        composer = composer if composer is not None else Composer(seed=seed)
        self.hooks = TaskHooks(self.engine, self.index, self.bodies, self.files, composer=composer)
        self.dispatcher = CallbackDispatcher(self._callback_payload, callbacks)
        self.tick_interval = tick_interval

    # --- Extension protocol ----------------------------------------------------------------------

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        self.index.add(api)
        key = (api.name, operation.operation_id)
        hooks: list[OperationHook] = []
        lifecycle = self.index.creates.get(key)
        if lifecycle is not None:
            hooks.append(self.hooks.create_hook(lifecycle))
        if key in self.index.polls:
            hooks.append(self.hooks.poll_hook(self.index.polls[key]))
        if key in self.index.cancels:
            hooks.append(self.hooks.cancel_hook(self.index.cancels[key]))
        if key in self.index.actions:
            hooks.append(self.hooks.action_hook(self.index.actions[key]))
        if key in self.index.transcripts:
            hooks.append(self.hooks.transcript_hook(self.index.transcripts[key]))
        polled = self._polled_at(api, operation) if operation.operation.method in ("PATCH", "PUT") else None
        if polled is not None:  # an update of the task's item (ipop's PATCH of a media asset)
            hooks.append(self.hooks.update_hook(polled))
        if key in self.index.lists:
            hooks.append(self.hooks.list_hook(self.index.lists[key]))
        if not hooks:
            return None
        if len(hooks) == 1:
            return hooks[0]

        async def chained(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
            for hook in hooks:
                answered = await hook(call)
                if answered is not None:
                    return answered
            return None

        return chained

    def _polled_at(self, api: MockApi, operation: MockOperation) -> list[Lifecycle] | None:
        """The lifecycles whose poll reads the item at this operation's path (a GET on the same route)."""
        read = api.read_at(operation.operation.path)
        return self.index.polls.get((api.name, read.operation_id)) if read is not None else None

    def register_facts(self, name: str, of: FactsOf) -> None:
        """What tasks started with ``FactsRef(name, args)`` state beside their status (``tasks.facts``)."""
        self.bodies.facts.register(name, of)

    def shared_stores(self) -> list[Shared]:
        """What replicas share (``mock.shared``): the tasks, and which creates made one since reset."""
        return [self.engine, self.hooks.started]

    def reset(self) -> None:
        self.engine.reset()
        self.bodies.clear()
        self.hooks.started.clear()
        self.dispatcher.deliveries.clear()

    def snapshot(self) -> dict[str, Any]:
        return {
            "tasks": [task.summary() for task in self.engine.list_tasks()],
            "callbacks": [
                {"task_id": d.task_id, "url": d.url, "status": d.status, "error": d.error}
                for d in self.dispatcher.deliveries
            ],
        }

    def setup(self, app: web.Application) -> None:
        """The file route and the engine's background loop (finishes tasks, sends callbacks)."""
        setup_files(app, self.files)

        async def background(_: web.Application) -> AsyncIterator[None]:
            async with engine_running(self.engine, self.dispatcher, interval=self.tick_interval):
                yield

        app.cleanup_ctx.append(background)

    def _callback_payload(self, task: Task) -> Mapping[str, Any]:
        body = self.bodies.poll_body(task)
        return body if isinstance(body, Mapping) else task.summary()
