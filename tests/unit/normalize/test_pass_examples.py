from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.examples import validate_examples


def response(media_object: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": media_object}
    return spec(paths={"/x": {"get": {"responses": {"200": {"description": "ok", "content": content}}}}})


MEDIA = "/paths/~1x/get/responses/200/content/application~1json"


def test_drops_a_schema_example_that_fails_and_keeps_a_valid_one() -> None:
    document = spec(components={"schemas": {"A": {"type": "integer", "minimum": 0, "examples": [-1, 3]}}})
    out, repairs = apply(validate_examples, document)
    assert out["components"]["schemas"]["A"]["examples"] == [3]
    [repair] = repairs
    assert (repair.pointer, repair.before) == ("/components/schemas/A/examples/0", -1)
    assert located(document, repair.pointer) == -1
    assert "minimum" in repair.why


def test_drops_the_examples_keyword_when_none_is_valid() -> None:
    document = spec(components={"schemas": {"A": {"type": "string", "examples": [1]}}})
    out, _ = apply(validate_examples, document)
    assert out["components"]["schemas"]["A"] == {"type": "string"}


def test_drops_an_invalid_named_example_and_keeps_a_valid_one() -> None:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    document = response(
        {"schema": schema, "examples": {"good": {"value": {"id": "a"}}, "bad": {"value": {}}}}
    )
    out, repairs = apply(validate_examples, document)
    media = out["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]
    assert media["examples"] == {"good": {"value": {"id": "a"}}}
    [repair] = repairs
    assert repair.pointer == MEDIA + "/examples/bad"
    assert located(document, repair.pointer) == {"value": {}}
    assert "required" in repair.why


def test_examples_are_judged_through_refs() -> None:
    document = response(
        {
            "schema": {"$ref": "#/components/schemas/Id"},
            "examples": {"bad": {"value": 1}, "ok": {"value": "x"}},
        }
    )
    document["components"] = {"schemas": {"Id": {"type": "string"}}}
    out, repairs = apply(validate_examples, document)
    assert list(out["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]) == [
        "ok"
    ]
    assert [r.pointer for r in repairs] == [MEDIA + "/examples/bad"]


def test_valid_examples_are_left_alone() -> None:
    document = response({"schema": {"type": "integer"}, "examples": {"a": {"value": 1}}})
    document["components"] = {"schemas": {"A": {"type": "string", "examples": ["x"]}}}
    assert apply(validate_examples, document)[1] == []
