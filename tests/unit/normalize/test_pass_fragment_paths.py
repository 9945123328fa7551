from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.fragment_paths import fold_fragment_paths


def variant(request: str, response: dict[str, Any], example: Any, op_id: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": op_id,
            "tags": [op_id],
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{request}"},
                        "examples": {"default": {"value": example}},
                    }
                }
            },
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": response}}}
            },
        }
    }


def request(*models: str, required: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"model": {"type": "string", "enum": list(models)}},
    }
    if required:
        schema["required"] = ["model"]
    return schema


def images(second_response: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return spec(
        paths={
            "/v1/images#a": variant(
                "ReqA", {"$ref": "#/components/schemas/Image"}, {"model": "a1"}, "imagesA"
            ),
            "/v1/images#b": variant("ReqB", second_response, {"model": "b1"}, "imagesB"),
        },
        components={
            "schemas": {
                "ReqA": request("a1", "a2"),
                "ReqB": request("b1", required=required),
                "Image": {"type": "object"},
                "Task": {"type": "object"},
            }
        },
    )


def folded(out: dict[str, Any]) -> dict[str, Any]:
    assert list(out["paths"]) == ["/v1/images"]
    op: dict[str, Any] = out["paths"]["/v1/images"]["post"]
    return op


def test_folds_variants_into_a_discriminated_one_of() -> None:
    out, _ = apply(fold_fragment_paths, images({"$ref": "#/components/schemas/Image"}))
    op = folded(out)
    body = op["requestBody"]["content"]["application/json"]
    assert body["schema"] == {
        "oneOf": [{"$ref": "#/components/schemas/ReqA"}, {"$ref": "#/components/schemas/ReqB"}],
        "discriminator": {
            "propertyName": "model",
            "mapping": {
                "a1": "#/components/schemas/ReqA",
                "a2": "#/components/schemas/ReqA",
                "b1": "#/components/schemas/ReqB",
            },
        },
    }
    assert op["operationId"] == "imagesA"
    assert op["tags"] == ["imagesA", "imagesB"]


def test_same_response_schemas_stay_one_schema() -> None:
    out, _ = apply(fold_fragment_paths, images({"$ref": "#/components/schemas/Image"}))
    schema = folded(out)["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Image"}


def test_differing_response_schemas_become_any_of() -> None:
    out, _ = apply(fold_fragment_paths, images({"$ref": "#/components/schemas/Task"}))
    schema = folded(out)["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {
        "anyOf": [{"$ref": "#/components/schemas/Image"}, {"$ref": "#/components/schemas/Task"}]
    }


def test_colliding_example_names_are_kept_under_the_fragment() -> None:
    out, _ = apply(fold_fragment_paths, images({"$ref": "#/components/schemas/Image"}))
    examples = folded(out)["requestBody"]["content"]["application/json"]["examples"]
    assert examples == {"default": {"value": {"model": "a1"}}, "b_default": {"value": {"model": "b1"}}}


def test_a_branch_that_does_not_require_model_is_made_to() -> None:
    document = images({"$ref": "#/components/schemas/Image"}, required=False)
    out, repairs = apply(fold_fragment_paths, document)
    assert out["components"]["schemas"]["ReqB"]["required"] == ["model"]
    assert "/components/schemas/ReqB" in [r.pointer for r in repairs]


def test_logs_each_fold_at_its_fragment_path() -> None:
    document = images({"$ref": "#/components/schemas/Image"})
    _, repairs = apply(fold_fragment_paths, document)
    folds = [r for r in repairs if r.change.startswith("folded")]
    assert [(r.pointer, r.before) for r in folds] == [
        ("/paths/~1v1~1images#a/post", "imagesA"),
        ("/paths/~1v1~1images#b/post", "imagesB"),
    ]
    for repair in folds:
        assert located(document, repair.pointer)["operationId"] == repair.before


def test_every_pointer_names_a_place_in_the_input() -> None:
    document = images({"$ref": "#/components/schemas/Task"}, required=False)
    _, repairs = apply(fold_fragment_paths, document)
    for repair in repairs:
        located(document, repair.pointer)


def test_folds_into_an_existing_plain_path() -> None:
    document = images({"$ref": "#/components/schemas/Image"})
    document["paths"] = {"/v1/images": {"get": {"responses": {}}}, **document["paths"]}
    out, _ = apply(fold_fragment_paths, document)
    assert set(out["paths"]["/v1/images"]) == {"get", "post"}


def test_nothing_to_do_without_fragments() -> None:
    assert apply(fold_fragment_paths, spec(paths={"/v1/images": {"post": {"responses": {}}}}))[1] == []
