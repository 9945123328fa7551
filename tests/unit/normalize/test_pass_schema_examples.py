from __future__ import annotations

from passkit import apply, located, spec

from gatewright.normalize.passes.schema_examples import schema_example_to_examples


def test_moves_example_into_examples() -> None:
    document = spec(components={"schemas": {"A": {"type": "string", "example": "hi"}}})
    out, repairs = apply(schema_example_to_examples, document)
    assert out["components"]["schemas"]["A"] == {"type": "string", "examples": ["hi"]}
    [repair] = repairs
    assert repair.pointer == "/components/schemas/A/example"
    assert located(document, repair.pointer) == "hi"


def test_puts_it_first_and_does_not_duplicate() -> None:
    document = spec(
        components={
            "schemas": {
                "A": {"type": "integer", "example": 1, "examples": [2]},
                "B": {"type": "integer", "example": 2, "examples": [1, 2]},
            }
        }
    )
    out, repairs = apply(schema_example_to_examples, document)
    assert out["components"]["schemas"]["A"]["examples"] == [1, 2]
    assert out["components"]["schemas"]["B"]["examples"] == [1, 2]
    assert len(repairs) == 2


def test_a_property_named_example_is_not_the_keyword() -> None:
    document = spec(
        components={"schemas": {"A": {"type": "object", "properties": {"example": {"type": "string"}}}}}
    )
    assert apply(schema_example_to_examples, document)[1] == []
