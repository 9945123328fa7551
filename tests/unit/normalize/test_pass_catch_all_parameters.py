from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, located, spec

from gatewright.normalize.passes.catch_all_parameters import mark_catch_all_parameters
from gatewright.spec.model import GREEDY_EXTENSION


def proxy(param: dict[str, Any], path: str = "/proxy/{rest}", **op: Any) -> dict[str, Any]:
    return spec(paths={path: {"get": {"parameters": [param], "responses": {}, **op}}})


@pytest.mark.parametrize(
    "param",
    [
        {"name": "rest", "in": "path", "required": True, "examples": {"a": {"value": "v1/models"}}},
        {"name": "rest", "in": "path", "required": True, "description": "The forwarded path."},
        {"name": "rest", "in": "path", "required": True, "description": "The object key in the bucket."},
    ],
    ids=["example", "forwarded", "object-key"],
)
def test_marks_a_last_parameter_whose_value_spans_segments(param: dict[str, Any]) -> None:
    document = proxy(param)
    out, repairs = apply(mark_catch_all_parameters, document)
    assert out["paths"]["/proxy/{rest}"]["get"]["parameters"][0][GREEDY_EXTENSION] is True
    [repair] = repairs
    assert repair.pointer == f"/paths/~1proxy~1{{rest}}/get/parameters/0/{GREEDY_EXTENSION}"
    located(document, repair.pointer)


def test_evidence_in_the_operation_summary_counts() -> None:
    document = proxy({"name": "rest", "in": "path"}, summary="Call any nested path upstream")
    assert len(apply(mark_catch_all_parameters, document)[1]) == 1


def test_an_ordinary_id_is_not_greedy() -> None:
    document = proxy({"name": "rest", "in": "path", "examples": {"a": {"value": "file-123"}}})
    assert apply(mark_catch_all_parameters, document)[1] == []


def test_only_the_last_segment_can_be_greedy() -> None:
    param = {"name": "rest", "in": "path", "description": "The forwarded path."}
    assert apply(mark_catch_all_parameters, proxy(param, path="/proxy/{rest}/status"))[1] == []
