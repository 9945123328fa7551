"""The proxy reads serialized parameters through openapi-core: styles, objects, content-typed values."""

from __future__ import annotations

from typing import Any

import pytest

from gatewright.conformance.adapter import CheckFailure
from gatewright.proxy.client_checks import RequestJudge
from gatewright.proxy.models import Captured, Observed
from gatewright.proxy.routing import OperationRouter
from gatewright.spec import Spec
from gatewright.spec.validation import DocumentValidators

INTEGERS = {"type": "array", "items": {"type": "integer"}}
PARAMETERS: list[dict[str, Any]] = [
    {"name": "ids", "in": "query", "style": "form", "explode": False, "schema": INTEGERS},
    {
        "name": "filter",
        "in": "query",
        "style": "deepObject",
        "explode": True,
        "required": True,
        "schema": {"type": "object", "properties": {"size": {"type": "integer"}}},
    },
    {
        "name": "where",
        "in": "query",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
            }
        },
    },
    {"name": "X-Ids", "in": "header", "schema": INTEGERS},
    {"name": "session", "in": "cookie", "schema": {"type": "integer"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}},
    {"name": "item_id", "in": "path", "required": True, "style": "label", "schema": {"type": "integer"}},
    {"name": "v", "in": "path", "required": True, "style": "matrix", "schema": {"type": "integer"}},
]
SPEC = Spec(
    {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/items/{item_id}/{v}": {
                "get": {
                    "operationId": "getItem",
                    "parameters": PARAMETERS,
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
)
GOOD_QUERY = "ids=1,2,3&filter[size]=2&where=%7B%22n%22%3A1%7D&limit=3"


def judged(path: str, query: str, headers: list[tuple[str, str]] | None = None) -> list[CheckFailure]:
    route = OperationRouter(SPEC).match("GET", path)
    assert route is not None
    observed = Observed("GET", path, query, headers or [], Captured(1024), time="2026-01-01T00:00:00Z")
    return RequestJudge(SPEC, DocumentValidators(SPEC.document)).judge(route, observed)


def test_well_formed_serializations_are_not_findings() -> None:
    assert judged("/items/.7/;v=1", GOOD_QUERY, [("X-Ids", "4,5"), ("Cookie", "a=b; session=12")]) == []


@pytest.mark.parametrize(
    ("path", "query", "headers", "name"),
    [
        ("/items/.7/;v=1", GOOD_QUERY.replace("ids=1,2,3", "ids=1,x"), [], "'ids'"),
        ("/items/.7/;v=1", GOOD_QUERY.replace("filter[size]=2", "filter[size]=big"), [], "'filter'"),
        ("/items/.7/;v=1", GOOD_QUERY.replace("%3A1", "%3A%22one%22"), [], "'where'"),
        ("/items/.7/;v=1", GOOD_QUERY, [("X-Ids", "4,five")], "'X-Ids'"),
        ("/items/.7/;v=1", GOOD_QUERY, [("Cookie", "session=abc")], "'session'"),
        ("/items/.seven/;v=1", GOOD_QUERY, [], "'item_id'"),
        (
            "/items/.7/;v=1",
            GOOD_QUERY.replace("limit=3", "limit=11"),
            [],
            "'limit'",
        ),  # plain: as verify reads it
    ],
)
def test_a_value_its_serialization_does_not_allow_is_the_clients(
    path: str, query: str, headers: list[tuple[str, str]], name: str
) -> None:
    [failure] = judged(path, query, headers)
    assert failure.title == "Parameter value not allowed"
    assert name in failure.message


def test_a_required_deep_object_left_out_is_missing() -> None:
    [failure] = judged("/items/.7/;v=1", "ids=1")
    assert (failure.title, failure.message) == ("Required parameter missing", "query parameter 'filter'")
