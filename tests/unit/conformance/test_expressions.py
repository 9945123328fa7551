"""Runtime expressions over a sent case: the spec layer's evaluation, fed from a case and response."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from gatewright.conformance.expressions import MISSING, evaluate, exchange_of
from gatewright.conformance.runs import CaseRun


class _Response:
    status_code = 202
    headers: dict[str, list[str]] = {"Location": ["/jobs/7"], "X-Empty": []}

    def json(self) -> Any:
        return {"data": {"id": "job-7"}}


def _run(response: Any = None) -> CaseRun:
    case = SimpleNamespace(
        body={"model": "m"}, path_parameters={"job_id": "7"}, query={"limit": 2}, headers={"X-Trace": "t"}
    )
    return CaseRun(case=case, response=response, phase="lifecycle")


def test_expressions_read_the_case_and_its_response() -> None:
    run = _run(_Response())
    assert evaluate("$response.body#/data/id", run) == "job-7"
    assert evaluate("{$response.header.location}", run) == "/jobs/7"
    assert evaluate("$statusCode", run) == 202
    assert evaluate("$request.body#/model", run) == "m"
    assert evaluate("$request.path.job_id", run) == "7"
    assert evaluate("$request.query.limit", run) == 2
    assert evaluate("$request.header.x-trace", run) == "t"
    assert evaluate("literal", run) == "literal" and evaluate(3, run) == 3
    assert exchange_of(run).response_headers["X-Empty"] == []


def test_without_a_response_the_response_is_missing() -> None:
    run = _run()
    assert evaluate("$response.body#/data/id", run) is MISSING
    assert evaluate("$response.header.Location", run) is MISSING
    assert evaluate("$statusCode", run) is MISSING
    assert evaluate("$response.nonsense", run) is MISSING
