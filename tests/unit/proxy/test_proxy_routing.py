"""Routing a concrete path to its operation: literal beats templated beats greedy."""

from __future__ import annotations

from typing import Any

import pytest

from gatewright.proxy.routing import OperationRouter
from gatewright.spec import Spec, load_spec

P = {"name": "p", "in": "path", "required": True, "schema": {"type": "string"}}


def _op(operation_id: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "parameters": list(parameters),
        "responses": {"200": {"description": "ok"}},
    }


SPEC = Spec(
    {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/models/{p}": {"get": _op("getModel", P)},
            "/v1/models/search": {"get": _op("searchModels")},
            "/v1/files/{p}": {"get": _op("getFile", {**P, "x-gatewright-greedy": True})},
            "/v1/files/{p}/content": {"get": _op("getFileContent", P)},
        },
    }
)


@pytest.mark.parametrize(
    ("method", "path", "operation", "params"),
    [
        ("GET", "/v1/models/search", "searchModels", {}),
        ("GET", "/v1/models/gpt-4o", "getModel", {"p": "gpt-4o"}),
        ("GET", "/v1/models/a%20b", "getModel", {"p": "a b"}),
        ("GET", "/v1/files/f1/content", "getFileContent", {"p": "f1"}),
        ("GET", "/v1/files/dir/sub/name.txt", "getFile", {"p": "dir/sub/name.txt"}),
        ("get", "/v1/models/x", "getModel", {"p": "x"}),
    ],
)
def test_match(method: str, path: str, operation: str, params: dict[str, str]) -> None:
    route = OperationRouter(SPEC).match(method, path)
    assert route is not None
    assert (route.operation.operation_id, route.params) == (operation, params)


def test_an_undocumented_method_or_path_matches_nothing() -> None:
    router = OperationRouter(SPEC)
    assert router.match("POST", "/v1/models/x") is None and router.path_known("/v1/models/x")
    assert router.match("GET", "/v2/models") is None and not router.path_known("/v2/models")
    assert router.match("GET", "/v1/models/a/b") is None


@pytest.mark.parametrize("api", ["voxvey", "ipop", "beatra", "imarouter", "empiriolabs"])
def test_every_canonical_operation_routes_to_itself(api: str) -> None:
    spec = load_spec(api)
    router = OperationRouter(spec)
    for operation in spec.operations:
        concrete = operation.path.replace("{", "x").replace("}", "")  # a value for every parameter
        route = router.match(operation.method, concrete)
        assert route is not None, operation.label
        same = router.match(operation.method, operation.path)
        assert same is not None and same.operation.path == operation.path, operation.label
