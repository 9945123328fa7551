"""Behaviour statements: read from the lifecycle file, refused with file, line and pointer when malformed,
checked against the document's own words, and carried into the canonical extensions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatewright.normalize import lifecycle_model
from gatewright.normalize.lifecycle_model import Behaviour, Expansion
from gatewright.normalize.lifecycles import load_lifecycles, parse_lifecycles
from gatewright.normalize.passes.base import clone
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.tasks import apply_lifecycles
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import check_task_declarations
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import load_source
from gatewright.spec.model import EXPAND_EXTENSION, IDEMPOTENCY_EXTENSION, TASK_EXTENSION
from gatewright.spec.tasks import Counter, TaskSpec

ROOT = Path(__file__).resolve().parents[3]

LIFECYCLES = """\
lifecycles:
  - name: jobs
    creates: [POST /v1/jobs]
    poll: "GET /v1/jobs/{job_id}"
    cancel: "DELETE /v1/jobs/{job_id}"
    id: $response.body#/id
    status: /status
    states:
      initial: [queued]
      running: [running]
      succeeded: [done]
      failed: [failed]
      cancelled: [cancelled]
  - name: native
    creates: [POST /v1/native]
    poll: "GET /v1/native/{task_id}"
    id: $response.body#/id
    status: /status
    states:
      initial: [queued]
      running: [running]
      succeeded: [done]
      failed: [failed]
      cancelled: [cancelled]
"""

BEHAVIOURS = """\
behaviours:
  - idempotency: {header: Idempotency-Key}
    operations: [POST /v1/jobs]
    why: Send the same key to retry safely.
  - sync_when: $request.body#/sync
    operations: [POST /v1/jobs]
    why: "Pass `sync: true` to wait for the result."
  - finished_cancel: noop
    operations: ["DELETE /v1/jobs/{job_id}"]
    why: Cancelling a finished job is a no-op.
  - also_served_by: ["GET /v1/jobs/{job_id}"]
    operations: ["GET /v1/native/{task_id}"]
    why: Native tasks can also be read on the jobs route.
    note: in the jobs route's words
  - id_prefix: nat-
    operations: [POST /v1/native]
    why: Native task ids start with nat-.
  - counter: {field: /last_seq, follows: "GET /v1/jobs/{job_id}/events"}
    operations: ["GET /v1/jobs/{job_id}"]
    why: The job counts the events of its stream.
  - expand: {parameter: expand, fields: [result, usage], all: all}
    operations: [GET /v1/jobs]
    why: Jobs are listed as summaries; `?expand=result` adds the result.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "api.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_statements_read_into_the_model_with_their_lines(tmp_path: Path) -> None:
    declared = load_lifecycles(write(tmp_path, LIFECYCLES + BEHAVIOURS))
    first = LIFECYCLES.count("\n") + 2  # the line of the first statement
    kinds = [(b.kind, b.operations, b.value, b.line) for b in declared.behaviours]
    assert kinds == [
        ("idempotency", ("POST /v1/jobs",), "Idempotency-Key", first),
        ("sync_when", ("POST /v1/jobs",), "$request.body#/sync", first + 3),
        ("finished_cancel", ("DELETE /v1/jobs/{job_id}",), "noop", first + 6),
        ("also_served_by", ("GET /v1/native/{task_id}",), ("GET /v1/jobs/{job_id}",), first + 9),
        ("id_prefix", ("POST /v1/native",), "nat-", first + 13),
        ("counter", ("GET /v1/jobs/{job_id}",), ("/last_seq", "GET /v1/jobs/{job_id}/events"), first + 16),
        ("expand", ("GET /v1/jobs",), Expansion("expand", ("result", "usage"), "all"), first + 19),
    ]
    assert declared.behaviours[3].note == "in the jobs route's words"
    assert declared.stated("sync_when", "POST /v1/jobs") == declared.behaviours[1]
    assert declared.stated("sync_when", "POST /v1/native") is None


BROKEN = {
    "no kind": (
        "  - operations: [POST /v1/jobs]\n    why: x\n",
        "/behaviours/0",
        "is not valid under any of the given schemas (expected a statement: exactly one kind "
        f"({', '.join(lifecycle_model.BEHAVIOURS)})",
    ),
    "two kinds": (
        "  - id_prefix: a\n    sync_when: $request.body#/sync\n    operations: [POST /v1/jobs]\n    why: x\n",
        "/behaviours/0",
        "is valid under each of {'required': ['id_prefix']}, {'required': ['sync_when']} (expected a "
        "statement: exactly one kind",
    ),
    "a misspelt kind": (
        "  - idempotence: {header: Idempotency-Key}\n    operations: [POST /v1/jobs]\n    why: x\n",
        "/behaviours/0",
        "Additional properties are not allowed ('idempotence' was unexpected) (expected a statement:",
    ),
    "no why": (
        "  - id_prefix: a\n    operations: [POST /v1/jobs]\n",
        "/behaviours/0",
        "'why' is a required property (expected a statement:",
    ),
    "no operations": (
        "  - id_prefix: a\n    why: x\n",
        "/behaviours/0",
        "'operations' is a required property (expected a statement:",
    ),
    "an operation without a method": (
        "  - id_prefix: a\n    operations: [/v1/jobs]\n    why: x\n",
        "/behaviours/0/operations/0",
        "'/v1/jobs' does not match '^(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) /\\\\S*$' (expected an "
        "operation: 'METHOD /path'",
    ),
    "an operation named twice": (
        "  - id_prefix: a\n    operations: [POST /v1/jobs, POST /v1/jobs]\n    why: x\n",
        "/behaviours/0/operations",
        "['POST /v1/jobs', 'POST /v1/jobs'] has non-unique elements",
    ),
    "a header that is no header name": (
        "  - idempotency: {header: Idempotency Key}\n    operations: [POST /v1/jobs]\n    why: x\n",
        "/behaviours/0/idempotency/header",
        "'Idempotency Key' does not match \"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$\" (expected an HTTP header name",
    ),
    "a sync flag that is no request expression": (
        "  - sync_when: /sync\n    operations: [POST /v1/jobs]\n    why: x\n",
        "/behaviours/0/sync_when",
        "'/sync' does not match '^[$]request[.]body#/' (expected a runtime expression on the create request",
    ),
    "an unknown finished cancel": (
        '  - finished_cancel: remove\n    operations: ["DELETE /v1/jobs/{job_id}"]\n    why: x\n',
        "/behaviours/0/finished_cancel",
        "'remove' is not one of ['noop']",
    ),
    "a sync flag on no create": (
        '  - sync_when: $request.body#/sync\n    operations: ["GET /v1/jobs/{job_id}"]\n    why: x\n',
        "/behaviours/0/operations/0",
        "sync_when names GET /v1/jobs/{job_id}, which is the create of no lifecycle",
    ),
    "a no-op on no cancel": (
        "  - finished_cancel: noop\n    operations: [POST /v1/jobs]\n    why: x\n",
        "/behaviours/0/operations/0",
        "which is the cancel of no lifecycle",
    ),
    "a route serving its own tasks": (
        '  - also_served_by: ["GET /v1/jobs/{job_id}"]\n    operations: ["GET /v1/jobs/{job_id}"]\n'
        "    why: x\n",
        "/behaviours/0/also_served_by",
        "cannot serve its own tasks as another route",
    ),
    "served by a route that polls nothing": (
        '  - also_served_by: ["GET /v1/other/{id}"]\n    operations: ["GET /v1/native/{task_id}"]\n'
        "    why: x\n",
        "/behaviours/0/also_served_by/0",
        "GET /v1/other/{id} polls no lifecycle, so its words for a task are unknown",
    ),
    "a counter without a pointer": (
        '  - counter: {field: last_seq, follows: "GET /v1/jobs/{job_id}/events"}\n'
        '    operations: ["GET /v1/jobs/{job_id}"]\n    why: x\n',
        "/behaviours/0/counter/field",
        "'last_seq' does not match '^/' (expected a JSON pointer into the poll body",
    ),
    "a counter that follows nothing": (
        '  - counter: {field: /last_seq}\n    operations: ["GET /v1/jobs/{job_id}"]\n    why: x\n',
        "/behaviours/0/counter",
        "'follows' is a required property (expected counter: {field:",
    ),
    "an expand adding nothing": (
        "  - expand: {parameter: expand, fields: []}\n    operations: [GET /v1/jobs]\n    why: x\n",
        "/behaviours/0/expand/fields",
        "[] should be non-empty (expected the item fields a summary leaves out, each once)",
    ),
    "an expand without its parameter": (
        "  - expand: {fields: [result]}\n    operations: [GET /v1/jobs]\n    why: x\n",
        "/behaviours/0/expand",
        "'parameter' is a required property (expected expand: {parameter:",
    ),
    "a statement made twice": (
        "  - id_prefix: a\n    operations: [POST /v1/native]\n    why: x\n"
        "  - id_prefix: b\n    operations: [POST /v1/native]\n    why: y\n",
        "/behaviours/1/operations/0",
        "id_prefix of POST /v1/native is stated twice (also /behaviours/0)",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_a_malformed_statement_is_refused_naming_file_line_pointer_and_what(
    tmp_path: Path, case: str
) -> None:
    entry, pointer, message = BROKEN[case]
    text = LIFECYCLES + "behaviours:\n" + entry
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as refused:
        load_lifecycles(path)
    error = refused.value
    assert (error.source, error.pointer) == (str(path), pointer)
    assert message in error.message
    lines = text.splitlines()
    assert error.line is not None and LIFECYCLES.count("\n") < error.line <= len(lines)
    key = pointer.rsplit("/", 1)[-1]
    assert key.isdigit() or key in lines[error.line - 1]  # the line that holds the offending key
    assert str(error).startswith(f"{path}:{error.line} ({pointer}): ")


def test_errors_of_the_lifecycles_name_their_line_too(tmp_path: Path) -> None:
    text = LIFECYCLES.replace("      failed: [failed]\n", "      failed: failed\n", 1)
    with pytest.raises(SpecError) as refused:
        load_lifecycles(write(tmp_path, text))
    assert refused.value.pointer == "/lifecycles/0/states/failed"
    assert text.splitlines()[refused.value.line - 1].strip() == "failed: failed"  # type: ignore[operator]
    text = LIFECYCLES.replace(
        "      cancelled: [cancelled]\n", "      cancelled: [cancelled]\n      x: []\n", 1
    )
    with pytest.raises(SpecError) as refused:
        load_lifecycles(write(tmp_path, text))
    assert refused.value.pointer == "/lifecycles/0/states"  # the mapping that holds the unknown key
    assert "('x' was unexpected)" in refused.value.message
    assert text.splitlines()[refused.value.line - 1].strip() == "states:"  # type: ignore[operator]


def test_a_model_parsed_without_its_text_names_no_line() -> None:
    with pytest.raises(SpecError) as refused:
        parse_lifecycles({"lifecycles": [], "behaviours": [{"why": "x"}]}, "api.lifecycles.yaml")
    assert refused.value.line is None
    assert refused.value.pointer == "/behaviours/0"


# --- the pass: the document's own words, carried into the extensions -----------------------------------


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def document() -> dict[str, Any]:
    job = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
            "last_seq": {"type": "integer"},
        },
    }
    param = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    native_param = {**param, "name": "task_id"}
    key = {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}
    stream = {
        "description": "events",
        "content": {
            "text/event-stream": {"schema": {"type": "object"}, "x-gatewright-stream": {"format": "x"}}
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tiny",
            "version": "1",
            "description": "Send the same key  to retry safely. Pass `sync: true` to wait\nfor the result. "
            "Cancelling a finished job is a no-op. Native tasks can also be read on the jobs route. "
            "Native task ids start with nat-. The job counts the events of its stream. Jobs are listed as "
            "summaries; `?expand=result` adds the result.",
        },
        "paths": {
            "/v1/jobs": {
                "post": {"operationId": "createJob", "parameters": [key], "responses": {"200": _json(job)}},
                "get": {
                    "operationId": "listJobs",
                    "parameters": [{"name": "expand", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": _json({"type": "object"})},
                },
            },
            "/v1/jobs/{job_id}": {
                "parameters": [param],
                "get": {"operationId": "getJob", "responses": {"200": _json(job)}},
                "delete": {"operationId": "cancelJob", "responses": {"200": _json(job)}},
            },
            "/v1/jobs/{job_id}/events": {
                "get": {"operationId": "jobEvents", "parameters": [param], "responses": {"200": stream}}
            },
            "/v1/native": {"post": {"operationId": "createNative", "responses": {"200": _json(job)}}},
            "/v1/native/{task_id}": {
                "get": {
                    "operationId": "getNative",
                    "parameters": [native_param],
                    "responses": {"200": _json(job)},
                }
            },
        },
    }


def run(text: str, tmp_path: Path, source: dict[str, Any] | None = None) -> tuple[dict[str, Any], RepairLog]:
    declared = load_lifecycles(write(tmp_path, text))
    copy = clone(source if source is not None else document())
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, declared, log)
    return copy, log


def test_statements_become_extensions_the_mock_reads(tmp_path: Path) -> None:
    applied, log = run(LIFECYCLES + BEHAVIOURS, tmp_path)
    paths = applied["paths"]
    assert paths["/v1/jobs"]["post"][IDEMPOTENCY_EXTENSION] == {"header": "Idempotency-Key"}
    assert paths["/v1/jobs"]["get"][EXPAND_EXTENSION] == {
        "parameter": "expand",
        "fields": ["result", "usage"],
        "all": "all",
    }
    jobs = TaskSpec.from_extension(paths["/v1/jobs"]["post"][TASK_EXTENSION])
    native = TaskSpec.from_extension(paths["/v1/native"]["post"][TASK_EXTENSION])
    assert (jobs.sync_when, jobs.finished_cancel, jobs.id_prefix) == ("$request.body#/sync", "noop", None)
    assert jobs.counters == (Counter("/last_seq", "jobEvents"),)
    assert (native.id_prefix, native.also_served_by, native.counters) == ("nat-", ("getJob",), ())
    assert check_task_declarations(applied) == []
    reasons = " ".join(repair.why for repair in log.repairs)
    assert "the spec states: 'Native task ids start with nat-.'" in reasons
    assert "(in the jobs route's words)" in reasons
    again, relog = run(LIFECYCLES + BEHAVIOURS, tmp_path, applied)
    assert relog.repairs == [] and again == applied


def _refused(text: str, tmp_path: Path, source: dict[str, Any] | None = None) -> BehaviourError:
    with pytest.raises(BehaviourError) as refused:
        run(text, tmp_path, source)
    assert refused.value.source == str(tmp_path / "api.lifecycles.yaml")
    return refused.value


def test_a_why_the_spec_does_not_say_is_refused_at_its_line(tmp_path: Path) -> None:
    text = LIFECYCLES + BEHAVIOURS.replace("Cancelling a finished job is a no-op.", "Cancelling is free.")
    error = _refused(text, tmp_path)
    assert "the spec does not say 'Cancelling is free.'" in error.message
    assert "finished_cancel: noop" in text.splitlines()[error.line - 1]  # type: ignore[operator]


def test_a_header_the_operation_does_not_declare_is_refused(tmp_path: Path) -> None:
    source = document()
    source["paths"]["/v1/jobs"]["post"]["parameters"] = []
    error = _refused(LIFECYCLES + BEHAVIOURS, tmp_path, source)
    assert "POST /v1/jobs declares no Idempotency-Key header parameter" in error.message


def test_an_expand_needs_a_list_that_declares_its_parameter(tmp_path: Path) -> None:
    source = document()
    source["paths"]["/v1/jobs"]["get"]["parameters"] = [{"name": "Expand", "in": "query", "schema": {}}]
    error = _refused(LIFECYCLES + BEHAVIOURS, tmp_path, source)
    assert "GET /v1/jobs declares no expand query parameter" in error.message  # (a query name's case counts)
    error = _refused(
        LIFECYCLES + BEHAVIOURS.replace("operations: [GET /v1/jobs]", "operations: [POST /v1/jobs]"), tmp_path
    )
    assert "POST /v1/jobs is no list: an expanded list is a GET" in error.message


def test_a_counter_needs_its_field_and_a_stream_to_follow(tmp_path: Path) -> None:
    source = document()
    del source["paths"]["/v1/jobs/{job_id}/events"]["get"]["responses"]["200"]["content"][
        "text/event-stream"
    ]["x-gatewright-stream"]
    error = _refused(LIFECYCLES + BEHAVIOURS, tmp_path, source)
    assert "GET /v1/jobs/{job_id}/events answers no event stream" in error.message
    error = _refused(LIFECYCLES + BEHAVIOURS.replace("/last_seq", "/seq"), tmp_path)
    assert "the poll body of GET /v1/jobs/{job_id} has no /seq" in error.message


SET_ON_SUCCESS = """\
behaviours:
  - set_on_success: [/adapter_file_id]
    operations: ["GET /v1/jobs/{job_id}"]
    why: "Set on success: the adapter file id."
"""


def _with_adapter() -> dict[str, Any]:
    """``document()`` whose job has an ``adapter_file_id`` the spec says is set on success."""
    source = document()
    job = source["paths"]["/v1/jobs"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    job["properties"]["adapter_file_id"] = {
        "type": ["string", "null"],
        "description": "Set on success: the adapter file id.",
    }
    return source


def test_set_on_success_becomes_the_fields_the_task_sets_when_it_succeeds(tmp_path: Path) -> None:
    applied, log = run(LIFECYCLES + SET_ON_SUCCESS, tmp_path, _with_adapter())
    jobs = TaskSpec.from_extension(applied["paths"]["/v1/jobs"]["post"][TASK_EXTENSION])
    native = TaskSpec.from_extension(applied["paths"]["/v1/native"]["post"][TASK_EXTENSION])
    assert (jobs.set_on_success, native.set_on_success) == (("/adapter_file_id",), ())
    assert check_task_declarations(applied) == []
    assert "the spec states: 'Set on success: the adapter file id.'" in " ".join(r.why for r in log.repairs)
    again, relog = run(LIFECYCLES + SET_ON_SUCCESS, tmp_path, applied)
    assert relog.repairs == [] and again == applied


def test_set_on_success_needs_fields_the_poll_body_has(tmp_path: Path) -> None:
    text = LIFECYCLES + SET_ON_SUCCESS.replace("[/adapter_file_id]", "[/adapter_file_id, /adapter_url]")
    error = _refused(text, tmp_path, _with_adapter())
    assert "set_on_success: the poll body of GET /v1/jobs/{job_id} has no /adapter_url" in error.message
    with pytest.raises(SpecError) as refused:
        load_lifecycles(
            write(tmp_path, LIFECYCLES + SET_ON_SUCCESS.replace("[/adapter_file_id]", "[adapter]"))
        )
    assert refused.value.pointer == "/behaviours/0/set_on_success/0"


def test_the_bundled_statements_quote_their_sources(tmp_path: Path) -> None:
    """Every shipped statement reads, and its words are in the canonical spec it was applied to or in
    the prose of its Markdown source."""
    for path in sorted((ROOT / "specs" / "sources").glob("*.lifecycles.yaml")):
        declared = load_lifecycles(path)
        assert declared.behaviours, path.name
        api_id = path.name.split(".")[0]
        canonical = (ROOT / "specs" / "canonical" / f"{api_id}.openapi.json").read_text()
        text = " ".join(json.dumps(json.loads(canonical), ensure_ascii=False).replace("\\n", " ").split())
        [source] = [p for p in path.parent.glob(f"{api_id}.*") if not p.name.endswith(".lifecycles.yaml")]
        prose = " ".join(load_source(source).prose.split())
        for behaviour in declared.behaviours:
            assert isinstance(behaviour, Behaviour) and behaviour.line is not None
            quote = " ".join(behaviour.why.split())
            assert json.dumps(quote, ensure_ascii=False)[1:-1] in text or quote in prose, (path.name, quote)


RUNNING_CANCEL = """\
  - running_cancel: 202
    operations: ["DELETE /v1/jobs/{job_id}"]
    why: Cancel requested; the final state via GET.
"""


def test_a_running_cancel_becomes_the_status_a_running_tasks_cancel_answers(tmp_path: Path) -> None:
    """beatra's cancel documents 202 "Cancel requested; final state via callback / GET" beside the 200 of a
    task already terminal: the statement names the status, which the cancel must document."""
    source = document()
    cancel = source["paths"]["/v1/jobs/{job_id}"]["delete"]
    cancel["responses"]["202"] = {"description": "Cancel requested; the final state via GET."}
    applied, _ = run(LIFECYCLES + BEHAVIOURS + RUNNING_CANCEL, tmp_path, source)
    jobs = TaskSpec.from_extension(applied["paths"]["/v1/jobs"]["post"][TASK_EXTENSION])
    assert (jobs.running_cancel, jobs.finished_cancel) == (202, "noop")
    assert check_task_declarations(applied) == []
    del cancel["responses"]["202"]
    source["info"]["description"] += " Cancel requested; the final state via GET."
    error = _refused(LIFECYCLES + BEHAVIOURS + RUNNING_CANCEL, tmp_path, source)
    assert "running_cancel: DELETE /v1/jobs/{job_id} documents no 202 response" in error.message
