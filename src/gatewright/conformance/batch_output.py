"""A finished batch judged by what its lines did, not by its status alone.

A batch (OpenAI's ``/v1/batches``: a JSONL input file of request lines, polled until a terminal status)
that reaches ``completed`` says nothing of the routes its lines call when every line failed: a gateway
that refuses each line's model completes the batch all the same, ``request_counts.failed`` equal to its
``total``. So where the poll answer's schema declares ``request_counts``, verify reads them once the batch
is over: ``completed + failed`` never past ``total``, equal to it for a batch that succeeded, ``total``
the lines verify sent. For a batch that succeeded it reads the output file (``output_file_id``) and the
error file (``error_file_id``) through the spec's file-content route (``GET <upload path>/{id}/content``),
by the run's one sender like every other call: each output line must name a ``custom_id`` verify sent,
once, and its ``response.body`` must be what the operation the sent line's ``url`` names answers
(schemathesis's ``response_schema_conformance``, as every answer verify judges); the files hold one line
per completed and per failed request. Error lines are the gateway's word on its lines, counted, not
judged. A batch whose every line failed exercised nothing of its success path: the unit is skipped with
the gateway's own message from the first error line (``served.unserved`` where it refuses the model).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from schemathesis.core.transport import Response

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.bodies import error_message
from gatewright.conformance.checks import BATCH_COUNTS, BATCH_OUTPUT
from gatewright.conformance.made_files import FilePlan, refusal, upload_operation
from gatewright.conformance.runs import CaseRun
from gatewright.conformance.served import refused_model, unserved
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec
from gatewright.spec.schemas import properties
from gatewright.spec.tasks import States

__all__ = ["BatchJudge", "Counts", "SentLine", "counts_problem", "failed_reason", "jsonl", "sent_lines"]

COUNTS, OUTPUT_FILE, ERROR_FILE = "request_counts", "output_file_id", "error_file_id"  # OpenAI's names
SCHEMA_CHECK = ("response_schema_conformance",)
PHASE = "lifecycle"


@dataclass(frozen=True, slots=True)
class SentLine:
    """One request line of a batch input verify uploaded."""

    custom_id: str
    method: str
    url: str
    body: Any


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    completed: int
    failed: int


def sent_lines(plan: FilePlan) -> dict[str, SentLine] | None:
    """The request lines of the batch input ``plan`` uploads, by ``custom_id``; None when verify made none."""
    need = next((need for need in plan.needs if need.purpose == "batch"), None)
    if need is None:
        return None
    lines = jsonl(need.content)
    assert not isinstance(lines, str)  # verify wrote it (``made_files.file_content``)
    return {x["custom_id"]: SentLine(x["custom_id"], x["method"], x["url"], x["body"]) for x in lines}


def jsonl(data: bytes) -> list[Any] | str:
    """The lines of a JSONL file, or what is wrong with it."""
    lines = []
    for number, text in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if text.strip():
            try:
                lines.append(json.loads(text))
            except ValueError:
                return f"line {number} is not JSON: {text[:80]!r}"
    return lines


def read_counts(body: Any) -> Counts | str | None:
    """The poll answer's ``request_counts`` (None when absent), or why they cannot be read."""
    counts = body.get(COUNTS) if isinstance(body, Mapping) else None
    if counts is None:
        return None
    given = [
        counts.get(name) if isinstance(counts, Mapping) else None for name in ("total", "completed", "failed")
    ]
    values = [v for v in given if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
    if len(values) != len(given):
        return f"{COUNTS} is not three counts (total, completed, failed): {json.dumps(counts)[:200]}"
    return Counts(*values)


def counts_problem(counts: Counts, status: str, *, succeeded: bool, sent: int | None) -> str | None:
    """What is inconsistent in a finished batch's counts, or None."""
    done = counts.completed + counts.failed
    shown = f"total {counts.total}, completed {counts.completed}, failed {counts.failed}"
    if done > counts.total:
        return f"{COUNTS} ({shown}): completed + failed exceeds total"
    if succeeded and done != counts.total:
        return f"a {status} batch's {COUNTS} ({shown}): completed + failed is not total"
    if succeeded and sent is not None and counts.total != sent:
        return f"a {status} batch's {COUNTS} ({shown}): total is not the {sent} lines sent"
    return None


def failed_reason(failed: int, errors: list[Any]) -> str:
    """Why a batch whose every line failed is skipped: the gateway's own message from the first error line."""
    head = f"every line of the batch failed ({failed} of {failed}), so nothing of its success path ran"
    if not errors:
        return f"{head}; the gateway gave no error file"
    first: Mapping[str, Any] = errors[0] if isinstance(errors[0], Mapping) else {}
    given = first.get("response")
    response: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    # the answer the line got (OpenAI: ``response.body``), else the line's own ``error``
    text = json.dumps(response["body"] if "body" in response and not first.get("error") else first)
    status = response.get("status_code")
    said = refused_model(status if isinstance(status, int) else 400, text)
    return f"{head}: {unserved(said)}" if said is not None else f"{head}: {error_message(text)}"


class BatchJudge:
    """Judges the batches ``poll`` shows (see the module docstring); ``of`` says whether it applies."""

    def __init__(self, spec: Spec, adapter: SchemathesisAdapter, content: Operation | None) -> None:
        self.spec = spec
        self.adapter = adapter
        self.content = content  # GET <upload path>/{id}/content, or None: the files are not read

    @classmethod
    def of(cls, spec: Spec, adapter: SchemathesisAdapter, poll: Operation) -> BatchJudge | None:
        """A judge where ``poll`` answers a batch (its success schema declares ``request_counts``)."""
        answer = spec.deref(poll.definition.get("responses", {}).get("200") or {})
        schema = (answer.get("content") or {}).get("application/json", {}).get("schema")
        if schema is None or COUNTS not in properties(spec.document, schema):
            return None
        return cls(spec, adapter, content_operation(spec))

    def judge(
        self, ctx: UnitContext, last: CaseRun, status: str, states: States, sent: dict[str, SentLine] | None
    ) -> None:
        """Judge the batch ``last`` (its final poll) shows, ended in ``status`` (one of ``states``)."""
        ctx.ran(BATCH_COUNTS.id)
        succeeded = status in states["succeeded"]
        body = last.json()
        counts = read_counts(body)
        problem = counts if isinstance(counts, str) else None
        if isinstance(counts, Counts):
            problem = counts_problem(counts, status, succeeded=succeeded, sent=len(sent) if sent else None)
        if problem is not None:
            _fail(ctx, BATCH_COUNTS.id, "Batch request counts are inconsistent", problem, last)
        if not succeeded or not isinstance(counts, Counts):
            return
        ctx.ran(BATCH_OUTPUT.id)
        output, errors = self._read(ctx, body.get(OUTPUT_FILE)), self._read(ctx, body.get(ERROR_FILE))
        if output is None or errors is None:
            return
        if counts.total and counts.completed == 0 and counts.failed == counts.total and not output[1]:
            ctx.result.skipped = failed_reason(counts.failed, errors[1])
            return
        shown = f"{len(output[1])} output and {len(errors[1])} error lines"
        if (len(output[1]), len(errors[1])) != (counts.completed, counts.failed) and self.content is not None:
            message = f"{shown} for {counts.completed} completed and {counts.failed} failed requests"
            _fail(ctx, BATCH_OUTPUT.id, "Batch files do not match its counts", message, output[0] or last)
        if sent is not None and output[0] is not None:
            self._lines(ctx, output[0], output[1], sent)

    def _read(self, ctx: UnitContext, file_id: Any) -> tuple[CaseRun | None, list[Any]] | None:
        """The download of file ``file_id`` and its lines (none without an id or a content route);
        None when it cannot be read (a finding says why)."""
        if not isinstance(file_id, str) or not file_id or self.content is None:
            return None, []
        name = next(p["name"] for p in self.content.parameters if p.get("in") == "path")
        case = self.adapter.make_case(self.content.operation_id, path_parameters={name: file_id})
        run = self.adapter.send(case, phase=PHASE)
        ctx.record(run, operation=self.content)
        if run.response is None or run.status is None or not 200 <= run.status < 300:
            message = f"reading {file_id} ({self.content.label}) failed: {run.error or refusal(run)}"
            _fail(
                ctx, BATCH_OUTPUT.id, "A batch file could not be read", message, run, operation=self.content
            )
            return None
        lines = jsonl(run.response.content)
        if isinstance(lines, str):
            what = f"{file_id}: {lines}"
            _fail(ctx, BATCH_OUTPUT.id, "A batch file is not JSONL", what, run, operation=self.content)
            return None
        return run, lines

    def _lines(self, ctx: UnitContext, run: CaseRun, lines: list[Any], sent: dict[str, SentLine]) -> None:
        """Each output line: a ``custom_id`` verify sent, once, and a body its route's contract allows."""
        seen: set[str] = set()
        for number, line in enumerate(lines, start=1):
            custom_id = line.get("custom_id") if isinstance(line, Mapping) else None
            request = sent.get(custom_id) if isinstance(custom_id, str) else None
            response = line.get("response") if isinstance(line, Mapping) else None
            if request is None or custom_id in seen:
                why = "names it again" if custom_id in seen else "names no custom_id verify sent"
                message = f"output line {number} {why}: {json.dumps(custom_id)}; sent: {sorted(sent)}"
                _fail(ctx, BATCH_OUTPUT.id, "Batch output line is not one of the requests sent", message, run)
                continue
            seen.add(request.custom_id)
            code = response.get("status_code") if isinstance(response, Mapping) else None
            if not isinstance(code, int) or not isinstance(response, Mapping) or "body" not in response:
                message = f"output line {number} ({custom_id}) has no response with a status_code and a body"
                _fail(ctx, BATCH_OUTPUT.id, "Batch output line has no response", message, run)
                continue
            for failure in self._body_failures(request, code, response["body"]):
                where = f"output line {number} ({custom_id}), {request.method} {request.url}"
                message = f"{where}: {failure.message}"
                _fail(ctx, BATCH_OUTPUT.id, "Batch output line violates its route's schema", message, run)

    def _body_failures(self, request: SentLine, status: int, body: Any) -> list[Any]:
        """``response_schema_conformance`` on ``body`` as the answer of the route ``request`` called."""
        route = self.spec.find(request.method, request.url)
        if route is None:
            return []  # verify wrote the line to a route of the spec: only a changed spec gets here
        case = self.adapter.make_case(route.operation_id, body=request.body)
        sent = requests.Request(route.method, self.adapter.base_url + route.path).prepare()
        answer = Response(
            status_code=status,
            headers={"content-type": ["application/json"]},
            content=json.dumps(body).encode("utf-8"),
            request=sent,
            elapsed=0.0,
            verify=True,
        )
        return self.adapter.validate(case, answer, SCHEMA_CHECK, {})


def content_operation(spec: Spec) -> Operation | None:
    """The route that serves an uploaded file's bytes: ``GET <upload path>/{id}/content`` (OpenAI's
    ``GET /v1/files/{file_id}/content``), or None."""
    upload = upload_operation(spec)
    if upload is None:
        return None
    base = upload.path.rstrip("/") + "/{"
    for operation in spec.operations:
        path = operation.path
        if (
            operation.method == "GET"
            and path.startswith(base)
            and path.endswith("}/content")
            and path.count("{") == 1
        ):
            return operation
    return None


def _fail(
    ctx: UnitContext,
    check: str,
    title: str,
    message: str,
    run: CaseRun,
    *,
    operation: Operation | None = None,
) -> None:
    ctx.fail(
        check,
        title,
        message,
        phase=PHASE,
        operation=operation,
        status=run.status,
        exchange=run.exchange,
        curl=run.curl,
    )
