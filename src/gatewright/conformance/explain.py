""" "What the spec says" for a finding: the pointer a reader opens and a short excerpt of it."""

from __future__ import annotations

import json
from typing import Any

from gatewright.conformance.checks import judges
from gatewright.spec import Operation, Spec
from gatewright.spec.model import COMPATIBLE_EXTENSION, TASK_EXTENSION
from gatewright.spec.pointer import child

EXCERPT_LIMIT = 2500


def explain(spec: Spec, operation: Operation, check: str, status: int | None) -> tuple[str, str]:
    """(JSON pointer, excerpt) of the part of the spec that ``check`` judged against."""
    definition = operation.definition
    section = judges(check)
    if section == "responses":
        responses = definition.get("responses", {})
        key = _response_key(responses, status)
        if key is None:
            return child(
                operation.pointer, "responses"
            ), f"documented statuses: {', '.join(responses) or 'none'}"
        return child(operation.pointer, "responses", key), _excerpt(_inline(spec, responses[key]))
    if section == "request":
        parameters = [
            {
                "name": p.get("name"),
                "in": p.get("in"),
                "required": p.get("required", False),
                "schema": p.get("schema"),
            }
            for p in operation.parameters
        ]
        body = _inline(spec, definition.get("requestBody", {}))
        return child(operation.pointer, "requestBody"), _excerpt(
            {"parameters": parameters, "requestBody": body}
        )
    if section == "security":
        schemes = {name: spec.security_schemes.get(name) for req in spec.security(operation) for name in req}
        return child(operation.pointer, "security"), _excerpt(
            {"security": spec.security(operation), "securitySchemes": schemes}
        )
    if section == "task":
        return child(operation.pointer, TASK_EXTENSION), _excerpt(definition.get(TASK_EXTENSION))
    if section == "compatibility":
        return child(operation.pointer, COMPATIBLE_EXTENSION), _excerpt(definition.get(COMPATIBLE_EXTENSION))
    if section == "stream":
        return child(operation.pointer, "responses"), _excerpt(_stream_media(definition))
    return operation.pointer, f"{operation.label} (operationId {operation.operation_id})"


def _response_key(responses: dict[str, Any], status: int | None) -> str | None:
    if status is None:
        return None
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return key
    return None


def _inline(spec: Spec, node: Any, depth: int = 0) -> Any:
    """Resolve refs a few levels deep so the excerpt reads on its own."""
    node = spec.deref(node)
    if depth > 6:
        return node
    if isinstance(node, dict):
        return {k: _inline(spec, v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(spec, v, depth + 1) for v in node]
    return node


def _stream_media(definition: dict[str, Any]) -> Any:
    for status, response in definition.get("responses", {}).items():
        media = response.get("content", {}).get("text/event-stream") if isinstance(response, dict) else None
        if media is not None:
            return {status: {"text/event-stream": media}}
    return None


def _excerpt(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= EXCERPT_LIMIT else text[:EXCERPT_LIMIT] + "\n..."
