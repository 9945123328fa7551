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
(schemathesis's ``response_schema_conformance``, as every answer verify judges); the two files together
hold one line per completed and per failed request (the line format lets a non-2xx answer sit in the output
file too: such a line counts as failed). Error lines are the gateway's word on its lines, counted, not
judged, but for their status: a line that failed with a 5xx is the gateway failing it, a finding naming
the line, whatever became of the others; a 4xx is the gateway refusing what verify sent, no finding. A batch
whose every line failed exercised nothing of its success path: where the gateway refused what verify sent
(its model: ``served.unserved``, or another 4xx) the unit is skipped with the gateway's own message from the
first failed line. The files the gateway made for the batch (its output and error file) are handed to the
unit's cleanup (``made_cleanup``), deleted with the input file verify uploaded. JSONL lines end at ``\n``
only: JSON allows U+2028, U+2029 and U+0085 raw inside a string.
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
from gatewright.conformance.limiter import BudgetSpent
from gatewright.conformance.made_cleanup import Cleanup
from gatewright.conformance.made_files import FilePlan, content_operation, refusal, upload_operation
from gatewright.conformance.runs import CaseRun
from gatewright.conformance.served import refused_model, success_json_schema, unserved
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec
from gatewright.spec.schemas import properties
from gatewright.spec.tasks import States

__all__ = [
    "BatchJudge",
    "Counts",
    "SentLine",
    "counts_problem",
    "failed_reason",
    "jsonl",
    "line_failed",
    "line_status",
    "sent_lines",
    "server_error",
    "server_failure",
]

COUNTS, OUTPUT_FILE, ERROR_FILE = "request_counts", "output_file_id", "error_file_id"  # OpenAI's names
SCHEMA_CHECK = ("response_schema_conformance",)
PHASE = "lifecycle"
SHOWN = 5  # the lines a finding names by custom_id (verify's batches are small: more is said as a count)
_File = tuple[CaseRun | None, list[Any]]  # a batch file's download (None: no file to read) and its lines


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
    # split on b"\n" alone: ``str.splitlines`` also splits on U+2028, U+2029 and U+0085, which JSON allows
    # raw inside a string, and would cut a good line in two
    for number, raw in enumerate(data.split(b"\n"), start=1):
        text = raw.removesuffix(b"\r").decode("utf-8", "replace")
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


def line_status(line: Any) -> int | None:
    """The status a batch file line's request got (OpenAI's ``response.status_code``), else None."""
    response = line.get("response") if isinstance(line, Mapping) else None
    status = response.get("status_code") if isinstance(response, Mapping) else None
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def line_failed(line: Any) -> bool:
    """Whether a batch file line records a failed request: a line-level ``error``, or an answer that is
    not 2xx. The line format lets a gateway write a non-2xx answer in the output file, not only the error
    file."""
    if isinstance(line, Mapping) and line.get("error"):
        return True
    status = line_status(line)
    return status is not None and not 200 <= status < 300


def _said(line: Any) -> tuple[int | None, str]:
    """A failed line's status and the gateway's word on it: the answer it got (OpenAI: ``response.body``),
    else the line's own ``error``."""
    first: Mapping[str, Any] = line if isinstance(line, Mapping) else {}
    given = first.get("response")
    response: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    text = json.dumps(response["body"] if "body" in response and not first.get("error") else first)
    return line_status(first), text


def failed_reason(failed: int, lines: list[Any]) -> str:
    """Why a batch whose every line failed is skipped: the gateway's message from the first failed line."""
    head = f"every line of the batch failed ({failed} of {failed}), so nothing of its success path ran"
    if not lines:
        return f"{head}; the gateway gave no error file"
    status, text = _said(lines[0])
    said = refused_model(status if status is not None else 400, text)
    return f"{head}: {unserved(said)}" if said is not None else f"{head}: {error_message(text)}"


def server_failure(total: int, lines: list[Any], *, every: bool) -> str | None:
    """What the failed ``lines`` of a batch of ``total`` say of the gateway where some failed with a 5xx:
    the gateway failing them, not a refusal of what verify sent (that is no finding), so a finding naming
    each such line and its status, with the gateway's word on the first; None where none did. ``every``:
    no line of the batch completed."""
    server = [line for line in lines if server_error(line)]
    if not server:
        return None
    if every:
        head = f"every line of the batch failed ({total} of {total}), {len(server)} with a server error"
    else:
        head = f"{len(server)} of the batch's {total} lines failed with a server error"
    named = [f"line {json.dumps(_custom_id(line))} got {line_status(line)}" for line in server]
    _, text = _said(server[0])
    shown = ", ".join([f"{named[0]} ({error_message(text)})", *named[1:SHOWN]])
    more = f", and {len(named) - SHOWN} more" if len(named) > SHOWN else ""
    return f"{head}: {shown}{more}"


def server_error(line: Any) -> bool:
    """Whether a batch file line records a 5xx answer: the gateway failing the request, not refusing it."""
    return (line_status(line) or 0) >= 500


def _custom_id(line: Any) -> Any:
    return line.get("custom_id") if isinstance(line, Mapping) else None


class BatchJudge:
    """Judges the batches ``poll`` shows (see the module docstring); ``of`` says whether it applies."""

    def __init__(self, spec: Spec, adapter: SchemathesisAdapter, content: Operation | None) -> None:
        self.spec = spec
        self.adapter = adapter
        self.content = content  # GET <upload path>/{id}/content, or None: the files are not read

    @classmethod
    def of(cls, spec: Spec, adapter: SchemathesisAdapter, poll: Operation) -> BatchJudge | None:
        """A judge where ``poll`` answers a batch (its success schema declares ``request_counts``)."""
        schema = success_json_schema(spec, poll)
        if schema is None or COUNTS not in properties(spec.document, schema):
            return None
        return cls(spec, adapter, content_operation(spec))

    def hand_over(self, last: CaseRun, cleanup: Cleanup) -> None:
        """The files the gateway made for the batch ``last`` shows (its output and error file) go to
        ``cleanup``, deleted once the unit is over with the input file verify uploaded: verify's batch made
        them, in the user's account, and nothing else will delete them."""
        body = last.json()
        upload = upload_operation(self.spec)
        if not isinstance(body, Mapping) or upload is None:
            return
        for field, what in ((OUTPUT_FILE, "the output file"), (ERROR_FILE, "the error file")):
            file_id = body.get(field)
            if isinstance(file_id, str) and file_id:
                cleanup.add(f"{what} of verify's batch ({field})", file_id, upload.path)

    def judge(
        self, ctx: UnitContext, last: CaseRun, status: str, states: States, sent: dict[str, SentLine] | None
    ) -> bool:
        """Judge the batch ``last`` (its final poll) shows, ended in ``status`` (one of ``states``); True when
        every line failed (the unit skipped, or failed where the gateway failed them), so nothing of its
        success path is there to judge: not the task's ``result`` either (OpenAI's is null then)."""
        ctx.ran(BATCH_COUNTS.id)
        succeeded = status in states["succeeded"]
        body = last.json()
        counts = read_counts(body)
        problem = counts if isinstance(counts, str) else None
        if isinstance(counts, Counts):
            problem = counts_problem(counts, status, succeeded=succeeded, sent=len(sent) if sent else None)
        if problem is not None:
            ctx.fail_on(last, BATCH_COUNTS.id, "Batch request counts are inconsistent", problem, phase=PHASE)
        if not succeeded or not isinstance(counts, Counts):
            return False
        output, errors = self._files(ctx, body)
        if output is None or errors is None:
            return False
        failed = [*errors[1], *(line for line in output[1] if line_failed(line))]
        done = [line for line in output[1] if not line_failed(line)]
        every = (
            counts.total > 0 and not done and (counts.failed == counts.total or len(failed) >= counts.total)
        )
        if self._failed_lines(ctx, counts.total, failed, (errors, output), last, every=every):
            return True
        in_files, told = len(output[1]) + len(errors[1]), counts.completed + counts.failed
        if in_files != told and self.content is not None:
            shown = f"{len(output[1])} output and {len(errors[1])} error lines"
            message = f"{shown} for {counts.completed} completed and {counts.failed} failed requests"
            ctx.fail_on(
                output[0] or last,
                BATCH_OUTPUT.id,
                "Batch files do not match its counts",
                message,
                phase=PHASE,
            )
        if sent is not None and output[0] is not None:
            self._lines(ctx, output[0], output[1], sent)
        return False

    def _files(self, ctx: UnitContext, body: Any) -> tuple[_File | None, _File | None]:
        """The output and the error file (either None when it could not be read: a finding says why). A
        budget spent while they are read leaves ``task_batch_output`` unchecked, and the unit says so."""
        try:
            output, errors = self._read(ctx, body.get(OUTPUT_FILE)), self._read(ctx, body.get(ERROR_FILE))
        except BudgetSpent:
            ctx.result.notes.append(f"{BATCH_OUTPUT.id} not checked: the budget ran out reading its files")
            raise
        ctx.ran(BATCH_OUTPUT.id)
        return output, errors

    @staticmethod
    def _failed_lines(
        ctx: UnitContext,
        total: int,
        failed: list[Any],
        files: tuple[_File, _File],
        last: CaseRun,
        *,
        every: bool,
    ) -> bool:
        """A finding where lines failed with a 5xx (the gateway failing them), shown with the file holding the
        first (``files``: the error file, then the output file); a batch whose ``every`` line failed, none
        with a 5xx, skips the unit with the gateway's word (it refused what verify sent, e.g. its model).
        True when ``every`` line failed: nothing of the success path is left to judge."""
        server = server_failure(total, failed, every=every)
        if server is not None:
            run = next((run for run, lines in files if any(map(server_error, lines))), None)
            title = "Every batch line failed" if every else "Batch lines failed"
            ctx.fail_on(run or last, BATCH_OUTPUT.id, f"{title} with a server error", server, phase=PHASE)
        elif every:
            ctx.result.skipped = failed_reason(total, failed)
        return every

    def _read(self, ctx: UnitContext, file_id: Any) -> _File | None:
        """The download of file ``file_id`` and its lines (none without an id or a content route);
        None when it cannot be read (a finding says why)."""
        if not isinstance(file_id, str) or not file_id or self.content is None:
            return None, []
        run = self.adapter.send(self.adapter.case_for_id(self.content, file_id), phase=PHASE)
        ctx.record(run, operation=self.content)
        if run.response is None or run.status is None or not 200 <= run.status < 300:
            message = f"reading {file_id} ({self.content.label}) failed: {run.error or refusal(run)}"
            ctx.fail_on(
                run,
                BATCH_OUTPUT.id,
                "A batch file could not be read",
                message,
                phase=PHASE,
                operation=self.content,
            )
            return None
        lines = jsonl(run.response.content)
        if isinstance(lines, str):
            what = f"{file_id}: {lines}"
            ctx.fail_on(
                run, BATCH_OUTPUT.id, "A batch file is not JSONL", what, phase=PHASE, operation=self.content
            )
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
                ctx.fail_on(
                    run,
                    BATCH_OUTPUT.id,
                    "Batch output line is not one of the requests sent",
                    message,
                    phase=PHASE,
                )
                continue
            seen.add(request.custom_id)
            code = response.get("status_code") if isinstance(response, Mapping) else None
            if not isinstance(code, int) or not isinstance(response, Mapping) or "body" not in response:
                message = f"output line {number} ({custom_id}) has no response with a status_code and a body"
                ctx.fail_on(run, BATCH_OUTPUT.id, "Batch output line has no response", message, phase=PHASE)
                continue
            for failure in self._body_failures(request, code, response["body"]):
                where = f"output line {number} ({custom_id}), {request.method} {request.url}"
                message = f"{where}: {failure.message}"
                ctx.fail_on(
                    run,
                    BATCH_OUTPUT.id,
                    "Batch output line violates its route's schema",
                    message,
                    phase=PHASE,
                )

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
