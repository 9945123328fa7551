from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.lookup_not_found import lookup_not_found

ERROR = {"$ref": "#/components/schemas/Error"}
BAD = {"400": {"description": "bad", "content": {"application/json": {"schema": ERROR}}}}


def document(paths: dict[str, Any]) -> dict[str, Any]:
    return spec(paths=paths, components={"schemas": {"Error": {"type": "object"}}})


def op(**extra: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok"}, **BAD}, **extra}


def test_an_action_under_an_item_gets_404_in_its_own_envelope() -> None:
    doc = document({"/jobs/{id}/cancel": {"post": op()}, "/projects/{p}/hooks": {"get": op()}})
    out, repairs = apply(lookup_not_found, doc)
    declared = out["paths"]["/jobs/{id}/cancel"]["post"]["responses"]["404"]
    assert declared["content"]["application/json"]["schema"] == ERROR
    assert "404" in out["paths"]["/projects/{p}/hooks"]["get"]["responses"]
    assert [r.change for r in repairs] == ["declared the 404 response"] * 2
    assert located(doc, repairs[0].pointer) is doc["paths"]["/jobs/{id}/cancel"]["post"]["responses"]


def test_a_task_poll_with_the_id_in_the_body_gets_404() -> None:
    task = {"poll": "getAsset", "cancel": "stopAsset", "id": "$response.body#/id"}
    doc = document(
        {
            "/assets": {"post": op(operationId="createAsset", **{"x-gatewright-task": task})},
            "/assets/get": {"post": op(operationId="getAsset")},
            "/assets/stop": {"post": op(operationId="stopAsset")},
        }
    )
    out, repairs = apply(lookup_not_found, doc)
    assert [r.pointer for r in repairs] == [
        "/paths/~1assets~1get/post/responses",
        "/paths/~1assets~1stop/post/responses",
    ]
    assert "404" not in out["paths"]["/assets"]["post"]["responses"]


def test_collections_items_and_documented_404s_are_left_alone() -> None:
    documented = op()
    documented["responses"]["404"] = {"description": "gone"}
    doc = document({"/jobs": {"get": op()}, "/jobs/{id}": {"get": op()}, "/jobs/{id}/x": {"get": documented}})
    assert apply(lookup_not_found, doc)[1] == []


def test_a_document_without_any_error_shape_gets_nothing() -> None:
    doc = spec(paths={"/jobs/{id}/cancel": {"post": {"responses": {"200": {"description": "ok"}}}}})
    assert apply(lookup_not_found, doc)[1] == []
