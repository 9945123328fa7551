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


def _op(responses: dict[str, Any], method: str = "post") -> dict[str, Any]:
    return {"/v1/audio/speech": {method: {"operationId": "speak", "responses": responses}}}


ENVELOPE = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
OTHER = {"application/json": {"schema": {"$ref": "#/components/schemas/AnthropicError"}}}


def test_an_operations_bodiless_errors_take_its_own_envelope() -> None:
    document = spec(
        paths={
            **_op({"200": {"description": "ok"}, "400": {"description": "bad"}, "429": {"content": OTHER}}),
            "/v1/other": {"get": {"responses": {"404": {"description": "gone", "content": ENVELOPE}}}},
        },
        components={"schemas": {"Error": {}, "AnthropicError": {}}},
    )
    out, repairs = apply(error_bodies, document)
    responses = out["paths"]["/v1/audio/speech"]["post"]["responses"]
    assert responses["400"]["content"] == OTHER  # the operation's own, not the document's most used
    assert "content" not in responses["200"]  # a success is not an error
    [repair] = repairs
    assert repair.pointer == "/paths/~1v1~1audio~1speech/post/responses/400/content"
    located(out, repair.pointer)


def test_else_the_envelope_the_documents_errors_use_most() -> None:
    document = spec(
        paths={
            **_op({"401": {"description": "no key"}, "503": {"description": "down"}}),
            "/v1/other": {"get": {"responses": {"404": {"description": "gone", "content": ENVELOPE}}}},
        }
    )
    out, repairs = apply(error_bodies, document)
    responses = out["paths"]["/v1/audio/speech"]["post"]["responses"]
    assert responses["401"]["content"] == responses["503"]["content"] == ENVELOPE
    assert len(repairs) == 2


def test_a_head_answer_stays_without_a_body() -> None:
    document = spec(
        paths={
            **_op({"404": {"description": "no such object"}}, method="head"),
            "/v1/other": {"get": {"responses": {"404": {"description": "gone", "content": ENVELOPE}}}},
        }
    )
    assert apply(error_bodies, document)[1] == []
