"""Batches read their input file and answer every line the way a direct call would.

A batch create is a task create (``x-gatewright-task``) whose request names an uploaded file
(``input_file_id``) and whose result is a file id the API's upload route keeps files under
(``output_file_id`` of ``/v1/files``). Its hook reads the uploaded JSONL and answers each line as the
same request sent directly is answered (``mock.batch_lines``: the API's own router, validator, answer
pipeline and error envelope). The answers go into files in OpenAI's batch output shape, custom ids kept:
the 2xx answers into the output file, the rest into the error file (a line its route refuses, e.g. for
its model or its body, as ``response`` with that status and the API's error body; a line no route
answers as a line-level ``error``). As OpenAI's, a batch whose lines all failed still completes, with no
output file (``output_file_id`` null), and one whose lines all completed has no error file. An input file
that names one ``custom_id`` twice fails the batch (``duplicate_custom_id``, nothing answered), as
OpenAI's validation does: its output could not be told apart. Both files are kept as uploads are (a
``FileKeeper``, the upload extension's ``keep``: the blob store, under its one byte budget, and the
file routes), when the batch is created; its id names them only once it completed.

The task's bodies state the truth (``facts``): the input file, request counts (the total from the
start, completed and failed once it completed), the output and error files, and the window the
create asked for (``completion_window``: ``"24h"`` is ``completion_window_secs`` 86400, the deadline
that far from its creation), and one row per input line (``rows``: its index, custom id, status, and
its output line or error once the batch completed; the batch's own ``failed`` or ``cancelled`` while
it ends so; ``queued`` before). Files past the byte budget fail the batch with that error, nothing
kept. An ``input_file_id`` the mock gave and deleted is refused in the API's envelope; one that is not
there at all (``uploaded_files.named_upload``) fails the batch (created, then ``failed`` with the
error), nothing kept, unless the spec states the purpose its input file was uploaded with
(``x-gatewright-file-purpose``: ipop's "purpose=batch"), where ``mock.file_purposes`` refused the
create before it got here, as it refuses a file uploaded for another purpose.
The task extension is a ``TaskStarter`` here (``mock.extensions``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from gatewright.mock.batch_lines import duplicate_id, run_lines
from gatewright.mock.blobs import BudgetExceeded
from gatewright.mock.extensions import AnswerSource, FileKeeper, MockCall, OperationHook, TaskStarter
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.render import dumps
from gatewright.mock.scalars import iso_time
from gatewright.mock.tasks.facts import FactsRef
from gatewright.mock.tasks.index import Lifecycle
from gatewright.mock.tasks.models import Outcome, Task
from gatewright.mock.tasks.results import ResultKind
from gatewright.mock.tasks.wants import wants_task
from gatewright.mock.uploaded_files import Upload, named_upload, upload_operation
from gatewright.spec.tasks import Phase

__all__ = ["BatchExtension", "window_seconds"]

INPUT_FIELD = "input_file_id"
FACTS = "batch"  # the name a batch's facts are registered under (``tasks.facts``)
JSONL = "application/jsonl"
ENDPOINT_FIELD = "endpoint"  # the one route every line must call: "chat_completions", "/v1/embeddings"
WINDOW_FIELD = "completion_window"
DEFAULT_WINDOW = "24h"  # ipop's and OpenAI's default completion window
_WINDOW = re.compile(r"(\d+)([smhd])")  # ipop: "e.g. '24h', '30m', '600s'. Max 7d."
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}

Answered = web.StreamResponse | JsonOutcome | None


class BatchExtension:
    """Binds each batch create (see the module docstring); runs before the task hooks."""

    name = "batches"
    repeatable = False  # each create is a new batch with its own files

    def __init__(self, tasks: TaskStarter, answers: AnswerSource, uploads: FileKeeper) -> None:
        self.tasks = tasks
        self.answers = answers
        self.uploads = uploads
        self.batches = 0
        tasks.register_facts(FACTS, _batch_facts)

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        self.tasks.index.add(api)
        lifecycle = self.tasks.index.creates.get((api.name, operation.operation_id))
        plan = lifecycle.result if lifecycle is not None else None
        if (
            lifecycle is None
            or plan is None
            or plan.kind is not ResultKind.RESOURCE
            or plan.collection is None
            or INPUT_FIELD not in api.request_fields(operation)
        ):
            return None
        files = upload_operation(api, plan.collection)
        if files is None:
            return None
        endpoint = api.body_default(operation, ENDPOINT_FIELD)  # what a create that names none calls

        async def create(call: MockCall) -> Answered:
            if call.decision.status >= 300 or not wants_task(lifecycle.spec, call):
                return None
            return self._create(call, lifecycle, files, endpoint)

        return create

    def reset(self) -> None:
        self.batches = 0

    def snapshot(self) -> dict[str, Any]:
        return {"batches": self.batches}

    def _create(self, call: MockCall, lifecycle: Lifecycle, files: MockOperation, endpoint: Any) -> Answered:
        api, store = call.api, call.store
        blob = named_upload(call, INPUT_FIELD)
        if isinstance(blob, web.Response):
            return blob
        request = call.body if isinstance(call.body, Mapping) else {}
        input_id = request.get(INPUT_FIELD)
        batch_id = self.tasks.engine.new_id(lifecycle.id_prefix)
        data = blob.data if blob is not None else b""
        problem = f"The input file '{input_id}' does not exist." if blob is None else duplicate_id(data)
        endpoint = request.get(ENDPOINT_FIELD, endpoint)
        run = run_lines(
            b"" if problem is not None else data,
            call,
            self.answers,
            salt=batch_id,
            endpoint=endpoint if isinstance(endpoint, str) else None,
        )
        base = f"{call.request.scheme}://{call.request.host}"
        collection = f"{api.name}:{files.resource.collection}" if files.resource is not None else ""
        kept: dict[str, str] = {}
        try:
            for suffix, content, count, purpose in (
                ("output", run.output, run.completed, "batch_output"),
                ("error", run.errors, run.failed, "batch_error"),
            ):
                # OpenAI names no output file where no line completed, no error file where none failed
                if not count or problem is not None:
                    continue
                upload = Upload(content, f"{batch_id}_{suffix}.jsonl", JSONL, {"purpose": purpose})
                file = self.uploads.keep(api, files, store, upload, base=base)
                if file is not None:
                    kept[suffix] = file.id
        except BudgetExceeded as exc:
            problem = f"The batch's output does not fit in the mock's file storage: {exc}"
            for file_id in kept.values():  # nothing half-kept
                store.blobs.delete(file_id)
                store.delete(collection, file_id)
            kept = {}
        output_id, error_id = kept.get("output"), kept.get("error")
        self.batches += 1
        return self.tasks.hooks.start(
            lifecycle,
            call,
            task_id=batch_id,
            outcome=Outcome.FAIL if problem is not None else None,
            results=(output_id,) if output_id is not None else (),
            facts=FactsRef(
                FACTS,
                {
                    "input": input_id,
                    "total": len(run.lines),
                    "completed": run.completed,
                    "failed": run.failed,
                    "error_file": error_id,
                    "problem": problem,
                    "window": window_seconds(request.get(WINDOW_FIELD, DEFAULT_WINDOW)),
                    # each line's record, as its output file holds it; only its custom id and error
                    # where that file was not kept (past the budget: the rows would be all it holds)
                    "rows": [
                        dumps(record if problem is None else _bare(record)).decode() for record in run.records
                    ],
                },
            ),
        )


def _bare(record: Mapping[str, Any]) -> dict[str, Any]:
    """A line's record without its answer: what a row says of a batch whose output was not kept."""
    return {"custom_id": record.get("custom_id"), "error": record.get("error")}


def _batch_facts(args: Mapping[str, Any], task: Task) -> Mapping[str, Any]:
    """The batch's truth as it stands (``tasks.facts``; ``args`` as ``_create`` gives them): counts and
    the error file once it completed."""
    done = task.phase is Phase.SUCCEEDED
    error = task.error.message if task.error is not None else None
    window = args.get("window")
    timed: dict[str, Any] = {}
    if isinstance(window, int):
        timed = {"completion_window_secs": window, "deadline_at": iso_time(task.created_at + window)}
    return {
        **timed,
        "rows": _rows(args.get("rows"), task),
        INPUT_FIELD: args.get("input"),
        "request_counts": {
            "total": args.get("total", 0),
            "completed": args.get("completed", 0) if done else 0,
            "failed": args.get("failed", 0) if done else 0,
        },
        "error_file_id": args.get("error_file") if done else None,
        "last_error": (args.get("problem") or error) if task.phase is Phase.FAILED else None,
    }


def _rows(records: Any, task: Task) -> list[dict[str, Any]]:
    """One ``BatchJobRow`` per input line (``records``: each line's output or error record, JSON), as
    the batch stands: its output line or error once it completed, the batch's end while it failed or
    was cancelled, ``queued`` before."""
    ended = {Phase.FAILED: "failed", Phase.CANCELLED: "cancelled"}.get(task.phase)
    done = task.phase is Phase.SUCCEEDED
    rows = []
    for index, text in enumerate(records if isinstance(records, list) else []):
        record = json.loads(text)
        error = record.get("error") or _refused(record.get("response"))
        status = ("failed" if error else "completed") if done else ended or "queued"
        rows.append(
            {
                "batch_id": task.id,
                "row_index": index,
                "custom_id": record.get("custom_id"),
                "status": status,
                "error": error if done else None,
                "output_line": text if done and not error else None,
                "created_at": iso_time(task.created_at),
            }
        )
    return rows


def _refused(response: Any) -> Any:
    """What a line's answer that is not 2xx says (its body, the API's error envelope), else None."""
    if not isinstance(response, Mapping) or 200 <= response.get("status_code", 200) < 300:
        return None
    body = response.get("body")
    return body if isinstance(body, Mapping) else {"status_code": response.get("status_code")}


def window_seconds(window: Any) -> int | None:
    """A completion window (``"24h"``, ``"30m"``, ``"600s"``, ``"7d"``) in seconds; None: none of these."""
    found = _WINDOW.fullmatch(window.strip()) if isinstance(window, str) else None
    if found is None or int(found[1]) <= 0:
        return None
    return int(found[1]) * _UNIT_SECONDS[found[2]]
