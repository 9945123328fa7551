"""Declare 404 on operations that look an item up by an id the client supplies.

`implied_errors` covers paths that end in the item (`/things/{id}`). Two more kinds look
an item up and answer 404 for an unknown id on every gateway: actions and sub-collections
under an item (`/jobs/{id}/cancel`, `/projects/{project_id}/webhooks`), and a task's poll
and cancel operations (and a create that continues a task, ``follow_up``), wherever they carry the
id (path, query or body). Without the 404
a conformance tool flags that answer as undocumented. Runs after `tasks`, which names the
poll and cancel operations.
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.passes.implied_errors import common_error_schema, error_response, own_error_schema
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import TASK_EXTENSION


def _task_lookups(document: Document) -> set[str]:
    """operationIds of every declared task's poll and cancel, and of a create that continues the task its
    body names (``follow_up``: an unknown id is not found there either)."""
    found: set[str] = set()
    for _path, _method, op, _pointer in operations(document):
        task = op.get(TASK_EXTENSION)
        if isinstance(task, dict):
            found.update(str(task[key]) for key in ("poll", "cancel") if task.get(key))
            if task.get("follow_up") and isinstance(op.get("operationId"), str):
                found.add(op["operationId"])
    return found


def _why(path: str, op: dict[str, Any], lookups: set[str]) -> str | None:
    if any("{" in segment for segment in path.split("/")[:-1]):
        return "the operation acts on an item named by a path parameter, which may not exist"
    if op.get("operationId") in lookups:
        return "the operation looks a task up by id, which may not exist"
    return None


@repair_pass("lookup_not_found")
def lookup_not_found(document: Document, context: Context, log: RepairLog) -> None:
    """Add 404 to actions and sub-collections under an item and to task polls and cancels."""
    common = common_error_schema(document)
    lookups = _task_lookups(document)
    for path, method, op, pointer in operations(document):
        responses = op.get("responses")
        why = _why(path, op, lookups)
        if not isinstance(responses, dict) or "404" in responses or why is None:
            continue
        response = error_response(document, method, "404", own_error_schema(document, op), common)
        if response is None:
            continue
        responses["404"] = response
        log.add(f"{pointer}/responses", "declared the 404 response", why, after=response)
