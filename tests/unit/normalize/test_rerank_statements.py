"""``rerank`` statements: the spec's words that an operation ranks the request's documents against its
query, read from the lifecycle file, checked against the document and carried into
``x-gatewright-rerank`` with what the schemas say of a result's document and the usage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatewright.normalize.lifecycles import load_lifecycles
from gatewright.normalize.passes.base import clone
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.tasks import apply_lifecycles
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import RERANK_EXTENSION

WHY = "Returns each document's original index plus a relevance score."
STATEMENT = f"""\
lifecycles: []
behaviours:
  - rerank: {{results: /data}}
    operations: [POST /v1/rerank]
    why: {WHY}
"""
REQUEST = {
    "type": "object",
    "properties": {"query": {"type": "string"}, "documents": {"type": "array", "items": {"type": "string"}}},
}


def _result(**extra: Any) -> dict[str, Any]:
    return {"index": {"type": "integer"}, "relevance_score": {"type": "number"}, **extra}


def _api(result: dict[str, Any], *, request: dict[str, Any] = REQUEST, usage: bool = False) -> dict[str, Any]:
    """A rerank route whose answer holds its results in ``data``, its prose in the description."""
    answer: dict[str, Any] = {
        "type": "object",
        "properties": {"data": {"type": "array", "items": {"type": "object", "properties": result}}},
    }
    if usage:
        answer["properties"]["usage"] = {"$ref": "#/components/schemas/Usage"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "rerank", "version": "1"},
        "paths": {
            "/v1/rerank": {
                "post": {
                    "operationId": "rerank",
                    "description": WHY,
                    "requestBody": {"content": {"application/json": {"schema": request}}},
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": answer}}}
                    },
                }
            }
        },
        "components": {
            "schemas": {"Usage": {"type": "object", "properties": {"total_tokens": {"type": "integer"}}}}
        },
    }


def run(text: str, tmp_path: Path, source: dict[str, Any]) -> tuple[dict[str, Any], RepairLog]:
    path = tmp_path / "rerank.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    copy = clone(source)
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, load_lifecycles(path), log)
    return copy, log


@pytest.mark.parametrize(
    ("document", "usage", "expected"),
    [
        (
            {"type": "object", "properties": {"text": {"type": "string"}}},
            True,
            {"document": "object", "usage": "/usage/total_tokens"},
        ),
        ({"type": "string"}, False, {"document": "string"}),
        (None, False, {}),
        ({"type": "object", "properties": {"body": {"type": "string"}}}, False, {}),  # no text to hold it
    ],
    ids=["object with usage", "string", "no document", "object without text"],
)
def test_the_statement_marks_the_route_with_the_shape_its_schemas_declare(
    tmp_path: Path, document: dict[str, Any] | None, usage: bool, expected: dict[str, str]
) -> None:
    result = _result() if document is None else _result(document=document)
    applied, log = run(STATEMENT, tmp_path, _api(result, usage=usage))
    assert applied["paths"]["/v1/rerank"]["post"][RERANK_EXTENSION] == {"results": "/data", **expected}
    assert [(r.pointer, r.why) for r in log.repairs] == [
        (f"/paths/~1v1~1rerank/post/{RERANK_EXTENSION}", f"the spec states: {WHY!r}")
    ]
    again, relog = run(STATEMENT, tmp_path, applied)  # a second run changes nothing
    assert relog.repairs == [] and again == applied


@pytest.mark.parametrize(
    ("text", "source", "message"),
    [
        (
            STATEMENT,
            _api(_result(), request={"type": "object", "properties": {"query": {}}}),
            "the JSON request body of POST /v1/rerank declares no documents",
        ),
        (
            STATEMENT.replace("/data", "/results"),
            _api(_result()),
            "the 2xx JSON answer of POST /v1/rerank declares no array at /results",
        ),
        (
            STATEMENT,
            _api({"index": {"type": "integer"}}),
            "the results of POST /v1/rerank declare no relevance_score",
        ),
        (
            STATEMENT.replace(WHY, "Ranks things."),
            _api(_result()),
            "rerank: the spec does not say 'Ranks things.'",
        ),
    ],
    ids=["no documents", "no results array", "no relevance_score", "quote not in the spec"],
)
def test_a_statement_the_document_does_not_bear_out_is_refused(
    text: str, source: dict[str, Any], message: str, tmp_path: Path
) -> None:
    with pytest.raises(BehaviourError) as refused:
        run(text, tmp_path, source)
    assert refused.value.source == str(tmp_path / "rerank.lifecycles.yaml")
    assert refused.value.line == 3  # the statement's line
    assert message in refused.value.message
