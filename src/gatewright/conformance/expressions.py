"""OpenAPI runtime expressions (``$response.body#/id``, ``$response.header.Location``) over a sent case."""

from __future__ import annotations

from typing import Any

from gatewright.conformance.adapter import CaseRun
from gatewright.spec.pointer import lookup

MISSING = object()


def evaluate(expression: Any, run: CaseRun) -> Any:
    """The value ``expression`` names in ``run``'s request or response; ``MISSING`` when absent.

    A value that is not an expression (a literal in a link's ``parameters``) is returned as is.
    """
    if not isinstance(expression, str) or not expression.startswith("$"):
        return expression
    if expression.startswith("{") and expression.endswith("}"):
        expression = expression[1:-1]
    if expression == "$statusCode":
        return run.status if run.status is not None else MISSING
    if expression.startswith("$response.body"):
        return _pointer(run.json(), expression.removeprefix("$response.body"))
    if expression.startswith("$response.header."):
        if run.response is None:
            return MISSING
        name = expression.removeprefix("$response.header.").lower()
        for key, value in run.response.headers.items():
            if key.lower() == name:
                return value[0] if isinstance(value, list) else value
        return MISSING
    if expression.startswith("$request.body"):
        return _pointer(getattr(run.case, "body", None), expression.removeprefix("$request.body"))
    for prefix, attribute in (
        ("$request.path.", "path_parameters"),
        ("$request.query.", "query"),
        ("$request.header.", "headers"),
    ):
        if expression.startswith(prefix):
            container = getattr(run.case, attribute, None) or {}
            return container.get(expression.removeprefix(prefix), MISSING)
    return MISSING


def _pointer(document: Any, fragment: str) -> Any:
    fragment = fragment.removeprefix("#")
    if document is None:
        return MISSING
    return lookup(document, fragment, MISSING)
