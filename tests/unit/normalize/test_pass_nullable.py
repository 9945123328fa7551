from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, located, spec

from gatewright.normalize.passes.nullable import rewrite_nullable


def schemas(**named: Any) -> dict[str, Any]:
    return spec(components={"schemas": named})


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        ({"type": ["string"], "nullable": True}, {"type": ["string", "null"]}),
        (
            {"type": "string", "enum": ["a", "b"], "nullable": True},
            {"type": ["string", "null"], "enum": ["a", "b", None]},
        ),
        (
            {"$ref": "#/components/schemas/B", "nullable": True},
            {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]},
        ),
        ({"enum": ["a"], "nullable": True}, {"anyOf": [{"enum": ["a"]}, {"type": "null"}]}),
        (
            {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True},
            {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
        ),
        ({"description": "anything", "nullable": True}, {"description": "anything"}),
        ({"type": "string", "nullable": False}, {"type": "string"}),
    ],
    ids=["type", "type-list", "enum", "ref", "enum-no-type", "oneOf", "no-type", "false"],
)
def test_rewrites_nullable(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    document = schemas(A=schema, B={"type": "object"})
    out, repairs = apply(rewrite_nullable, document)
    assert out["components"]["schemas"]["A"] == expected
    [repair] = repairs
    assert repair.pointer == "/components/schemas/A/nullable"
    assert located(document, repair.pointer) == schema["nullable"]


def test_reaches_nested_and_operation_schemas() -> None:
    document = spec(
        paths={
            "/x": {
                "get": {
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "integer", "nullable": True}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"properties": {"a": {"type": "string", "nullable": True}}},
                                    }
                                }
                            },
                        }
                    },
                }
            }
        }
    )
    out, repairs = apply(rewrite_nullable, document)
    assert sorted(r.pointer for r in repairs) == [
        "/paths/~1x/get/parameters/0/schema/nullable",
        "/paths/~1x/get/responses/200/content/application~1json/schema/items/properties/a/nullable",
    ]
    for repair in repairs:
        assert located(document, repair.pointer) is True
    op = out["paths"]["/x"]["get"]
    assert op["parameters"][0]["schema"] == {"type": ["integer", "null"]}
    items = op["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items["properties"]["a"] == {"type": ["string", "null"]}


def test_a_type_that_already_allows_null_is_kept() -> None:
    document = schemas(A={"type": ["string", "null"], "enum": ["a", None], "nullable": True})
    out, _ = apply(rewrite_nullable, document)
    assert out["components"]["schemas"]["A"] == {"type": ["string", "null"], "enum": ["a", None]}


def test_nothing_to_do_without_nullable() -> None:
    assert apply(rewrite_nullable, schemas(A={"type": "string"}))[1] == []
