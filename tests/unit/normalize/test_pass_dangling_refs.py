from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.dangling_refs import repair_dangling_refs


def with_body(ref: str, **schemas: Any) -> dict[str, Any]:
    return spec(
        paths={
            "/files": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": ref}}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        components={"schemas": schemas},
    )


POINTER = "/paths/~1files/post/requestBody/content/application~1json/schema/$ref"


def test_points_a_renamed_ref_at_the_unreferenced_component() -> None:
    document = with_body(
        "#/components/schemas/provider-nativeFileUploadRequest",
        BytePlusFileUploadRequest={"type": "object"},
        Other={"type": "string"},
    )
    out, repairs = apply(repair_dangling_refs, document)
    schema = out["paths"]["/files"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/BytePlusFileUploadRequest"}
    [repair] = repairs
    assert repair.pointer == POINTER
    assert located(document, repair.pointer) == "#/components/schemas/provider-nativeFileUploadRequest"
    assert repair.after == "#/components/schemas/BytePlusFileUploadRequest"


def test_prefers_the_longest_shared_suffix() -> None:
    document = with_body(
        "#/components/schemas/x-ImageUploadRequest",
        FooImageUploadRequest={"type": "object"},
        FooVideoUploadRequest={"type": "object"},
    )
    out, _ = apply(repair_dangling_refs, document)
    schema = out["paths"]["/files"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/FooImageUploadRequest"}


def test_leaves_an_ambiguous_ref_dangling() -> None:
    document = with_body(
        "#/components/schemas/provider-nativeUploadRequest",
        AUploadRequest={"type": "object"},
        BUploadRequest={"type": "object"},
    )
    assert apply(repair_dangling_refs, document)[1] == []


def test_ignores_components_that_are_already_referenced() -> None:
    document = with_body("#/components/schemas/x-Thing", UsedThing={"$ref": "#/components/schemas/Base"})
    document["components"]["schemas"]["Base"] = {"$ref": "#/components/schemas/UsedThing"}
    assert apply(repair_dangling_refs, document)[1] == []


def test_nothing_to_do_when_refs_resolve() -> None:
    document = with_body("#/components/schemas/A", A={"type": "object"})
    assert apply(repair_dangling_refs, document)[1] == []
