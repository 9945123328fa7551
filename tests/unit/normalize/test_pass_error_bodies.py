from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.error_bodies import error_bodies


def components(**sections: Any) -> dict[str, Any]:
    return spec(components=sections)


def test_gives_a_bodyless_error_response_the_error_envelope() -> None:
    document = components(
        schemas={"ErrorResponse": {"type": "object"}},
        responses={"NotFoundError": {"description": "missing"}, "Ok": {"description": "fine"}},
    )
    out, repairs = apply(error_bodies, document)
    assert out["components"]["responses"]["NotFoundError"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
    }
    assert out["components"]["responses"]["Ok"] == {"description": "fine"}
    [repair] = repairs
    assert repair.pointer == "/components/responses/NotFoundError/content"
    located(document, repair.pointer)


def test_falls_back_to_a_schema_named_error() -> None:
    document = components(schemas={"Error": {}}, responses={"ServerError": {"description": "boom"}})
    out, _ = apply(error_bodies, document)
    assert out["components"]["responses"]["ServerError"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_without_an_error_schema_nothing_changes() -> None:
    assert apply(error_bodies, components(responses={"ServerError": {"description": "boom"}}))[1] == []


def test_a_declared_body_is_kept() -> None:
    document = components(
        schemas={"Error": {}},
        responses={"ServerError": {"description": "boom", "content": {"text/plain": {}}}},
    )
    assert apply(error_bodies, document)[1] == []
