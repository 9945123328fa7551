from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.example_objects import example_objects


def response(media_object: dict[str, Any]) -> dict[str, Any]:
    return spec(
        paths={
            "/x": {
                "get": {
                    "responses": {"200": {"description": "ok", "content": {"application/json": media_object}}}
                }
            }
        }
    )


MEDIA = "/paths/~1x/get/responses/200/content/application~1json"


def media_of(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]
    return result


def test_names_a_singular_example_default() -> None:
    document = response({"schema": {"type": "integer"}, "example": 3})
    out, repairs = apply(example_objects, document)
    assert media_of(out) == {"schema": {"type": "integer"}, "examples": {"default": {"value": 3}}}
    [repair] = repairs
    assert repair.pointer == MEDIA + "/example"
    assert located(document, repair.pointer) == 3


def test_wraps_bare_values_in_example_objects() -> None:
    document = response({"examples": {"one": 1, "obj": {"id": "a"}, "ok": {"value": 2, "summary": "s"}}})
    out, repairs = apply(example_objects, document)
    assert media_of(out)["examples"] == {
        "one": {"value": 1},
        "obj": {"value": {"id": "a"}},
        "ok": {"value": 2, "summary": "s"},
    }
    assert [r.pointer for r in repairs] == [MEDIA + "/examples/one", MEDIA + "/examples/obj"]
    assert [r.before for r in repairs] == [1, {"id": "a"}]


def test_covers_parameters_and_component_parameters() -> None:
    document = spec(
        paths={
            "/x": {"parameters": [{"name": "q", "in": "query", "example": "a"}], "get": {"responses": {}}}
        },
        components={"parameters": {"P": {"name": "p", "in": "query", "example": "b"}}},
    )
    out, repairs = apply(example_objects, document)
    assert out["paths"]["/x"]["parameters"][0]["examples"] == {"default": {"value": "a"}}
    assert out["components"]["parameters"]["P"]["examples"] == {"default": {"value": "b"}}
    assert sorted(r.pointer for r in repairs) == [
        "/components/parameters/P/example",
        "/paths/~1x/parameters/0/example",
    ]


def test_a_singular_example_does_not_replace_a_named_one() -> None:
    document = response({"example": 1, "examples": {"default": {"value": 2}}})
    out, _ = apply(example_objects, document)
    examples = media_of(out)["examples"]
    assert examples["default"] == {"value": 2}
    assert sorted(e["value"] for e in examples.values()) == [1, 2]


def test_a_singular_example_never_overwrites_an_existing_example() -> None:
    document = response({"example": 1, "examples": {"default": {"value": 2}, "example": {"value": 3}}})
    out, _ = apply(example_objects, document)
    values = sorted(e["value"] for e in media_of(out)["examples"].values())
    assert values == [1, 2, 3]


def test_nothing_to_do_for_example_objects() -> None:
    assert apply(example_objects, response({"examples": {"a": {"value": 1}}}))[1] == []
