"""Task lifecycles in the mock: hooks for the create, poll and cancel operations of ``x-gatewright-task``.

The hooks only read and enqueue (the engine owns every task); each answer is the
body the mock would have sent anyway, with the task's truth written in by
``render_task`` and kept only where the spec's schema still accepts it. The
background loop (finishing tasks, delivering callbacks) and the file route for
result downloads are registered by ``setup(app)``, which ``create_app`` calls.
"""

from __future__ import annotations

import contextlib
import copy
import re
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from gatewright.mock import media
from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.files import FileSigner, setup_files
from gatewright.mock.negotiation import Decision, negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, web_response
from gatewright.mock.preferences import NO_PREFERENCES
from gatewright.mock.render import is_json, response_headers
from gatewright.mock.state import ResourceStore
from gatewright.mock.stateful import render_list
from gatewright.mock.tasks.callbacks import (
    CallbackDispatcher,
    CallbackPolicy,
    engine_running,
    find_callback_url,
)
from gatewright.mock.tasks.clock import Clock
from gatewright.mock.tasks.engine import DEFAULT_RETENTION, TaskEngine
from gatewright.mock.tasks.links import LinkPlan, plan_links, write_links
from gatewright.mock.tasks.listing import ListQuery, list_operations
from gatewright.mock.tasks.models import Outcome, Phase, Task, TaskTiming
from gatewright.mock.tasks.render import relocate, render_task, runtime_pointer
from gatewright.mock.tasks.results import ResultKind, ResultPlan, plan_result
from gatewright.spec.model import TaskSpec
from gatewright.spec.pointer import lookup, split

__all__ = ["TaskExtension"]

_PATH_PARAM = re.compile(r"\{([^{}/*+]+)[*+]?\}")
_POLL_BODY_CACHE = 4096  # rendered poll bodies kept (see ``TaskExtension._poll_body``)


@dataclass(frozen=True, slots=True)
class _Lifecycle:
    """One create operation and its declared lifecycle."""

    api: MockApi
    create: MockOperation
    spec: TaskSpec
    result: ResultPlan | None
    retention: float | None  # None: the engine's default
    links: tuple[LinkPlan, ...] = ()  # fields that point at the task's own routes (poll_url, ...)

    @property
    def id_prefix(self) -> str:
        return "task_"


def _last_path_param(path: str) -> str | None:
    names = [
        segment[1:-1] for segment in path.split("/") if segment.startswith("{") and segment.endswith("}")
    ]
    return names[-1].rstrip("*+") if names else None


def _id_from(expression: str | None, call: MockCall) -> str | None:
    """The task id a poll/cancel request names (``$request.path.x`` or ``$request.body#/x``)."""
    if expression and expression.startswith("$request.path."):
        return call.path_params.get(expression.removeprefix("$request.path."))
    if expression and expression.startswith("$request.body#"):
        found = lookup(call.body, runtime_pointer(expression))
        return None if found is None else str(found)
    name = _last_path_param(call.operation.operation.path)
    return call.path_params.get(name) if name else None


def _wants_task(spec: TaskSpec, call: MockCall) -> bool:
    """Whether this create request is answered as a task (see ``prefer`` and ``async_when``)."""
    if spec.prefer is None and spec.async_when is None:
        return True
    if spec.async_when is not None and lookup(call.body, runtime_pointer(spec.async_when)) is True:
        return True
    if spec.prefer is not None:
        key, _, value = spec.prefer.partition("=")
        key = key.strip().lower()
        if key == "code":
            return call.preferences.code is not None and str(call.preferences.code) == value.strip()
        return key in call.preferences.extra
    return False


def _default_limit(api: MockApi, op: MockOperation) -> int | None:
    """The page size a list documents as its ``limit`` parameter's default, if any."""
    pointer = op.validator.param_pointer("limit", "query")
    if pointer is None:
        return None
    schema, _ = api.schemas.deref(api.schemas.resolve(pointer), pointer)
    default = schema.get("default") if isinstance(schema, Mapping) else None
    return default if isinstance(default, int) and not isinstance(default, bool) and default >= 0 else None


class TaskExtension:
    """Runs every declared lifecycle on one ``TaskEngine``; see the module docstring."""

    name = "tasks"

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
    ) -> None:
        self.engine = TaskEngine(
            clock=clock,
            timing=timing,
            retention=DEFAULT_RETENTION if retention is None else retention,
            seed=seed,
        )
        self._retention_override = retention  # set (--task-retention): wins over every declaration
        self.files = files if files is not None else FileSigner()
        self.dispatcher = CallbackDispatcher(self._callback_payload, callbacks)
        self.tick_interval = tick_interval
        self._lifecycles: dict[tuple[str, str], _Lifecycle] = {}  # (api, create operationId)
        self._polls: dict[tuple[str, str], list[_Lifecycle]] = {}
        self._cancels: dict[tuple[str, str], list[_Lifecycle]] = {}
        self._lists: dict[tuple[str, str], tuple[str, ...]] = {}  # (api, list op) -> create ops
        self._started: set[tuple[str, str]] = set()  # (api, create op) that made a task since reset
        self._indexed: set[str] = set()
        self._poll_bodies: dict[tuple[str, str], tuple[Task, Any]] = {}  # (api, task id) -> (task, body)

    # --- Extension protocol ----------------------------------------------------------------------

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        self._index(api)
        key = (api.name, operation.operation_id)
        hooks: list[OperationHook] = []
        lifecycle = self._lifecycles.get(key)
        if lifecycle is not None:
            hooks.append(self._create_hook(lifecycle))
        if key in self._polls:
            hooks.append(self._poll_hook(self._polls[key]))
        if key in self._cancels:
            hooks.append(self._cancel_hook(self._cancels[key]))
        if key in self._lists:
            hooks.append(self._list_hook(self._lists[key]))
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

    def reset(self) -> None:
        self.engine.reset()
        self._poll_bodies.clear()
        self._started.clear()
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

    # --- indexing --------------------------------------------------------------------------------

    def _index(self, api: MockApi) -> None:
        if api.name in self._indexed:
            return
        self._indexed.add(api.name)
        for op in api.operations.values():
            if op.task is None or op.task.poll not in api.operations:
                continue
            retention = op.task.retention_seconds if self._retention_override is None else None
            links = plan_links(
                api,
                op.task,
                (op.operation_id, op.task.poll, op.task.cancel or ""),
                _PATH_PARAM.findall(op.operation.path),
            )
            lifecycle = _Lifecycle(api, op, op.task, plan_result(api, op.task), retention, links)
            self._lifecycles[(api.name, op.operation_id)] = lifecycle
            self._polls.setdefault((api.name, op.task.poll), []).append(lifecycle)
            if op.task.cancel and op.task.cancel in api.operations:
                self._cancels.setdefault((api.name, op.task.cancel), []).append(lifecycle)
        creates = [create for (name, create) in self._lifecycles if name == api.name]
        for list_id, shown in list_operations(api, creates).items():
            self._lists[(api.name, list_id)] = shown

    # --- rendering -------------------------------------------------------------------------------

    def _render(
        self, api: MockApi, task: Task, spec: TaskSpec, decision: Decision, *, salt: str
    ) -> Any | None:
        """The decision's body with the task written in; the first variant the schema accepts."""
        media_spec = decision.media
        if media_spec is None or media_spec.schema_pointer is None or not is_json(media_spec.media_type):
            return None
        pointer = media_spec.schema_pointer
        schema = api.schemas.resolve(pointer)
        spec = self._fitted(api, decision, spec)
        id_pointer = runtime_pointer(spec.id)
        bases = [example.value for example in media_spec.examples if isinstance(example.value, Mapping)]
        if decision.example is not None and isinstance(decision.example.value, Mapping):
            bases.insert(0, decision.example.value)
        with contextlib.suppress(Exception):
            generated = api.generator.generate(pointer, salt=salt)
            if isinstance(generated, Mapping):
                bases.append(generated)
        if not bases:
            return None
        bases.sort(key=lambda b: lookup(b, id_pointer) is None)  # bodies that carry the id first

        def valid(body: Any) -> bool:
            return api.schemas.is_valid(pointer, body, formats=True)

        lifecycle = self._lifecycles.get((task.api, task.operation_id))
        plan = lifecycle.result if lifecycle is not None else None
        early = plan is not None and plan.kind is ResultKind.ROUTE  # a link to follow the task by
        variants = (spec, replace(spec, id=""), replace(spec, status=""), replace(spec, id="", status=""))
        first: dict[str, Any] | None = None
        for base in bases[:2]:
            for variant in variants:
                body = render_task(
                    task,
                    base,
                    variant,
                    schema=schema,
                    document=api.spec.document,
                    validate=valid,
                    result_early=early,
                )
                if lifecycle is not None and lifecycle.links:
                    self._write_links(lifecycle, task, body, pointer, valid)
                if valid(body):
                    return body
                first = first if first is not None else body
        return first

    def _write_links(
        self,
        lifecycle: _Lifecycle,
        task: Task,
        body: dict[str, Any],
        pointer: str,
        valid: Callable[[Any], bool],
    ) -> None:
        """Self-references (``poll_url``, ``cancel_url``, ...) name this task's real routes."""
        host = task.context.get("host")
        params = task.context.get("path_params")
        if not isinstance(host, str):
            return
        write_links(
            body,
            lifecycle.links,
            task.id,
            params if isinstance(params, Mapping) else {},
            host=host,
            prefix=lifecycle.api.prefix,
            pointer=pointer,
            valid=valid,
        )

    def _fitted(self, api: MockApi, decision: Decision, spec: TaskSpec) -> TaskSpec:
        """``spec``'s pointers as they apply to this answer's schema (see ``relocate``)."""
        media_spec = decision.media
        if media_spec is None or media_spec.schema_pointer is None:
            return spec
        schema = api.schemas.deref(api.schemas.resolve(media_spec.schema_pointer), None)[0]
        return relocate(spec, schema if isinstance(schema, Mapping) else None, api.spec.document)

    def _response(self, api: MockApi, op: MockOperation, decision: Decision, body: Any) -> JsonOutcome:
        assert decision.media is not None
        return JsonOutcome(
            decision.status,
            body,
            decision.media.media_type,
            response_headers(api, op, decision.response),
            decision.media.schema_pointer,
        )

    def _error(self, api: MockApi, op: MockOperation, status: int, message: str) -> web.Response:
        return web_response(api.errors.render(op.responses, status, message, path=op.operation.path))

    def _results(self, lifecycle: _Lifecycle, call: MockCall, task_id: str) -> tuple[str, ...]:
        """What the task will show at ``result`` once it succeeds (see ``tasks.results``)."""
        plan = lifecycle.result
        if plan is None:
            return ()
        host = f"{call.request.scheme}://{call.request.host}"
        if plan.kind is not ResultKind.MEDIA:
            return (plan.value(task_id, call.path_params, base=f"{host}{call.api.prefix}"),)
        model = call.body.get("model") if isinstance(call.body, Mapping) else None
        assert lifecycle.spec.result is not None
        kind = media.media_kind_for(
            lifecycle.spec.result,
            lifecycle.create.operation_id,
            lifecycle.create.operation.path,
            model if isinstance(model, str) else None,
        )
        assert kind is not None
        return (self.files.url(host, secrets.token_hex(12), kind),)

    def _publish(self, task: Task, store: ResourceStore) -> None:
        """Make a succeeded task's result id servable (``GET /v1/files/{file_id}`` then answers)."""
        lifecycle = self._lifecycles.get((task.api, task.operation_id))
        plan = lifecycle.result if lifecycle is not None else None
        if plan is None or plan.kind is not ResultKind.RESOURCE or plan.collection is None:
            return
        if task.phase is not Phase.SUCCEEDED or not task.results:
            return
        collection, resource_id = f"{task.api}:{plan.collection}", task.results[0]
        if store.get(collection, resource_id) is None and not store.was_deleted(collection, resource_id):
            store.put(collection, resource_id, {"id": resource_id})

    def _poll_body(self, task: Task) -> Any | None:
        """The task as its poll operation shows it (callbacks, list items).

        Rendering costs about a millisecond, so the last body per task is kept while the
        task is unchanged (the engine replaces a task value whenever it changes): a page of
        finished tasks costs dictionary lookups, not renders.
        """
        key = (task.api, task.id)
        cached = self._poll_bodies.get(key)
        if cached is not None and cached[0] is task:
            return copy.deepcopy(cached[1])
        lifecycle = self._lifecycles.get((task.api, task.operation_id))
        if lifecycle is None:
            return None
        poll = lifecycle.api.operations[lifecycle.spec.poll]
        decision = negotiate(poll.responses, NO_PREFERENCES, "application/json")
        body = self._render(lifecycle.api, task, lifecycle.spec, decision, salt=f"poll-{task.id}")
        if len(self._poll_bodies) >= _POLL_BODY_CACHE:
            del self._poll_bodies[next(iter(self._poll_bodies))]
        self._poll_bodies[key] = (task, copy.deepcopy(body))
        return body

    def _callback_payload(self, task: Task) -> Mapping[str, Any]:
        body = self._poll_body(task)
        return body if isinstance(body, Mapping) else task.summary()

    def _list_item(self, task: Task) -> dict[str, Any] | None:
        """The object a list holds for a task: the poll body, or the object in it that has the status."""
        body = self._poll_body(task)
        lifecycle = self._lifecycles[(task.api, task.operation_id)]
        container = lookup(body, "".join(f"/{t}" for t in split(lifecycle.spec.status)[:-1]) or "")
        item = container if isinstance(container, Mapping) else body
        return dict(item) if isinstance(item, Mapping) else None

    # --- hooks -----------------------------------------------------------------------------------

    def _create_hook(self, lifecycle: _Lifecycle) -> OperationHook:
        engine = self.engine

        async def create(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
            decision = call.decision
            if decision.status >= 300 or not _wants_task(lifecycle.spec, call):
                return None
            api = call.api
            outcome = Outcome.from_prefer(call.preferences.extra.get("task"))
            model = call.body.get("model") if isinstance(call.body, Mapping) else None
            task = engine.create(
                api.name,
                call.operation.operation_id,
                lifecycle.spec,
                id_prefix=lifecycle.id_prefix,
                outcome=outcome,
                callback_url=find_callback_url(call.body),
                context={
                    "model": model,
                    "path_params": dict(call.path_params),
                    "host": f"{call.request.scheme}://{call.request.host}",
                },
                retention=lifecycle.retention,
            )
            task = engine.with_results(api.name, task.id, self._results(lifecycle, call, task.id)) or task
            body = self._render(api, task, lifecycle.spec, decision, salt=f"create-{task.id}")
            if body is None:
                engine.delete(api.name, task.id)
                return None
            self._started.add((api.name, lifecycle.create.operation_id))
            return self._response(api, call.operation, decision, body)

        return create

    def _find(
        self, lifecycles: list[_Lifecycle], call: MockCall, expression: str | None
    ) -> Task | str | None:
        """The task a poll/cancel names; its id when unknown; None when the request names none."""
        task_id = _id_from(expression, call)
        if task_id is None:
            return None
        task = self.engine.get(call.api.name, task_id)
        if task is None or not any(lc.create.operation_id == task.operation_id for lc in lifecycles):
            return task_id
        return task

    def _poll_hook(self, lifecycles: list[_Lifecycle]) -> OperationHook:
        engine = self.engine

        async def poll(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
            if call.decision.status >= 300:
                return None
            found = self._find(lifecycles, call, lifecycles[0].spec.poll_id)
            if found is None:
                return None
            api, op = call.api, call.operation
            if isinstance(found, str):
                if call.store.find(f"{api.name}:", found) is not None:
                    return None  # a resource made without a task (e.g. a synchronous response)
                return self._error(api, op, 404, f"no such task: {found}")
            task = engine.poll(api.name, found.id)
            if task is None:
                return self._error(api, op, 404, f"no such task: {found.id} (expired)")
            self._publish(task, call.store)
            lifecycle = self._lifecycles[(api.name, task.operation_id)]
            body = self._render(api, task, lifecycle.spec, call.decision, salt=f"poll-{task.id}")
            if body is None:
                return None
            return self._response(api, op, call.decision, body)

        return poll

    def _cancel_hook(self, lifecycles: list[_Lifecycle]) -> OperationHook:
        engine = self.engine

        async def cancel(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
            if call.decision.status >= 300:
                return None
            found = self._find(lifecycles, call, None)
            if found is None:
                return None
            api, op = call.api, call.operation
            if isinstance(found, str):
                if call.store.find(f"{api.name}:", found) is not None:
                    return None
                return self._error(api, op, 404, f"no such task: {found}")
            result = engine.cancel(api.name, found.id)
            if result is None:
                return self._error(api, op, 404, f"no such task: {found.id} (expired)")
            lifecycle = self._lifecycles[(api.name, result.task.operation_id)]
            if result.already_finished:  # a no-op showing the final state, unless a 409 is documented
                if op.operation.method == "DELETE":
                    engine.delete(api.name, found.id)  # deleting a finished job removes it
                elif op.documents(409):
                    return self._error(
                        api, op, 409, f"task {found.id} already finished: {result.task.status}"
                    )
            body = self._render(api, result.task, lifecycle.spec, call.decision, salt=f"cancel-{found.id}")
            status = self._fitted(api, call.decision, lifecycle.spec).status
            if body is None or lookup(body, status) != result.task.status:
                return None
            return self._response(api, op, call.decision, body)

        return cancel

    def _list_hook(self, creates: tuple[str, ...]) -> OperationHook:
        engine = self.engine

        declared: list[str] | None = None
        default_limit: int | None = None

        async def list_tasks(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
            nonlocal declared, default_limit
            api, op = call.api, call.operation
            if call.decision.status >= 300 or not any((api.name, c) in self._started for c in creates):
                return None  # nothing created since reset: the documented examples
            spec = self._lifecycles[(api.name, creates[0])].spec
            if declared is None:
                declared = [str(p.get("name")) for p in op.operation.parameters if p.get("in") == "query"]
                default_limit = _default_limit(api, op)
            query = ListQuery.parse(
                call.path_params, call.request.query, declared, spec.status, default_limit
            )
            tasks, has_more = query.page(engine, api.name, creates)
            items = [item for task in tasks if (item := self._list_item(task)) is not None]
            for task in tasks:
                self._publish(task, call.store)
            rendered = render_list(api, op, call.decision, items, has_more=has_more)
            if rendered is not None:
                return web_response(rendered)
            return self._free_form_list(api, op, call.decision, items, has_more)

        return list_tasks

    def _free_form_list(
        self, api: MockApi, op: MockOperation, decision: Decision, items: list[dict[str, Any]], has_more: bool
    ) -> web.StreamResponse | JsonOutcome | None:
        """A list whose schema gives no shape (a proxied ``object``): the OpenAI list envelope."""
        media_spec = decision.media
        if media_spec is None or media_spec.schema_pointer is None or not is_json(media_spec.media_type):
            return None
        body: dict[str, Any] = {"object": "list", "data": items, "has_more": has_more}
        if items and "id" in items[0] and "id" in items[-1]:
            body.update(first_id=items[0]["id"], last_id=items[-1]["id"])
        if not api.schemas.is_valid(media_spec.schema_pointer, body, formats=True):
            return None
        return self._response(api, op, decision, body)
