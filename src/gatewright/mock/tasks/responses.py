"""Task answers: the body the mock would have sent anyway, with the task's truth written in.

``TaskBodies.render`` picks a base (the negotiated example, the documented ones, a
generated body; those carrying the id first), writes the task into it
(``render.render_task``) and the links to its own routes (``links.write_links``), and
returns the first variant the schema accepts. The poll body of a task is also what a
callback delivers and what a list shows, so the last one per task is kept while the task
is unchanged.
"""

from __future__ import annotations

import contextlib
import copy
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from gatewright.mock import media, open_bodies
from gatewright.mock.echo import NO_FIELDS, echo
from gatewright.mock.fit import Edits
from gatewright.mock.negotiation import Decision, json_schema, negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.preferences import NO_PREFERENCES
from gatewright.mock.render import response_headers
from gatewright.mock.tasks.asked import SENT, as_asked
from gatewright.mock.tasks.facts import Facts
from gatewright.mock.tasks.index import Lifecycle, LifecycleIndex
from gatewright.mock.tasks.links import write_links
from gatewright.mock.tasks.made import MADE, with_made
from gatewright.mock.tasks.models import Task
from gatewright.mock.tasks.publish import OUTPUTS
from gatewright.mock.tasks.render import relocate, render_task
from gatewright.mock.tasks.results import ResultKind, ResultPlan
from gatewright.mock.tasks.sync import branches, filled
from gatewright.mock.tasks.transcripts import answer_of
from gatewright.spec.media import is_json
from gatewright.spec.pointer import join, lookup, split
from gatewright.spec.tasks import Phase, TaskSpec

__all__ = ["CountEvents", "TaskBodies", "free_form_list", "json_response"]

# The events a stream operation (by operationId) holds for a task now; None where it does not stream.
CountEvents = Callable[[MockApi, str, Task], int | None]

_POLL_BODY_CACHE = 4096  # rendered poll bodies kept (see ``TaskBodies.poll_body``)


class TaskBodies:
    """Renders task bodies for the lifecycles in ``index``; see the module docstring."""

    def __init__(self, index: LifecycleIndex, count_events: CountEvents | None = None) -> None:
        self.index = index
        self.count_events = count_events  # how many events a stream holds for a task (``counters``)
        self.facts = Facts()  # what extensions that start tasks state of them (``tasks.facts``)
        # (api, task id) -> (task, body), oldest first (dropped in constant time)
        self._poll_bodies: OrderedDict[tuple[str, str], tuple[Task, Any]] = OrderedDict()

    def clear(self) -> None:
        self._poll_bodies.clear()

    def render(
        self, api: MockApi, task: Task, spec: TaskSpec, decision: Decision, *, salt: str
    ) -> Any | None:
        """The decision's body with the task written in, its ``counters`` following their streams."""
        return self._rendered(api, task, spec, decision, salt=salt)[0]

    def answer(
        self, api: MockApi, op: MockOperation, task: Task, spec: TaskSpec, decision: Decision, *, salt: str
    ) -> JsonOutcome | None:
        """``render`` as ``op``'s JSON answer: marked checked when rendering found the body valid, so
        the output check does not judge it a second time (a body that is not goes through it)."""
        body, valid = self._rendered(api, task, spec, decision, salt=salt)
        return None if body is None else json_response(api, op, decision, body, checked=valid)

    def _rendered(
        self, api: MockApi, task: Task, spec: TaskSpec, decision: Decision, *, salt: str
    ) -> tuple[Any | None, bool]:
        """``render``'s body, and whether it is known valid (every edit after the check keeps it so)."""
        body, valid = self._compose(api, task, spec, decision, salt=salt)
        media = decision.media
        if body is None or not spec.counters or self.count_events is None or media is None:
            return body, valid
        pointer = media.schema_pointer
        assert pointer is not None  # ``_compose`` renders only a JSON body with a schema
        edits = Edits(body, api.schemas.validator(pointer, formats=True).is_valid)
        counts = (
            (split(counter.field), self.count_events(api, counter.follows, task)) for counter in spec.counters
        )
        edits.set_all([(tokens, count) for tokens, count in counts if count is not None])
        return edits.body, valid

    def _compose(
        self, api: MockApi, task: Task, spec: TaskSpec, decision: Decision, *, salt: str
    ) -> tuple[Any | None, bool]:
        """The decision's body with the task written in (the first variant the schema accepts, and
        True; else the first rendered, and False)."""
        media_spec = decision.media
        if media_spec is None or media_spec.schema_pointer is None or not is_json(media_spec.media_type):
            return None, False
        pointer = media_spec.schema_pointer
        schema = api.schemas.resolve(pointer)
        declared, spec = spec, self.fitted(api, decision, spec)
        outputs = _outputs(task, declared, spec)
        answers = _answers(task, declared)
        id_pointer = spec.id_pointer
        bases = [example.value for example in media_spec.examples if isinstance(example.value, Mapping)]
        if decision.example is not None and isinstance(decision.example.value, Mapping):
            bases.insert(0, decision.example.value)
        for schema_at in (pointer, *branches(api, pointer)):  # a oneOf's task envelope among them
            with contextlib.suppress(Exception):
                generated = api.generator.generate(schema_at, salt=salt)
                if isinstance(generated, Mapping):
                    bases.append(generated)
        if not bases:
            return None, False
        bases.sort(key=lambda b: lookup(b, id_pointer) is None)  # bodies that carry the id first
        sample = _result_sample(bases, spec.result)

        def valid(body: Any) -> bool:
            return api.schemas.is_valid(pointer, body, formats=True)

        lifecycle = self.index.of(task)
        plan = lifecycle.result if lifecycle is not None else None
        early = plan is not None and plan.kind is ResultKind.ROUTE  # a link to follow the task by
        whole = _whole_result(api, plan, task)
        variants = (spec, replace(spec, id=""), replace(spec, status=""), replace(spec, id="", status=""))
        facts = self.facts.of(task)
        first: dict[str, Any] | None = None

        def written(
            base: Mapping[str, Any], variant: TaskSpec, validate: Callable[[Any], bool] | None
        ) -> Any:
            body = render_task(
                task,
                base,
                variant,
                schema=schema,
                document=api.spec.document,
                validate=validate,
                result_early=early,
                result_sample=sample,
                result_body=whole,
                facts=facts,
                outputs=outputs,
                answers=answers,
            )
            if lifecycle is not None and lifecycle.links:
                _write_links(lifecycle, task, body, pointer, validate)
            return body

        made = task.context.get(MADE)  # what its create answer made up stays so (``tasks.made``)
        for generated in bases[:2]:
            base = with_made(generated, made, valid)
            for variant in variants:
                # Every write at once, checked once (the usual case); else each kept only if valid.
                body = written(base, variant, None)
                kept = valid(body)
                if not kept:
                    body = written(base, variant, valid)
                    kept = valid(body)
                if kept:  # echo keeps it valid: each restated field is kept only if it stays so
                    owned = [split(p) for p in (variant.status, variant.result, id_pointer) if p]
                    owned += [split(field) for field, _ in (*outputs, *answers)]
                    return _as_asked(api, task, body, valid, owned), True
                first = first if first is not None else body
        return first, False

    def fitted(self, api: MockApi, decision: Decision, spec: TaskSpec) -> TaskSpec:
        """``spec``'s pointers as they apply to this answer's schema (see ``relocate``)."""
        media_spec = decision.media
        if media_spec is None or media_spec.schema_pointer is None:
            return spec
        schema = api.schemas.deref(api.schemas.resolve(media_spec.schema_pointer), None)[0]
        return relocate(spec, schema if isinstance(schema, Mapping) else None, api.spec.document)

    def poll_body(self, task: Task) -> Any | None:
        """The task as its poll operation shows it (callbacks, list items).

        Rendering costs about a millisecond, so the last body per task is kept while the
        task is unchanged (the engine replaces a task value whenever it changes): a page of
        finished tasks costs dictionary lookups, not renders.
        """
        key = (task.api, task.id)
        cached = self._poll_bodies.get(key)
        if cached is not None and cached[0] is task:
            return copy.deepcopy(cached[1])
        lifecycle = self.index.of(task)
        if lifecycle is None:
            return None
        poll = lifecycle.api.operations[lifecycle.spec.poll]
        decision = negotiate(poll.responses, NO_PREFERENCES, "application/json")
        body = self.render(lifecycle.api, task, lifecycle.spec, decision, salt=f"poll-{task.id}")
        if len(self._poll_bodies) >= _POLL_BODY_CACHE:
            self._poll_bodies.popitem(last=False)
        self._poll_bodies[key] = (task, copy.deepcopy(body))
        return body

    def list_item(self, task: Task) -> dict[str, Any] | None:
        """The object a list holds for a task: the poll body, or the object in it that has the status."""
        body = self.poll_body(task)
        lifecycle = self.index.of(task)
        assert lifecycle is not None
        container = lookup(body, join(*split(lifecycle.spec.status)[:-1]))
        item = container if isinstance(container, Mapping) else body
        return dict(item) if isinstance(item, Mapping) else None


def _as_asked(
    api: MockApi, task: Task, body: Any, valid: Callable[[Any], bool], owned: list[list[str]]
) -> Any:
    """``body`` saying what the request that created ``task`` asked: the fields it sent restated
    (``echo``), then ``tasks.asked`` by its create operation's fields. The task's own fields (``owned``:
    its status, result and id) and any field holding its id stay the task's."""
    create = api.operations.get(task.operation_id)
    request, sent = task.context.get("request"), task.context.get(SENT)
    fields = api.echo_fields(create) if create is not None else NO_FIELDS
    body = echo(body, request, valid, minted=frozenset({task.id}), owned=owned, fields=fields)
    if create is None or not isinstance(request, Mapping) or not isinstance(sent, list):
        return body
    kept = {tokens[0] for tokens in owned if tokens}
    if isinstance(body, Mapping):
        kept.update(name for name, value in body.items() if value == task.id)
    return as_asked(
        body,
        request,
        sent,
        api.request_fields(create),
        valid,
        called_back=task.callback_url is not None,
        fields=fields,
        kept=kept,
    )


def _write_links(
    lifecycle: Lifecycle, task: Task, body: dict[str, Any], pointer: str, valid: Callable[[Any], bool] | None
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
        finished=task.terminal,
    )


def json_response(
    api: MockApi, op: MockOperation, decision: Decision, body: Any, *, checked: bool = False
) -> JsonOutcome:
    assert decision.media is not None
    return JsonOutcome(
        decision.status,
        body,
        decision.media.media_type,
        response_headers(api, op, decision.response),
        decision.media.schema_pointer,
        checked=checked,
    )


def free_form_list(
    api: MockApi, op: MockOperation, decision: Decision, items: list[dict[str, Any]], has_more: bool
) -> JsonOutcome | None:
    """A list whose schema gives no shape (a proxied ``object``): the OpenAI list envelope."""
    pointer = json_schema(decision)
    if pointer is None:
        return None
    body = open_bodies.listed(items, has_more)
    if not api.schemas.is_valid(pointer, body, formats=True):
        return None
    return json_response(api, op, decision, body)


def _outputs(task: Task, declared: TaskSpec, fitted: TaskSpec) -> list[tuple[str, Any]]:
    """The ``set_on_success`` fields where this answer has them (``fitted``), each with the value its task
    chose when it was created (``publish.outputs_for``; None: it has none)."""
    values = task.context.get(OUTPUTS)
    chosen = values if isinstance(values, Mapping) else {}
    return [
        (field, chosen.get(original))
        for original, field in zip(declared.set_on_success, fitted.set_on_success, strict=True)
    ]


def _answers(task: Task, declared: TaskSpec) -> list[tuple[str, str]]:
    """Where a succeeded agent task's answer goes (each transcript's ``answer`` pointer of the poll's
    body), with the answer its latest run gave (``transcripts.answer_of``); none before it succeeded."""
    answer = answer_of(task) if declared.transcripts else None
    return [] if answer is None else sorted({(told.answer, answer) for _, told in declared.transcripts})


def _result_sample(bases: list[Mapping[str, Any]], result: str | None) -> Any:
    """The first object or list the bases (the spec's examples first) show at ``result``, if any."""
    if not result:
        return None
    for base in bases:
        found = lookup(base, result)
        if isinstance(found, (Mapping, list)) and found:
            return found
    return None


def _whole_result(api: MockApi, plan: ResultPlan | None, task: Task) -> Any:
    """The finished result a succeeded task shows where its create describes one (``ResultPlan.body``):
    that body, generated under the task's id, its links the task's files in the format asked."""
    if plan is None or plan.body is None or task.phase is not Phase.SUCCEEDED or not task.results:
        return None
    request = task.context.get("request")
    asked = request if isinstance(request, Mapping) else {}
    inline = media.kind_of_link(task.results[0]) or media.MediaKind.PNG  # the kind of the files it made
    return filled(api, plan.body, task.results, asked, inline=inline, salt=f"result-{task.id}")
