from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, located, spec

from gatewright.normalize.passes.schema_types import enum_types


def schemas(**named: Any) -> dict[str, Any]:
    return spec(components={"schemas": named})


@pytest.mark.parametrize(
    ("declared", "enum", "expected"),
    [("string", [1, 2], "integer"), ("integer", ["a", "b"], "string"), ("string", [True], "boolean")],
)
def test_declares_the_type_the_enum_members_have(declared: str, enum: list[Any], expected: str) -> None:
    document = schemas(A={"type": declared, "enum": enum})
    out, repairs = apply(enum_types, document)
    assert out["components"]["schemas"]["A"] == {"type": expected, "enum": enum}
    [repair] = repairs
    assert (repair.pointer, repair.before, repair.after) == ("/components/schemas/A/type", declared, expected)
    assert located(document, repair.pointer) == declared


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "enum": ["a", 1]},
        {"type": "number", "enum": [1, 2]},
        {"type": "string", "enum": ["a", None]},
        {"type": ["string", "null"], "enum": [1]},
        {"enum": [1]},
    ],
    ids=["mixed", "integers-are-numbers", "null-member", "type-list", "no-type"],
)
def test_consistent_or_mixed_enums_are_left_alone(schema: dict[str, Any]) -> None:
    assert apply(enum_types, schemas(A=schema))[1] == []
