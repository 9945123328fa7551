from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.ambiguous_one_of import ambiguous_one_of


def schemas(**named: Any) -> dict[str, Any]:
    return spec(components={"schemas": named})


def test_overlapping_branches_become_any_of() -> None:
    branches = [{"type": "object"}, {"$ref": "#/components/schemas/B"}]
    document = schemas(A={"oneOf": branches}, B={"type": "object", "properties": {"b": {"type": "string"}}})
    out, repairs = apply(ambiguous_one_of, document)
    assert out["components"]["schemas"]["A"] == {"anyOf": branches}
    [repair] = repairs
    assert repair.pointer == "/components/schemas/A/oneOf"
    assert located(document, repair.pointer) == branches
    assert "[0, 1]" in repair.why


def test_a_branch_example_is_a_witness() -> None:
    branches = [
        {"type": "string", "pattern": "^a", "examples": ["ab"]},
        {"type": "string", "pattern": "b$"},
    ]
    out, repairs = apply(ambiguous_one_of, schemas(A={"oneOf": branches}))
    assert out["components"]["schemas"]["A"] == {"anyOf": branches}
    assert "'ab'" in repairs[0].why


def test_an_existing_any_of_is_kept_beside_it() -> None:
    document = schemas(A={"anyOf": [{"type": "object"}], "oneOf": [{"type": "object"}, {"type": "object"}]})
    out, _ = apply(ambiguous_one_of, document)
    assert out["components"]["schemas"]["A"] == {
        "anyOf": [{"type": "object"}],
        "allOf": [{"anyOf": [{"type": "object"}, {"type": "object"}]}],
    }


def test_disjoint_branches_stay_one_of() -> None:
    document = schemas(
        Types={"oneOf": [{"type": "string"}, {"type": "integer"}]},
        Kinds={
            "oneOf": [
                {"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
                {"type": "object", "properties": {"kind": {"const": "b"}}, "required": ["kind"]},
            ]
        },
    )
    assert apply(ambiguous_one_of, document)[1] == []
