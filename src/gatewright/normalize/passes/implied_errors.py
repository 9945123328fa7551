"""Declare the error responses an operation's own contract implies but its document left out.

A secured operation answers 401 without credentials; an operation that takes input
answers 400 (or its documented 422) for invalid input; an operation on an item
(`/things/{id}`) answers 404 for an unknown id. Gateways do answer so, and without
these a conformance tool flags every such answer as undocumented. The body is the
operation's own error schema, else the document's named error response, else the
error schema its other operations use most.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref

JSON = "application/json"
COMPONENT_NAMES = {"401": ("Unauthorized",), "400": ("BadRequest", "ValidationError"), "404": ("NotFound",)}
DESCRIPTIONS = {
    "401": "Missing or invalid credentials.",
    "400": "Invalid request: a parameter or the body does not match the operation's schema.",
    "404": "No such resource.",
}


def _error_schema(response: Any) -> Any:
    media = response.get("content", {}).get(JSON) if isinstance(response, dict) else None
    return media.get("schema") if isinstance(media, dict) else None


def common_error_schema(document: Document) -> Any:
    """The 4xx body schema the document's operations reference most."""
    counts: Counter[str] = Counter()
    schemas: dict[str, Any] = {}
    for _path, _method, op, _pointer in operations(document):
        for status, response in op.get("responses", {}).items():
            schema = _error_schema(deref(document, response))
            if status.startswith("4") and isinstance(schema, dict) and "$ref" in schema:
                counts[schema["$ref"]] += 1
                schemas[schema["$ref"]] = schema
    return schemas[counts.most_common(1)[0][0]] if counts else None


def own_error_schema(document: Document, op: dict[str, Any]) -> Any:
    """The first 4xx body schema the operation itself declares."""
    for status, response in op.get("responses", {}).items():
        schema = _error_schema(deref(document, response))
        if status.startswith("4") and schema is not None:
            return schema
    return None


def _is_secured(document: Document, op: dict[str, Any]) -> bool:
    return bool(op.get("security", document.get("security", [])))


def _takes_input(document: Document, op: dict[str, Any], path_item: dict[str, Any]) -> bool:
    return "requestBody" in op or bool(op.get("parameters")) or bool(path_item.get("parameters"))


@repair_pass("implied_errors")
def implied_error_responses(document: Document, context: Context, log: RepairLog) -> None:
    """Add 401 to secured operations, 400 to those that take input, 404 to item operations."""
    common = common_error_schema(document)
    for path, method, op, pointer in operations(document):
        responses = op.get("responses")
        if not isinstance(responses, dict):
            continue
        wanted = []
        if _is_secured(document, op) and "401" not in responses:
            wanted.append(("401", "the operation requires credentials, so a request without them is refused"))
        if _takes_input(document, op, document["paths"][path]) and not {"400", "422"} & set(responses):
            wanted.append(("400", "the operation takes parameters or a body, so invalid input is rejected"))
        if "{" in path.rsplit("/", 1)[-1] and "404" not in responses:
            wanted.append(("404", "the operation addresses one item by id, which may not exist"))
        own = own_error_schema(document, op)
        for status, why in wanted:
            response = error_response(document, method, status, own, common)
            if response is None:
                continue
            responses[status] = response
            log.add(f"{pointer}/responses", f"declared the {status} response", why, after=response)


def error_response(
    document: Document, method: str, status: str, own: Any, common: Any
) -> dict[str, Any] | None:
    """The error response to declare: the operation's own error schema, else the document's named
    response, else the common error schema (None: the document has no error shape at all)."""
    named = document.get("components", {}).get("responses", {})
    component = next((n for n in COMPONENT_NAMES[status] if n in named), None)
    if method == "head":  # HEAD responses carry no body
        return {"description": DESCRIPTIONS[status]}
    if own is None and component is not None:
        return {"$ref": f"#/components/responses/{component}"}
    if (own or common) is not None:
        return {"description": DESCRIPTIONS[status], "content": {JSON: {"schema": own or common}}}
    return None
