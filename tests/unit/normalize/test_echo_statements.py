"""``echo_as`` statements: the spec's words that an answer field restates a request field under another name,
read from the lifecycle file, checked against the document and carried into ``x-gatewright-echo-as``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatewright.normalize.lifecycle_model import EchoAs
from gatewright.normalize.lifecycles import load_lifecycles
from gatewright.normalize.passes.base import clone
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.tasks import apply_lifecycles
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.errors import SpecError
from gatewright.spec.model import ECHO_EXTENSION

LIFECYCLES = """\
lifecycles:
  - name: tunes
    creates: [POST /v1/tunes]
    poll: "GET /v1/tunes/{tune_id}"
    id: $response.body#/id
    status: /status
    states: {initial: [queued], running: [], succeeded: [done], failed: [failed], cancelled: []}
"""

STATEMENTS = """\
behaviours:
  - echo_as: {field: model, as: base_model_id}
    operations: [POST /v1/tunes]
    why: Base model catalog id.
    note: the base model a tune reports
  - echo_as: {field: file, as: training_file_id}
    operations: [POST /v1/tunes]
    why: The file to train on.
  - echo_as: {field: name, as: label}
    operations: [POST /v1/tags]
    why: The tag's name.
"""


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def document() -> dict[str, Any]:
    """A tune create that answers only its id and status, a poll whose job (an object under the body)
    names the base model and file, and a plain create answering its ``label`` at the top."""
    status = {"type": "string", "enum": ["queued", "done", "failed"]}
    job = {"type": "object", "properties": {"base_model_id": {"type": "string"}, "training_file_id": {}}}
    param = {"name": "tune_id", "in": "path", "required": True, "schema": {"type": "string"}}
    tune = {
        "type": "object",
        "properties": {
            "model": {"type": "string", "description": "Base model catalog id."},
            "file": {"type": "string", "description": "The file to train on."},
        },
    }
    tag = {"type": "object", "properties": {"name": {"type": "string", "description": "The tag's name."}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "tunes", "version": "1"},
        "components": {"requestBodies": {"Tune": {"content": {"application/json": {"schema": tune}}}}},
        "paths": {
            "/v1/tunes": {
                "post": {
                    "operationId": "createTune",
                    "requestBody": {"$ref": "#/components/requestBodies/Tune"},
                    "responses": {
                        "202": _json({"type": "object", "properties": {"id": {}, "status": status}})
                    },
                }
            },
            "/v1/tunes/{tune_id}": {
                "get": {
                    "operationId": "getTune",
                    "parameters": [param],
                    "responses": {
                        "200": _json(
                            {"type": "object", "properties": {"id": {}, "status": status, "job": job}}
                        )
                    },
                }
            },
            "/v1/tags": {
                "post": {
                    "operationId": "createTag",
                    "requestBody": {"content": {"application/json": {"schema": tag}}},
                    "responses": {
                        "201": _json({"type": "object", "properties": {"label": {"type": "string"}}})
                    },
                }
            },
        },
    }


def run(text: str, tmp_path: Path, source: dict[str, Any] | None = None) -> tuple[dict[str, Any], RepairLog]:
    path = tmp_path / "tunes.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    copy = clone(source if source is not None else document())
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, load_lifecycles(path), log)
    return copy, log


def test_statements_read_into_the_model_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "tunes.lifecycles.yaml"
    path.write_text(LIFECYCLES + STATEMENTS, encoding="utf-8")
    first = LIFECYCLES.count("\n") + 2
    read = [(b.kind, b.operations, b.value, b.line) for b in load_lifecycles(path).behaviours]
    assert read == [
        ("echo_as", ("POST /v1/tunes",), EchoAs("model", "base_model_id"), first),
        ("echo_as", ("POST /v1/tunes",), EchoAs("file", "training_file_id"), first + 4),
        ("echo_as", ("POST /v1/tags",), EchoAs("name", "label"), first + 7),
    ]


def test_statements_become_the_operations_echo_extension_logged_with_their_quote(tmp_path: Path) -> None:
    """Two statements about one operation make one mapping; a task create may answer the field in its
    poll's body only (the job under it), where its polls restate the request too."""
    applied, log = run(LIFECYCLES + STATEMENTS, tmp_path)
    paths = applied["paths"]
    assert paths["/v1/tunes"]["post"][ECHO_EXTENSION] == {
        "base_model_id": "model",
        "training_file_id": "file",
    }
    assert paths["/v1/tags"]["post"][ECHO_EXTENSION] == {"label": "name"}
    assert ECHO_EXTENSION not in paths["/v1/tunes/{tune_id}"]["get"]
    echoes = [
        (r.pointer, r.change, r.why, r.before, r.after) for r in log.repairs if ECHO_EXTENSION in r.pointer
    ]
    assert echoes == [
        (
            "/paths/~1v1~1tunes/post/x-gatewright-echo-as",
            "declared that the answer's `base_model_id` restates the request's `model`",
            "the spec states: 'Base model catalog id.' (the base model a tune reports)",
            None,
            {"base_model_id": "model"},
        ),
        (
            "/paths/~1v1~1tunes/post/x-gatewright-echo-as",
            "declared that the answer's `training_file_id` restates the request's `file`",
            "the spec states: 'The file to train on.'",
            {"base_model_id": "model"},
            {"base_model_id": "model", "training_file_id": "file"},
        ),
        (
            "/paths/~1v1~1tags/post/x-gatewright-echo-as",
            "declared that the answer's `label` restates the request's `name`",
            'the spec states: "The tag\'s name."',
            None,
            {"label": "name"},
        ),
    ]
    again, relog = run(LIFECYCLES + STATEMENTS, tmp_path, applied)
    assert relog.repairs == [] and again == applied


def _refused(text: str, tmp_path: Path, source: dict[str, Any] | None = None) -> BehaviourError:
    with pytest.raises(BehaviourError) as refused:
        run(text, tmp_path, source)
    assert refused.value.source == str(tmp_path / "tunes.lifecycles.yaml")
    return refused.value


def test_a_field_the_request_does_not_declare_is_refused(tmp_path: Path) -> None:
    text = LIFECYCLES + STATEMENTS.replace("field: model", "field: base_model")
    error = _refused(text, tmp_path)
    assert "echo_as: the JSON request body of POST /v1/tunes declares no base_model" in error.message
    assert error.line is not None and "field: base_model" in text.splitlines()[error.line - 1]


def test_an_answer_field_no_answer_declares_is_refused(tmp_path: Path) -> None:
    error = _refused(LIFECYCLES + STATEMENTS.replace("as: label", "as: tag_label"), tmp_path)
    assert "echo_as: no 2xx JSON answer of POST /v1/tags declares tag_label" in error.message
    source = document()
    del source["paths"]["/v1/tunes/{tune_id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["properties"]["job"]
    error = _refused(LIFECYCLES + STATEMENTS, tmp_path, source)
    assert "no 2xx JSON answer of POST /v1/tunes declares base_model_id" in error.message


def test_a_quote_the_spec_does_not_hold_is_refused(tmp_path: Path) -> None:
    error = _refused(
        LIFECYCLES + STATEMENTS.replace("why: Base model catalog id.", "why: The base model."), tmp_path
    )
    assert "echo_as: the spec does not say 'The base model.'" in error.message


@pytest.mark.parametrize(
    ("entry", "pointer", "message"),
    [
        (
            "  - echo_as: {field: model}\n    operations: [POST /v1/tunes]\n    why: x\n",
            "/behaviours/0/echo_as",
            "'as' is a required property (expected echo_as: {field:",
        ),
        (
            "  - echo_as: {field: model, as: base_model_id}\n    why: x\n",
            "/behaviours/0",
            "'operations' is a required property",
        ),
        (
            "  - echo_as: {field: model, as: base_model_id}\n    operations: [POST /v1/tunes]\n    why: x\n"
            "  - echo_as: {field: file, as: base_model_id}\n    operations: [POST /v1/tunes]\n    why: y\n",
            "/behaviours/1/operations/0",
            "echo_as base_model_id of POST /v1/tunes is stated twice (also /behaviours/0)",
        ),
    ],
    ids=["no answer field", "no operations", "an answer field stated twice"],
)
def test_a_malformed_statement_is_refused_at_its_place(
    tmp_path: Path, entry: str, pointer: str, message: str
) -> None:
    path = tmp_path / "tunes.lifecycles.yaml"
    path.write_text(LIFECYCLES + "behaviours:\n" + entry, encoding="utf-8")
    with pytest.raises(SpecError) as refused:
        load_lifecycles(path)
    assert (refused.value.source, refused.value.pointer) == (str(path), pointer)
    assert message in refused.value.message
