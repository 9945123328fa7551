"""``file_purpose`` and ``list_order`` statements: the spec's words that a file a request names must have
been uploaded for a purpose, and that a list comes newest first, read from the lifecycle file, checked
against the document and carried into ``x-gatewright-file-purpose`` and ``x-gatewright-list-order``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatewright.normalize.lifecycle_model import FilePurpose
from gatewright.normalize.lifecycles import load_lifecycles
from gatewright.normalize.passes.base import clone
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.tasks import apply_lifecycles
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.errors import SpecError
from gatewright.spec.model import FILE_PURPOSE_EXTENSION, LIST_ORDER_EXTENSION

STATEMENTS = """\
lifecycles: []
behaviours:
  - file_purpose: {field: training_file, purpose: fine-tune}
    operations: [POST /v1/tunes]
    why: File id uploaded with purpose=fine-tune.
  - file_purpose: {field: validation_file, purpose: fine-tune-validation}
    operations: [POST /v1/tunes]
    why: Held-out file with purpose=fine-tune-validation.
    note: held to its purpose too
  - list_order: desc
    operations: [GET /v1/stores]
    why: Returns the most recent stores.
"""


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def document(*, order_parameter: bool = False) -> dict[str, Any]:
    tune = {
        "type": "object",
        "properties": {
            "training_file": {"type": "string", "description": "File id uploaded with purpose=fine-tune."},
            "validation_file": {
                "type": "string",
                "description": "Held-out file with purpose=fine-tune-validation.",
            },
        },
    }
    order = {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "tunes", "version": "1"},
        "paths": {
            "/v1/tunes": {
                "post": {
                    "operationId": "createTune",
                    "requestBody": {"content": {"application/json": {"schema": tune}}},
                    "responses": {"200": _json({"type": "object"})},
                }
            },
            "/v1/stores": {
                "get": {
                    "operationId": "listStores",
                    "description": "Returns the most recent stores.",
                    "parameters": [order] if order_parameter else [],
                    "responses": {"200": _json({"type": "object"})},
                }
            },
        },
    }


def run(text: str, tmp_path: Path, source: dict[str, Any]) -> tuple[dict[str, Any], RepairLog]:
    path = tmp_path / "tunes.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    copy = clone(source)
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, load_lifecycles(path), log)
    return copy, log


def test_statements_read_into_the_model(tmp_path: Path) -> None:
    path = tmp_path / "tunes.lifecycles.yaml"
    path.write_text(STATEMENTS, encoding="utf-8")
    read = [(b.kind, b.operations, b.value) for b in load_lifecycles(path).behaviours]
    assert read == [
        ("file_purpose", ("POST /v1/tunes",), FilePurpose("training_file", "fine-tune")),
        ("file_purpose", ("POST /v1/tunes",), FilePurpose("validation_file", "fine-tune-validation")),
        ("list_order", ("GET /v1/stores",), "desc"),
    ]


def test_statements_become_extensions_logged_with_their_quote(tmp_path: Path) -> None:
    """Two purposes stated of one operation make one mapping; running again changes nothing."""
    applied, log = run(STATEMENTS, tmp_path, document())
    assert applied["paths"]["/v1/tunes"]["post"][FILE_PURPOSE_EXTENSION] == {
        "training_file": "fine-tune",
        "validation_file": "fine-tune-validation",
    }
    assert applied["paths"]["/v1/stores"]["get"][LIST_ORDER_EXTENSION] == "desc"
    assert [(r.pointer, r.change, r.why, r.before, r.after) for r in log.repairs] == [
        (
            "/paths/~1v1~1tunes/post/x-gatewright-file-purpose",
            "declared that the file `training_file` names was uploaded with purpose fine-tune",
            "the spec states: 'File id uploaded with purpose=fine-tune.'",
            None,
            {"training_file": "fine-tune"},
        ),
        (
            "/paths/~1v1~1tunes/post/x-gatewright-file-purpose",
            "declared that the file `validation_file` names was uploaded with purpose fine-tune-validation",
            "the spec states: 'Held-out file with purpose=fine-tune-validation.' (held to its purpose too)",
            {"training_file": "fine-tune"},
            {"training_file": "fine-tune", "validation_file": "fine-tune-validation"},
        ),
        (
            "/paths/~1v1~1stores/get/x-gatewright-list-order",
            "declared that the list comes newest first",
            "the spec states: 'Returns the most recent stores.'",
            None,
            "desc",
        ),
    ]
    again, relog = run(STATEMENTS, tmp_path, applied)
    assert relog.repairs == [] and again == applied


@pytest.mark.parametrize(
    ("text", "source", "message"),
    [
        (
            STATEMENTS.replace("field: training_file", "field: train_file"),
            document(),
            "file_purpose: the JSON request body of POST /v1/tunes declares no train_file",
        ),
        (
            STATEMENTS,
            document(order_parameter=True),
            "list_order: GET /v1/stores declares an order parameter: state its default (parameter_default)",
        ),
        (
            STATEMENTS.replace("operations: [GET /v1/stores]", "operations: [POST /v1/tunes]"),
            document(),
            "list_order: POST /v1/tunes is no list: a list is a GET",
        ),
    ],
    ids=["a field the request does not declare", "a list that declares order", "no list"],
)
def test_a_statement_that_does_not_fit_the_document_is_refused(
    tmp_path: Path, text: str, source: dict[str, Any], message: str
) -> None:
    with pytest.raises(BehaviourError) as refused:
        run(text, tmp_path, source)
    assert message in refused.value.message
    assert refused.value.source == str(tmp_path / "tunes.lifecycles.yaml")


def test_an_order_outside_asc_and_desc_is_refused_by_the_file_schema(tmp_path: Path) -> None:
    path = tmp_path / "tunes.lifecycles.yaml"
    path.write_text(STATEMENTS.replace("list_order: desc", "list_order: newest"), encoding="utf-8")
    with pytest.raises(SpecError) as refused:
        load_lifecycles(path)
    assert refused.value.pointer == "/behaviours/2/list_order"
