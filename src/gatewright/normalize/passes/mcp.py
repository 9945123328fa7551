"""``x-gatewright-mcp`` on the operations an ``mcp`` statement names: the prose says the route is an MCP
server over the Streamable HTTP transport (JSON-RPC 2.0: ``initialize``, ``tools/list``, ``tools/call``),
which an envelope schema (``{jsonrpc, id, method, params}`` in, any object out) cannot say; without the
statement the mock answers every method with a generated object no MCP client can read.

The statement names the tools the server lists (name, description, ``inputSchema``); a spec that names
none leaves the list empty here and the mock serves its one documented tool, ``echo``. Two things the
transport fixes that such a spec's schemas miss are repaired, each logged: a notification
(``notifications/initialized``) carries no ``id`` (JSON-RPC 2.0 §4.1), so the request's ``id`` is not
required; and the server accepts it with 202 and no body, so a 202 is declared where none is. A request
body that declares no ``jsonrpc`` or ``method``, or a 2xx JSON answer that is no object, refuses it.
"""

from __future__ import annotations

import copy
from typing import Any

from gatewright.normalize.lifecycle_model import ApiLifecycles, Behaviour
from gatewright.normalize.passes.base import Document
from gatewright.normalize.passes.behaviours import (
    Resolve,
    extend_operation,
    quoted,
    refused,
    request_declaring,
)
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import OperationRef, success_bodies
from gatewright.spec.model import MCP_EXTENSION
from gatewright.spec.pointer import follow
from gatewright.spec.schemas import types

__all__ = ["ACCEPTED", "REQUEST_FIELDS", "declare_mcp"]

REQUEST_FIELDS = ("jsonrpc", "method")  # what a JSON-RPC request body must declare
ACCEPTED = {  # the transport's answer to a notification or response: accepted, nothing to say
    "description": "Accepted: a JSON-RPC notification or response (no id), as the MCP Streamable HTTP "
    "transport answers one; no body."
}


def declare_mcp(document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog) -> None:
    """``x-gatewright-mcp: {"tools": [...]}`` on every operation an ``mcp`` statement names, its request's
    ``id`` made optional and a 202 declared (see the module's docstring)."""
    for behaviour in declared.statements("mcp"):
        for name in behaviour.operations:
            operation = resolve(name)
            request = request_declaring(document, declared, behaviour, operation, name, fields=REQUEST_FIELDS)
            bodies = success_bodies(document, operation)
            if not bodies or not {"object", "any"} & _kinds(document, bodies[0][2]):
                raise refused(declared, behaviour, f"{name} answers no 2xx JSON object")
            _optional_id(document, operation, request, log, behaviour)
            _accepted(operation, log, behaviour)
            wanted = {"tools": copy.deepcopy(list(behaviour.value))}
            change = "declared that the route serves MCP over JSON-RPC 2.0 and the tools it lists"
            extend_operation(operation, MCP_EXTENSION, wanted, log, change=change, why=quoted(behaviour))


def _kinds(document: Document, schema: Any) -> set[str]:
    """The JSON types ``schema`` admits; ``any`` where it names none."""
    kinds = set(types(document, schema))
    return kinds or {"any"}


def _optional_id(
    document: Document, operation: OperationRef, request: Any, log: RepairLog, behaviour: Behaviour
) -> None:
    """The request schema without ``id`` in its ``required``: a notification carries none."""
    where = f"{operation.pointer}/requestBody/content/application~1json/schema"
    schema, found_at = follow(document, request, where)
    required = schema.get("required") if isinstance(schema, dict) else None
    if not isinstance(required, list) or "id" not in required:
        return
    schema["required"] = [field for field in required if field != "id"]
    log.add(
        f"{found_at or where}/required",
        "made the request's id optional: a JSON-RPC notification (notifications/initialized) has none",
        quoted(behaviour),
        before=required,
        after=list(schema["required"]),
    )


def _accepted(operation: OperationRef, log: RepairLog, behaviour: Behaviour) -> None:
    """A 202 with no body among the operation's answers, for the notifications it accepts."""
    responses = operation.definition.get("responses", {})
    if "202" in responses:
        return
    operation.definition["responses"] = dict(sorted({**responses, "202": dict(ACCEPTED)}.items()))
    log.add(
        f"{operation.pointer}/responses/202",
        "declared the 202 (no body) the Streamable HTTP transport answers a notification with",
        quoted(behaviour),
        before=None,
        after=dict(ACCEPTED),
    )
