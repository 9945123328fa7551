from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.success_bodies import success_bodies

ARTIFACT = {"application/json": {"schema": {"$ref": "#/components/schemas/UploadResponse"}}}


def _uploads(responses: dict[str, Any]) -> dict[str, Any]:
    return spec(paths={"/v1/uploads": {"post": {"operationId": "upload", "responses": responses}}})


def test_a_success_that_says_it_returns_something_takes_its_siblings_body() -> None:
    document = _uploads(
        {
            "201": {"description": "Upload accepted; artifact created", "content": ARTIFACT},
            "200": {"description": "Content already exists; returns existing artifact"},
        }
    )
    out, repairs = apply(success_bodies, document)
    assert out["paths"]["/v1/uploads"]["post"]["responses"]["200"]["content"] == ARTIFACT
    [repair] = repairs
    assert repair.pointer == "/paths/~1v1~1uploads/post/responses/200/content"
    located(out, repair.pointer)


def test_a_success_whose_prose_returns_nothing_stays_bodiless() -> None:
    document = _uploads(
        {
            "200": {"description": "Task state", "content": ARTIFACT},
            "202": {"description": "Cancel requested; final state via callback / GET"},
            "204": {"description": "Deleted; returns nothing"},
        }
    )
    assert apply(success_bodies, document)[1] == []


def test_without_a_single_sibling_body_nothing_changes() -> None:
    assert apply(success_bodies, _uploads({"200": {"description": "returns the artifact"}}))[1] == []
