"""Runtime expressions over a sent case: ``gatewright.spec.expressions`` read against a ``CaseRun``.

The expressions themselves (parsing, evaluation, ``MISSING``) are the spec layer's; this module
only fills its ``Exchange`` from a schemathesis case and response.
"""

from __future__ import annotations

from typing import Any

from gatewright.conformance.runs import CaseRun
from gatewright.spec import expressions
from gatewright.spec.expressions import MISSING, Exchange

__all__ = ["MISSING", "evaluate", "evaluate_template", "exchange_of"]


def exchange_of(run: CaseRun) -> Exchange:
    """What an expression can read of ``run``: its case's request and, if one came, its response."""
    case, response = run.case, run.response
    headers = {} if response is None else dict(response.headers.items())
    return Exchange(
        request_body=getattr(case, "body", None),
        path=getattr(case, "path_parameters", None) or {},
        query=getattr(case, "query", None) or {},
        headers=getattr(case, "headers", None) or {},
        response_body=run.json(),
        response_headers={k: v[0] if isinstance(v, list) and v else v for k, v in headers.items()},
        status=run.status,
    )


def evaluate(expression: Any, run: CaseRun) -> Any:
    """The value ``expression`` names in ``run``'s request or response; ``MISSING`` when absent.

    A value that is not an expression (a literal in a link's ``parameters``) is returned as is.
    """
    if not isinstance(expression, str) or not expression.startswith(("$", "{$")):
        return expression
    return expressions.evaluate(expression, exchange_of(run))


def evaluate_template(template: Any, run: CaseRun) -> Any:
    """A template (a link's ``requestBody``) with every runtime expression in it replaced by its value in
    ``run``; what names nothing there is left out."""
    if isinstance(template, dict):
        found = {key: evaluate_template(value, run) for key, value in template.items()}
        return {key: value for key, value in found.items() if value is not MISSING}
    if isinstance(template, list):
        return [item for item in (evaluate_template(v, run) for v in template) if item is not MISSING]
    return evaluate(template, run)
