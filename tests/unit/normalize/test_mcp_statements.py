"""``mcp`` statements: the spec's words that a route is an MCP server over JSON-RPC 2.0, read from the
lifecycle file, checked against the document and carried into ``x-gatewright-mcp``, with the two repairs
the Streamable HTTP transport asks of an envelope schema (``id`` optional, a 202 declared)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatewright.normalize.lifecycles import load_lifecycles
from gatewright.normalize.passes.base import clone
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.mcp import ACCEPTED
from gatewright.normalize.passes.tasks import apply_lifecycles
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import MCP_EXTENSION

WHY = "Streamable HTTP JSON-RPC endpoint for MCP tools."
TOOL = "{name: lookup, inputSchema: {type: object, properties: {q: {type: string}}}}"
STATEMENT = f"""\
lifecycles: []
behaviours:
  - mcp: {{tools: [{TOOL}]}}
    operations: [POST /mcp]
    why: {WHY}
"""
REQUEST = {
    "type": "object",
    "required": ["jsonrpc", "id", "method"],
    "properties": {"jsonrpc": {"type": "string"}, "id": {}, "method": {"type": "string"}},
}
POINTER = "/paths/~1mcp/post"


def _api(request: dict[str, Any] = REQUEST, answer: dict[str, Any] | None = None) -> dict[str, Any]:
    """An MCP route whose request is the component ``Rpc``, its prose in the description."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "mcp", "version": "1"},
        "paths": {
            "/mcp": {
                "post": {
                    "operationId": "mcp",
                    "description": WHY,
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rpc"}}}
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": answer or {"type": "object"}}},
                        },
                        "422": {"description": "invalid"},
                    },
                }
            }
        },
        "components": {"schemas": {"Rpc": request}},
    }


def run(text: str, tmp_path: Path, source: dict[str, Any]) -> tuple[dict[str, Any], RepairLog]:
    path = tmp_path / "mcp.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    copy = clone(source)
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, load_lifecycles(path), log)
    return copy, log


def test_the_statement_marks_the_route_makes_id_optional_and_declares_202(tmp_path: Path) -> None:
    applied, log = run(STATEMENT, tmp_path, _api())
    operation = applied["paths"]["/mcp"]["post"]
    assert operation[MCP_EXTENSION] == {
        "tools": [
            {"name": "lookup", "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}}}
        ]
    }
    assert list(operation["responses"]) == ["200", "202", "422"]
    assert operation["responses"]["202"] == ACCEPTED
    assert applied["components"]["schemas"]["Rpc"]["required"] == ["jsonrpc", "method"]
    assert [r.pointer for r in log.repairs] == [
        "/components/schemas/Rpc/required",
        f"{POINTER}/responses/202",
        f"{POINTER}/{MCP_EXTENSION}",
    ]
    assert {r.why for r in log.repairs} == {f"the spec states: {WHY!r}"}
    again, relog = run(STATEMENT, tmp_path, applied)  # a second run changes nothing
    assert relog.repairs == [] and again == applied


def test_a_statement_without_tools_lists_none(tmp_path: Path) -> None:
    applied, _ = run(STATEMENT.replace(f"{{tools: [{TOOL}]}}", "{}"), tmp_path, _api())
    assert applied["paths"]["/mcp"]["post"][MCP_EXTENSION] == {"tools": []}


@pytest.mark.parametrize(
    ("text", "source", "message"),
    [
        (
            STATEMENT,
            _api({"type": "object", "properties": {"jsonrpc": {"type": "string"}}}),
            "the JSON request body of POST /mcp declares no method",
        ),
        (STATEMENT, _api(answer={"type": "array"}), "POST /mcp answers no 2xx JSON object"),
        (STATEMENT.replace(WHY, "Speaks MCP."), _api(), "mcp: the spec does not say 'Speaks MCP.'"),
    ],
    ids=["no method", "answer no object", "quote not in the spec"],
)
def test_a_statement_the_document_does_not_bear_out_is_refused(
    text: str, source: dict[str, Any], message: str, tmp_path: Path
) -> None:
    with pytest.raises(BehaviourError) as refused:
        run(text, tmp_path, source)
    assert refused.value.source == str(tmp_path / "mcp.lifecycles.yaml")
    assert refused.value.line == 3
    assert message in refused.value.message


def test_a_tool_without_an_input_schema_is_refused_by_the_file_format(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="inputSchema"):
        run(
            STATEMENT.replace(", inputSchema: {type: object, properties: {q: {type: string}}}", ""),
            tmp_path,
            _api(),
        )
