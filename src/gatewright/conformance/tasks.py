"""Task lifecycles (``x-gatewright-task``): create, poll until terminal, check the path it took, cancel.

Status must stay within the declared values and only move forward
(initial -> running -> terminal); success must carry a value at ``result``; a
task that does not finish within the timeout is a failure listing what it went
through.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.batch_output import BatchJudge, SentLine, sent_lines
from gatewright.conformance.checks import (
    TASK_CANCEL,
    TASK_CREATED,
    TASK_RESULT,
    TASK_STATUS_DECLARED,
    TASK_STATUS_FORWARD,
    TASK_TERMINATES,
)
from gatewright.conformance.expressions import MISSING, evaluate, evaluate_template
from gatewright.conformance.made import Maker, Plan
from gatewright.conformance.runs import CaseRun
from gatewright.conformance.served import refused_model, unserved
from gatewright.conformance.units import UnitContext
from gatewright.conformance.unmade import not_there
from gatewright.spec import Operation, Spec, TaskSpec
from gatewright.spec.pointer import lookup, split
from gatewright.spec.tasks import moves_forward, task_id_slot

PHASE = "lifecycle"


@dataclass(frozen=True, slots=True)
class TaskTiming:
    poll_interval: float
    timeout: float


@dataclass(slots=True)
class _Poll:
    """What one run of polling saw."""

    states: list[str]
    final: str | None = None
    last: CaseRun | None = None
    gone: bool = False


class LifecycleCheck:
    """Drives one ``x-gatewright-task`` operation through its declared lifecycle."""

    def __init__(
        self,
        spec: Spec,
        adapter: SchemathesisAdapter,
        operation: Operation,
        task: TaskSpec,
        timing: TaskTiming,
    ) -> None:
        self.spec = spec
        self.adapter = adapter
        self.operation = operation
        self.task = task
        self.timing = timing
        self.poll_op = spec.operation(task.poll)
        self.cancel_op = spec.operation(task.cancel) if task.cancel else None
        self.files = Maker(spec, adapter, operation)  # the store and files a create names, made first
        self.batch = BatchJudge.of(spec, adapter, self.poll_op)  # a batch's counts and files, read once over
        self._sent: dict[str, SentLine] | None = None  # the lines of the batch input the create named
        self._requests: list[tuple[Any, Plan]] = []  # create requests drawn ahead by ``prepare``

    @property
    def _cancels(self) -> bool:
        return self.cancel_op is not None and bool(self.task.states["cancelled"])

    def prepare(self) -> None:
        """Draw the create requests (one per task the unit starts) now, on the calling thread: the
        runner then polls on a worker thread, and hypothesis is never driven from two threads."""
        self._requests = [self._draw() for _ in range(2 if self._cancels else 1)]

    def _draw(self) -> tuple[Any, Plan]:
        """A create request and what it names that verify makes first (``made.py``)."""
        case = self.adapter.valid_case(self.operation.operation_id)
        return case, self.files.plan(case) if case is not None else Plan()

    def __call__(self, ctx: UnitContext) -> None:
        try:
            created = self._create(ctx)
            if created is None:
                return
            poll = self._poll_until_terminal(ctx, created)
            if poll is not None and poll.final is not None:
                # a batch is judged first, by what its lines did: when every line failed there is no
                # result to look for (OpenAI's ``output_file_id`` is null then)
                failed = (
                    self.batch is not None
                    and poll.last is not None
                    and self.batch.judge(ctx, poll.last, poll.final, self.task.states, self._sent)
                )
                if not failed:
                    self._check_result(ctx, poll)
            if self._cancels:
                self._check_cancel(ctx)
        finally:
            self.files.clean(ctx, PHASE)  # what it made goes, whatever came of the lifecycle

    # --- steps ----------------------------------------------------------------------------

    def _create(self, ctx: UnitContext) -> CaseRun | None:
        ctx.ran(TASK_CREATED.id)
        case, plan = self._requests.pop(0) if self._requests else self._draw()
        if case is None:
            ctx.fail(
                TASK_CREATED.id,
                "No valid request to start a task",
                "neither a documented example nor a generated request is available",
                phase=PHASE,
            )
            return None
        extra = {"Prefer": self.task.prefer} if self.task.prefer else None
        when = self.task.async_when
        if when and when.startswith("$request.body#") and isinstance(case.body, dict):
            # the API's own switch for the task form (e.g. ``background: true``)
            case.body = _with_value(case.body, when.removeprefix("$request.body#"), True, replace=True)
        hold = self.task.sync_when
        if hold and hold.startswith("$request.body#") and isinstance(case.body, dict):
            # not the switch that holds the request for the finished result instead (``sync: true``)
            case.body = _with_value(case.body, hold.removeprefix("$request.body#"), False, replace=True)
        made = self.files.make(ctx, case, plan, PHASE)
        self._sent = sent_lines(plan.files)
        if made.failed is not None:  # no store or file to name: no lifecycle to drive
            ctx.result.skipped = made.failed
            return None
        run = self.adapter.send(case, phase=PHASE, extra_headers=extra)
        ctx.record(run, operation=self.operation)
        answer = run.response.content.decode("utf-8", "replace") if run.response is not None else ""
        said = refused_model(run.status, answer)
        if said is not None:
            ctx.result.skipped = unserved(said)
            return None
        missing = not_there(run.status, self.operation, case, made=made.fields, unmade=plan.unmade)
        if missing is not None:  # it names a store, a file nobody made: no lifecycle to drive
            ctx.result.skipped = missing
            return None
        if run.status is None or not 200 <= run.status < 300:
            ctx.fail_on(
                run,
                TASK_CREATED.id,
                "A valid request did not start a task",
                f"expected a 2xx answer to a documented request, got {run.status or run.error}",
                phase=PHASE,
            )
            return None
        if evaluate(self.task.id, run) is MISSING:
            ctx.fail_on(
                run,
                TASK_CREATED.id,
                "The create response carries no task id",
                f"{self.task.id} is absent from the response",
                phase=PHASE,
            )
            return None
        return run

    def _poll_case(self, operation: Operation, created: CaseRun) -> Any:
        """The request that reads (or cancels) the task ``created`` started.

        Its parameters and body come from the create operation's OpenAPI link to ``operation``; for
        the poll, ``poll_id`` (``$request.path.<name>``, ``$request.query.<name>`` or
        ``$request.body#/<pointer>``) says where the task id goes; else it is the last path parameter.
        """
        path: dict[str, Any] = {}
        query: dict[str, Any] = {}
        link = self._link(operation)
        for name, expression in dict(link.get("parameters", {})).items():
            value = evaluate(expression, created)
            if value is MISSING:
                continue
            location, _, bare = name.rpartition(".")
            (query if location == "query" else path)[bare] = value
        body = evaluate_template(link["requestBody"], created) if "requestBody" in link else None
        task_id = evaluate(self.task.id, created)
        poll_id = self.task.poll_id if operation.operation_id == self.task.poll else None
        names = [p["name"] for p in operation.parameters if p.get("in") == "path"]
        slot = task_id_slot(poll_id, names)
        if slot is not None and task_id is not MISSING:
            if slot.is_("request", "path"):
                path.setdefault(slot.name, task_id)
            elif slot.is_("request", "query"):
                query.setdefault(slot.name, task_id)
            elif slot.is_("request", "body"):
                body = _with_value(body, slot.pointer, task_id)
        return self.adapter.make_case(operation.operation_id, path_parameters=path, query=query, body=body)

    def _link(self, target: Operation) -> dict[str, Any]:
        """The create operation's OpenAPI link to ``target`` (how its request comes from the response)."""
        for response in self.operation.definition.get("responses", {}).values():
            for raw in self.spec.deref(response).get("links", {}).values():
                link = self.spec.deref(raw)
                if link.get("operationId") == target.operation_id:
                    return dict(link)
        return {}

    def _poll_until_terminal(
        self, ctx: UnitContext, created: CaseRun, *, after_cancel: bool = False
    ) -> _Poll | None:
        """Poll the task ``created`` started; the report notes the states it went through, whatever
        the outcome (a finding, a timeout, the end of the run), and the files a batch's last answer names
        are deleted with what verify made (``BatchJudge.hand_over``)."""
        for check in (TASK_STATUS_DECLARED, TASK_STATUS_FORWARD, TASK_TERMINATES):
            ctx.ran(check.id)
        seen = _Poll(states=[])
        try:
            return self._poll(ctx, created, seen, after_cancel=after_cancel)
        finally:
            which = "cancelled task states" if after_cancel else "task states"
            ctx.result.notes.append(f"{which}: {_states(seen.states)}")
            if self.batch is not None and seen.last is not None:  # what the batch made goes with the unit
                self.batch.hand_over(seen.last, self.files.cleanup)

    def _poll(self, ctx: UnitContext, created: CaseRun, seen: _Poll, *, after_cancel: bool) -> _Poll | None:
        deadline = time.monotonic() + self.timing.timeout
        best = -1
        case = self._poll_case(self.poll_op, created)
        while True:
            run = self.adapter.send(case, phase=PHASE)
            ctx.record(run, operation=self.poll_op)
            seen.last = run
            if after_cancel and run.status in (404, 410):
                seen.gone = True
                return seen
            if run.status is None or not 200 <= run.status < 300:
                ctx.fail_on(
                    run,
                    TASK_TERMINATES.id,
                    "Polling the task failed",
                    f"poll answered {run.status or run.error}; states so far: {_states(seen.states)}",
                    operation=self.poll_op,
                    phase=PHASE,
                )
                return None
            status = lookup(run.json(), self.task.status, MISSING)
            if status is MISSING:
                ctx.fail_on(
                    run,
                    TASK_STATUS_DECLARED.id,
                    "Poll response has no status",
                    f"nothing at {self.task.status} in the poll response",
                    operation=self.poll_op,
                    phase=PHASE,
                )
                return None
            shown = str(status)
            if not seen.states or seen.states[-1] != shown:
                seen.states.append(shown)
            phase = self.task.states.phase_of(status)
            if phase is None:
                declared = sorted({s for values in self.task.states.values() for s in values})
                ctx.fail_on(
                    run,
                    TASK_STATUS_DECLARED.id,
                    "Task status is not a declared value",
                    f"status {status!r} is not one of {declared}",
                    operation=self.poll_op,
                    phase=PHASE,
                )
                return None
            if not moves_forward(phase, shown, best, seen.final):
                ctx.fail_on(
                    run,
                    TASK_STATUS_FORWARD.id,
                    "Task status went backwards",
                    f"states seen: {_states(seen.states)}; "
                    f"{shown!r} ({phase.value}) came after a later state",
                    operation=self.poll_op,
                    phase=PHASE,
                )
                return None
            best = max(best, phase.rank)
            if phase.terminal:
                seen.final = shown
                return seen
            if time.monotonic() >= deadline:
                ctx.fail_on(
                    run,
                    TASK_TERMINATES.id,
                    "Task never finished",
                    f"no terminal state within {self.timing.timeout:g}s; states seen: {_states(seen.states)}",
                    operation=self.poll_op,
                    phase=PHASE,
                )
                return None
            self.adapter.limiter.pause(self.timing.poll_interval)

    def _check_result(self, ctx: UnitContext, poll: _Poll) -> None:
        if self.task.result is None or poll.final not in self.task.states["succeeded"] or poll.last is None:
            return
        ctx.ran(TASK_RESULT.id)
        value = lookup(poll.last.json(), self.task.result, MISSING)
        if value is MISSING or value is None:
            ctx.fail_on(
                poll.last,
                TASK_RESULT.id,
                "Succeeded task carries no result",
                f"status {poll.final!r} but nothing at {self.task.result}",
                operation=self.poll_op,
                phase=PHASE,
            )

    def _check_cancel(self, ctx: UnitContext) -> None:
        assert self.cancel_op is not None
        ctx.ran(TASK_CANCEL.id)
        created = self._create(ctx)
        if created is None:
            return
        cancel = self.adapter.send(self._poll_case(self.cancel_op, created), phase=PHASE)
        ctx.record(cancel, operation=self.cancel_op)
        if cancel.status is None or not 200 <= cancel.status < 300:
            if cancel.status in (400, 409, 422):
                return  # documented refusal, e.g. the task already finished
            ctx.fail_on(
                cancel,
                TASK_CANCEL.id,
                "Cancelling a fresh task failed",
                f"cancel answered {cancel.status or cancel.error}",
                phase=PHASE,
                operation=self.cancel_op,
            )
            return
        poll = self._poll_until_terminal(ctx, created, after_cancel=True)
        if poll is None or poll.gone:
            return
        cancelled = self.task.states["cancelled"]
        if poll.final is not None and poll.final not in cancelled:
            ctx.fail(
                TASK_CANCEL.id,
                "Cancelled task did not end cancelled",
                f"states after cancel: {_states(poll.states)}; expected one of {list(cancelled)}",
                phase=PHASE,
                operation=self.poll_op,
                status=poll.last.status if poll.last else None,
                exchange=poll.last.exchange if poll.last else None,
                curl=poll.last.curl if poll.last else "",
            )


def _with_value(body: Any, pointer: str, value: Any, *, replace: bool = False) -> Any:
    """``body`` (a JSON object, created when absent) with ``value`` at ``pointer`` (kept when there
    is one already, unless ``replace``)."""
    tokens = split(pointer)
    if not tokens:
        return body if body is not None else value
    root = copy.deepcopy(body) if isinstance(body, dict) else {}
    node = root
    for token in tokens[:-1]:
        child = node.get(token)
        if not isinstance(child, dict):
            child = node[token] = {}
        node = child
    if replace:
        node[tokens[-1]] = value
    else:
        node.setdefault(tokens[-1], value)
    return root


def _states(states: list[str]) -> str:
    return " -> ".join(states) if states else "(none)"
