"""Lists and item routes agree: fixtures from declared ids, the store's fixture semantics, real model ids."""

from __future__ import annotations

from typing import Any

from gatewright.mock.catalog import declared_values, model_ids
from gatewright.mock.fixtures import collection_fixtures
from gatewright.mock.generate import Generator
from gatewright.mock.operations import compile_api
from gatewright.mock.schemas import SchemaSet
from gatewright.mock.state import ResourceStore
from gatewright.spec import load_spec
from gatewright.spec.model import Spec

_MODEL = {
    "type": "object",
    "required": ["id", "object"],
    "properties": {"id": {"type": "string"}, "object": {"const": "model"}},
}


def _spec(item_param: dict[str, Any], *, list_example: Any = None, create: bool = False) -> Spec:
    list_media: dict[str, Any] = {
        "schema": {
            "type": "object",
            "required": ["data"],
            "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}},
        }
    }
    if list_example is not None:
        list_media["example"] = list_example
    paths: dict[str, Any] = {
        "/v1/models": {
            "get": {
                "operationId": "listModels",
                "responses": {"200": {"description": "ok", "content": {"application/json": list_media}}},
            }
        },
        "/v1/models/{model_id}": {
            "get": {
                "operationId": "getModel",
                "parameters": [{"name": "model_id", "in": "path", "required": True, **item_param}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}},
                    },
                    "404": {"description": "missing"},
                },
            }
        },
    }
    if create:
        paths["/v1/models"]["post"] = {
            "operationId": "createModel",
            "responses": {
                "201": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}},
                }
            },
        }
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Model": _MODEL}},
    }
    return Spec(document, "t")


def test_an_enum_on_the_item_parameter_gives_the_listed_ids() -> None:
    api = compile_api(_spec({"schema": {"enum": ["alpha", "beta/2"]}}), "t", "", seed=1)
    fixtures = collection_fixtures(api, api.operations["listModels"])
    assert list(fixtures) == ["alpha", "beta/2"]
    assert all(item["object"] == "model" for item in fixtures.values())


def test_examples_on_the_item_parameter_replace_generated_ids() -> None:
    api = compile_api(_spec({"schema": {"type": "string", "examples": ["m-1"]}}), "t", "", seed=1)
    assert list(collection_fixtures(api, api.operations["listModels"])) == ["m-1"]


def test_a_documented_list_keeps_its_ids_when_the_route_accepts_them() -> None:
    example = {"data": [{"id": "doc-1", "object": "model"}, {"id": "doc-2", "object": "model"}]}
    param = {"schema": {"type": "string", "examples": ["other"]}}
    api = compile_api(_spec(param, list_example=example), "t", "", seed=1)
    assert list(collection_fixtures(api, api.operations["listModels"])) == ["doc-1", "doc-2"]
    enum = {"schema": {"enum": ["e-1"]}}
    api = compile_api(_spec(enum, list_example=example), "t", "", seed=1)
    assert list(collection_fixtures(api, api.operations["listModels"])) == ["e-1"]


def test_declared_values_prefer_enum_then_examples() -> None:
    schemas = SchemaSet({})
    assert declared_values(schemas, {"schema": {"enum": ["a"], "examples": ["b"]}}) == ("a",)
    assert declared_values(schemas, {"schema": {"type": "string"}, "example": "c"}) == ("c",)
    assert declared_values(schemas, {"schema": {}, "examples": {"x": {"value": "d"}}}) == ("d",)
    assert declared_values(schemas, {"schema": {"examples": ["b"]}}, examples=False) == ()


def test_model_ids_come_from_a_model_parameter_enum() -> None:
    spec = _spec({"schema": {"enum": ["alpha", "beta"]}})
    assert model_ids(SchemaSet(spec.document), spec.operations) == ("alpha", "beta")
    ipop = load_spec("ipop")
    assert "claude-sonnet-4.6" in model_ids(SchemaSet(ipop.document), ipop.operations)


def test_model_ids_read_a_request_model_enum_beside_a_pattern() -> None:
    """A ``model`` widened to its enum or a fine-tune's ``ft:`` id (``anyOf``) still names the catalog."""
    model = {"anyOf": [{"enum": ["m1", "m2"]}, {"type": "string", "pattern": "^ft:"}]}
    body = {"type": "object", "properties": {"model": model}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/chat/completions": {
                "post": {
                    "operationId": "chat",
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    spec = Spec(document)
    assert model_ids(SchemaSet(spec.document), spec.operations) == ("m1", "m2")


def test_generated_model_fields_prefer_a_declared_model() -> None:
    schemas = SchemaSet(
        {
            "components": {
                "schemas": {
                    "S": {
                        "type": "object",
                        "required": ["model"],
                        "properties": {"model": {"type": "string"}},
                    }
                }
            }
        }
    )
    assert Generator(schemas, seed=1).generate("/components/schemas/S") == {"model": "mock-model"}
    real = Generator(schemas, seed=1, model_ids=("real-1",)).generate("/components/schemas/S")
    assert real == {"model": "real-1"}


def test_store_fixtures_read_list_update_delete_and_come_back_on_reset() -> None:
    store = ResourceStore()
    store.add_fixtures("t:/v1/things", {"a": {"id": "a"}, "b": {"id": "b"}})
    assert store.known("t:/v1/things") and store.pristine("t:/v1/things")
    assert store.get("t:/v1/things", "a") == {"id": "a"}
    assert store.find("t:", "b") == ("t:/v1/things", {"id": "b"})
    store.put("t:/v1/things", "c", {"id": "c"})
    assert [item["id"] for item in store.list("t:/v1/things")] == ["a", "b", "c"]
    assert store.update("t:/v1/things", "a", {"name": "x"}) == {"id": "a", "name": "x"}
    assert store.delete("t:/v1/things", "b")
    assert store.get("t:/v1/things", "b") is None and store.find("t:", "b") is None
    assert [item["id"] for item in store.list("t:/v1/things")] == ["a", "c"]
    assert store.snapshot() == {"t:/v1/things": [{"id": "c"}, {"id": "a", "name": "x"}]}  # client writes
    assert not store.pristine("t:/v1/things")
    store.reset()
    assert store.list("t:/v1/things") == [{"id": "a"}, {"id": "b"}]
    assert store.snapshot() == {}
