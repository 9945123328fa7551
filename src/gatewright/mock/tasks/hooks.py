"""The operation hooks of task lifecycles: create, poll, cancel, list, actions and transcripts.

Each hook only reads the request and calls the engine (which owns every task); what it
answers is a ``TaskBodies`` rendering. A hook returns None to let the pipeline render
as it would without tasks (an error status was negotiated, the request is not a task,
the body cannot carry the task).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from aiohttp import web

from gatewright.mock import open_bodies
from gatewright.mock.answers.compose import Composer
from gatewright.mock.echo import echoable
from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.files import FileSigner
from gatewright.mock.keyset import SharedKeySet
from gatewright.mock.media import MediaKind
from gatewright.mock.negotiation import negotiate
from gatewright.mock.outcome import JsonOutcome, error_response, web_response
from gatewright.mock.paging import summary
from gatewright.mock.render import render, value_for
from gatewright.mock.resource_bodies import render_list
from gatewright.mock.tasks.asked import SENT
from gatewright.mock.tasks.callbacks import find_callback_url
from gatewright.mock.tasks.engine import TaskEngine
from gatewright.mock.tasks.facts import CONTEXT_KEY, FactsRef
from gatewright.mock.tasks.index import Lifecycle, LifecycleIndex
from gatewright.mock.tasks.listing import ListQuery, Shows
from gatewright.mock.tasks.made import MADE, made_fields
from gatewright.mock.tasks.models import Outcome, Task
from gatewright.mock.tasks.publish import OUTPUTS, outputs_for, publish, result_kind, results_for
from gatewright.mock.tasks.responses import TaskBodies, free_form_list, json_response
from gatewright.mock.tasks.sync import finished_result
from gatewright.mock.tasks.transcripts import said, write_transcript
from gatewright.mock.tasks.wants import followed_task, holds_on, named_task_id, wants_task
from gatewright.spec.media import is_json
from gatewright.spec.pointer import lookup
from gatewright.spec.tasks import Move, Phase

__all__ = ["Started", "TaskHooks"]

Answer = web.StreamResponse | JsonOutcome | None


class Started(SharedKeySet):
    """The (api, create operationId)s that made a task since reset: a list shows its documented examples
    until one did. Shared by replicas under ``tasks.started``."""

    shared_name = "tasks.started"


@dataclass(slots=True)
class TaskHooks:
    """Makes the hooks of one ``TaskExtension``; ``started`` is what made a task since reset."""

    engine: TaskEngine
    index: LifecycleIndex
    bodies: TaskBodies
    files: FileSigner
    composer: Composer  # the LLM answers': an agent task's runs answer with it (``tasks.transcripts``)
    started: Started = field(default_factory=Started)  # (api, create operationId)s

    def create_hook(self, lifecycle: Lifecycle) -> OperationHook:
        async def create(call: MockCall) -> Answer:
            if call.decision.status >= 300:
                return None
            followed = followed_task(lifecycle.spec, call)
            if followed is not None:
                return self.follow_up(lifecycle, call, followed)
            if holds_on(lifecycle.spec, call):
                return self.finished(lifecycle, call)
            if not wants_task(lifecycle.spec, call):
                return None
            return self.start(lifecycle, call)

        return create

    def start(
        self,
        lifecycle: Lifecycle,
        call: MockCall,
        *,
        task_id: str | None = None,
        outcome: Outcome | None = None,
        results: tuple[str, ...] | None = None,
        facts: FactsRef | None = None,
    ) -> Answer:
        """Start ``lifecycle``'s task for ``call`` and answer with its body (None: the body cannot carry it).

        Extensions that read more of a create request than its lifecycle declares (a batch reads its
        input file, a vector store the file it attaches) choose the task's id, outcome (else the
        ``Prefer: task=`` one) and results, and the ``facts`` its bodies state (``tasks.facts``: the name
        the extension registered them under and their JSON args, so every replica states them alike).
        """
        engine, api, decision = self.engine, call.api, call.decision
        model = call.body.get("model") if isinstance(call.body, Mapping) else None
        task = engine.create(
            api.name,
            call.operation.operation_id,
            lifecycle.spec,
            task_id=task_id,
            id_prefix=lifecycle.id_prefix,
            outcome=Outcome.from_prefer(call.preferences.extra.get("task")) if outcome is None else outcome,
            callback_url=find_callback_url(call.body),
            context={
                "model": model,
                "request": echoable(call.body),  # what its polls, lists and results restate
                SENT: _declared_sent(call),  # (``tasks.asked``)
                "path_params": dict(call.path_params),
                "host": f"{call.request.scheme}://{call.request.host}",
                **said(lifecycle.spec, call, self.composer),  # the user's words and their answer
                **({CONTEXT_KEY: facts.as_context()} if facts is not None else {}),
            },
            retention=lifecycle.retention,
        )
        if lifecycle.outputs:  # what its ``set_on_success`` fields will hold
            outputs = outputs_for(lifecycle, call, task.id, self.files)
            task = engine.with_context(api.name, task.id, **{OUTPUTS: outputs}) or task
        if results is None:
            results = results_for(lifecycle, call, task.id, self.files)
        task = engine.with_results(api.name, task.id, results) or task
        answer = self.bodies.answer(
            api, call.operation, task, lifecycle.spec, decision, salt=f"create-{task.id}"
        )
        if answer is None:
            engine.delete(api.name, task.id)
            return None
        # what the create answer made up, for every later body to show the same (``tasks.made``)
        status = self.bodies.fitted(api, decision, lifecycle.spec).status
        engine.with_context(api.name, task.id, **{MADE: made_fields(answer.value, status)})
        self.started.add((api.name, lifecycle.create.operation_id))
        return answer

    def follow_up(self, lifecycle: Lifecycle, call: MockCall, task_id: str) -> Answer:
        """A create that names a task to continue (``follow_up``): the task keeps its id and request and
        runs again (a task still running goes on running); an id no
        task of this lifecycle has is refused (404 where documented, else the documented 400)."""
        api, op, engine = call.api, call.operation, self.engine
        found = engine.get(api.name, task_id)
        if found is None or found.operation_id != op.operation_id:
            status = 404 if op.documents(404) else 400
            param = lifecycle.spec.follow_up.rpartition("/")[2] if lifecycle.spec.follow_up else None
            return error_response(api, op, status, f"no such task: {task_id}", param=param)
        phase = Phase.INITIAL if found.terminal else found.phase
        asked = call.preferences.extra.get("task")  # a task in motion keeps its end unless this one says
        outcome = Outcome.from_prefer(asked) if asked is not None or found.terminal else found.outcome
        task = engine.rerun(api.name, task_id, phase, outcome)
        if task is not None and (told := said(lifecycle.spec, call, self.composer, found)):  # its words join
            task = engine.with_context(api.name, task_id, **told) or task  # the talk, after the run before
        if task is None:
            return error_response(api, op, 404 if op.documents(404) else 400, f"no such task: {task_id}")
        return self.bodies.answer(
            api, op, task, lifecycle.spec, call.decision, salt=f"follow-{task.id}-{task.run}"
        )

    def action_hook(self, lifecycles: list[Lifecycle]) -> OperationHook:
        """A route that acts on a task's item (``actions``: a GPU's stop, start, refresh): the move its
        action names sets the task moving again; an action its status does not allow answers 409 where
        documented, else the item as it is (a repeated stop); either way the item as its poll shows it."""
        engine = self.engine

        async def act(call: MockCall) -> Answer:
            found = self._named(lifecycles, call, lifecycles[0].spec.poll_id)
            if not isinstance(found, Task):
                return found
            api, op = call.api, call.operation
            lifecycle = self.index.of(found)
            actions = lifecycle.spec.acting(op.operation_id) if lifecycle is not None else None
            if lifecycle is None or actions is None:
                return None
            move = actions.move(call.path_params.get(actions.parameter, ""))
            if move is None:
                return None
            task: Task | None = found
            allowed = not move.allowed or found.status in move.allowed
            if not allowed and op.documents(409):
                return error_response(
                    api, op, 409, f"cannot {call.path_params[actions.parameter]} a {found.status} item"
                )
            if allowed and move.to is not None:
                task = _moved(engine, found, move)
            if task is None:
                return error_response(api, op, 404, f"no such task: {found.id}")
            return self.bodies.answer(
                api, op, task, lifecycle.spec, call.decision, salt=f"act-{task.id}-{task.run}"
            )

        return act

    def finished(self, lifecycle: Lifecycle, call: MockCall) -> Answer:
        """The finished result a create asked to hold on for (``sync_when``); None: its schema has none."""
        results = results_for(lifecycle, call, "sync", self.files)
        salt = f"sync-{call.store.create_salt()}"
        request = call.body if isinstance(call.body, Mapping) else {}
        pointer = lifecycle.spec.id_pointer
        inline = result_kind(lifecycle, call) or MediaKind.PNG  # a ``b64_json`` image, unless told
        body = finished_result(call.api, call.decision, pointer, results, request, inline=inline, salt=salt)
        return None if body is None else json_response(call.api, call.operation, call.decision, body)

    def transcript_hook(self, lifecycles: list[Lifecycle]) -> OperationHook:
        """A route that lists a task's conversation (``transcripts``): its body with the conversation
        written in (``tasks.transcripts``); read as the task stands, not counted as a poll."""

        async def transcript(call: MockCall) -> Answer:
            found = self._named(lifecycles, call, lifecycles[0].spec.poll_id)
            if not isinstance(found, Task):
                return found
            api, op = call.api, call.operation
            lifecycle = self.index.of(found)
            told = lifecycle.spec.telling(op.operation_id) if lifecycle is not None else None
            if lifecycle is None or told is None:
                return None
            salt = f"told-{found.id}"
            answer = self.bodies.answer(api, op, found, lifecycle.spec, call.decision, salt=salt)
            if answer is None:
                return None
            return write_transcript(api, answer, found, told)

        return transcript

    def poll_hook(self, lifecycles: list[Lifecycle]) -> OperationHook:
        engine = self.engine

        async def poll(call: MockCall) -> Answer:
            # the route's own lifecycle, if any: tasks it also serves (``also_served_by``) show in its words
            route = next((lc.spec for lc in lifecycles if lc.spec.poll == call.operation.operation_id), None)
            found = self._named(lifecycles, call, route.poll_id if route is not None else None)
            if not isinstance(found, Task):
                return found
            api, op = call.api, call.operation
            task = engine.poll(api.name, found.id)
            if task is None:
                return error_response(api, op, 404, f"no such task: {found.id} (expired)")
            lifecycle = self.index.of(task)
            assert lifecycle is not None
            publish(task, lifecycle, call.store)
            spec, shown = lifecycle.spec, task
            if route is not None and spec.poll != op.operation_id:
                spec, shown = route, replace(task, states=route.states)
            return self.bodies.answer(api, op, shown, spec, call.decision, salt=f"poll-{task.id}")

        return poll

    def cancel_hook(self, lifecycles: list[Lifecycle]) -> OperationHook:
        engine = self.engine

        async def cancel(call: MockCall) -> Answer:
            found = self._named(lifecycles, call, None)
            if not isinstance(found, Task):
                return found
            api, op = call.api, call.operation
            result = engine.cancel(api.name, found.id)
            if result is None:
                return error_response(api, op, 404, f"no such task: {found.id} (expired)")
            lifecycle = self.index.of(result.task)
            assert lifecycle is not None
            decision = call.decision
            if result.changed and lifecycle.spec.running_cancel is not None:  # accepted: its end via GET
                decision = negotiate(
                    op.responses,
                    call.preferences,
                    call.request.headers.get("Accept"),
                    default_status=lifecycle.spec.running_cancel,
                )
            if result.already_finished and lifecycle.spec.finished_cancel != "noop":
                # the final state, unless a DELETE removes the job or a 409 is documented ("noop": the
                # spec says cancelling a finished task changes nothing, so it stays readable)
                if op.operation.method == "DELETE":
                    engine.delete(api.name, found.id)  # deleting a finished job removes it
                elif op.documents(409):
                    return error_response(
                        api, op, 409, f"task {found.id} already finished: {result.task.status}"
                    )
            salt = f"cancel-{found.id}"
            answer = self.bodies.answer(api, op, result.task, lifecycle.spec, decision, salt=salt)
            if answer is None and decision.media is None:  # a cancel without a body (DELETE: 204, a 202)
                return web_response(render(api, op, decision, call.body), call.headers)
            if answer is not None and _confirms_delete(call):
                shown = self.bodies.list_item(result.task)  # the job as its poll shows it: its kind
                kind = shown.get("object") if shown is not None else None
                return json_response(api, op, call.decision, open_bodies.deleted(found.id, kind))
            status = self.bodies.fitted(api, decision, lifecycle.spec).status
            if answer is None or lookup(answer.value, status) != result.task.status:
                return None
            return answer

        return cancel

    def update_hook(self, lifecycles: list[Lifecycle]) -> OperationHook:
        """An update of a task's item: what it sets is restated from then on (the task's request, which its
        bodies echo), and the item answers as its poll shows it."""
        engine = self.engine

        async def update(call: MockCall) -> Answer:
            found = self._named(lifecycles, call, None)
            if not isinstance(found, Task) or not isinstance(call.body, Mapping):
                return found if not isinstance(found, Task) else None
            if found.phase is Phase.CANCELLED and call.operation.documents(404):  # ipop's deleted asset
                return error_response(call.api, call.operation, 404, f"no such resource: {found.id}")
            request = found.context.get("request")
            sent = {**(request if isinstance(request, Mapping) else {}), **echoable(call.body)}
            task = engine.with_context(call.api.name, found.id, request=sent)
            lifecycle = self.index.of(task) if task is not None else None
            if task is None or lifecycle is None:
                return None
            return self.bodies.answer(
                call.api, call.operation, task, lifecycle.spec, call.decision, salt=f"poll-{task.id}"
            )

        return update

    def list_hook(self, shows: Shows) -> OperationHook:
        """A list of tasks: its own, or those another lifecycle made where the request's query selects
        them (``Shows``), each as its poll shows it, in the list's shape."""
        engine = self.engine
        selecting = shows.parameters

        async def list_tasks(call: MockCall) -> Answer:
            api, op = call.api, call.operation
            creates = shows.chosen(call.request.query)
            if call.decision.status >= 300 or not creates:
                return None
            if not any((api.name, c) in self.started for c in shows.every):
                return None  # nothing created since reset: the documented examples
            spec = self.index.creates[(api.name, creates[0])].spec
            query = ListQuery.parse(
                call.path_params,
                call.request.query,
                tuple(name for name in op.query_names if name not in selecting),
                spec.status,
                api.query_default(op, "limit"),
                default_order=api.list_order(op),
                expand=op.expand,
            )
            tasks, has_more = query.page(engine, api.name, creates, self.bodies.list_item)
            items = [item for task in tasks if (item := self.bodies.list_item(task)) is not None]
            for task in tasks:
                publish(task, self.index.of(task), call.store)
            omit = query.asks.omit
            cursor = tasks[-1].id if tasks else None
            rendered = render_list(api, op, call.decision, items, has_more=has_more, omit=omit, cursor=cursor)
            if rendered is not None:
                return web_response(rendered)
            return free_form_list(api, op, call.decision, [summary(item, omit) for item in items], has_more)

        return list_tasks

    def _named(self, lifecycles: list[Lifecycle], call: MockCall, expression: str | None) -> Task | Answer:
        """The task a poll or cancel names (``expression``: where its id is), or the answer instead:
        a 404 for an id no task of these lifecycles has, None to fall through (an error status was
        negotiated, the request names no id, or the id is a resource made without a task)."""
        task_id = named_task_id(expression, call) if call.decision.status < 300 else None
        if task_id is None:
            return None
        task = self.engine.get(call.api.name, task_id)
        if task is not None and any(lc.create.operation_id == task.operation_id for lc in lifecycles):
            return task
        if call.store.find(f"{call.api.name}:", task_id) is not None:
            return None  # e.g. made by a synchronous response
        return error_response(call.api, call.operation, 404, f"no such task: {task_id}")


def _moved(engine: TaskEngine, task: Task, move: Move) -> Task | None:
    """``task`` set moving by ``move``: from the phase of its ``via`` word (else straight on) to the end
    its ``to`` word names, showing those words."""
    states = task.states
    end = states.phase_of(move.to)
    via = states.phase_of(move.via) if move.via is not None else None
    outcome = {Phase.FAILED: Outcome.FAIL, Phase.CANCELLED: Outcome.CANCEL}.get(end, Outcome.SUCCEED)  # type: ignore[arg-type]
    words = tuple((phase.value, word) for phase, word in ((via, move.via), (end, move.to)) if phase and word)
    return engine.rerun(task.api, task.id, via or Phase.RUNNING, outcome, words)


def _confirms_delete(call: MockCall) -> bool:
    """A cancel that is a DELETE whose answer the spec leaves free-form: it confirms the delete in
    OpenAI's shape (``open_bodies.deleted``: ``{"id", "object", "deleted": true}``, what the SDK's
    ``videos.delete`` reads), not the job (voxvey's ``DELETE /v1/videos/{video_id}``)."""
    decision = call.decision
    return (
        call.operation.operation.method == "DELETE"
        and decision.media is not None
        and decision.media.schema_pointer is not None
        and is_json(decision.media.media_type)
        and decision.example is None
        and open_bodies.is_open(value_for(call.api, call.operation, decision))
    )


def _declared_sent(call: MockCall) -> list[str]:
    """The fields the create declares that its request sent: what ``tasks.asked`` needs, bounded by the
    schema (a request's own names could be any number)."""
    if not isinstance(call.body, Mapping):
        return []
    declared = call.api.request_fields(call.operation)
    return sorted(name for name in call.body if name in declared)
