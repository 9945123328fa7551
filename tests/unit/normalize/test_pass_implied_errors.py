from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.implied_errors import implied_error_responses

ERROR = {"$ref": "#/components/schemas/Error"}


def document(paths: dict[str, Any], **components: Any) -> dict[str, Any]:
    return spec(
        paths=paths,
        security=[{"bearer": []}],
        components={"schemas": {"Error": {"type": "object"}}, **components},
    )


def ok() -> dict[str, Any]:
    return {"200": {"description": "ok"}}


def test_a_secured_item_operation_with_input_gets_401_400_and_404() -> None:
    doc = document(
        {
            "/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {}}],
                "get": {
                    "responses": {
                        **ok(),
                        "409": {"description": "c", "content": {"application/json": {"schema": ERROR}}},
                    }
                },
            },
        }
    )
    out, repairs = apply(implied_error_responses, doc)
    responses = out["paths"]["/things/{id}"]["get"]["responses"]
    assert set(responses) == {"200", "409", "401", "400", "404"}
    assert responses["404"]["content"]["application/json"]["schema"] == ERROR
    assert [r.change for r in repairs] == [
        "declared the 401 response",
        "declared the 400 response",
        "declared the 404 response",
    ]
    assert all(located(doc, r.pointer) is doc["paths"]["/things/{id}"]["get"]["responses"] for r in repairs)


def test_a_public_operation_without_input_gets_nothing() -> None:
    doc = document({"/health": {"get": {"security": [], "responses": ok()}}})
    assert apply(implied_error_responses, doc)[1] == []


def test_a_documented_422_counts_as_the_invalid_input_answer() -> None:
    doc = document(
        {
            "/x": {
                "post": {
                    "requestBody": {"content": {}},
                    "responses": {**ok(), "401": {"description": "no"}, "422": {"description": "bad"}},
                }
            }
        }
    )
    assert apply(implied_error_responses, doc)[1] == []


def test_named_component_responses_are_reused() -> None:
    doc = document(
        {"/x": {"post": {"requestBody": {"content": {}}, "responses": ok()}}},
        responses={"Unauthorized": {"description": "u"}, "BadRequest": {"description": "b"}},
    )
    out, _ = apply(implied_error_responses, doc)
    responses = out["paths"]["/x"]["post"]["responses"]
    assert responses["401"] == {"$ref": "#/components/responses/Unauthorized"}
    assert responses["400"] == {"$ref": "#/components/responses/BadRequest"}


def test_the_operations_own_error_schema_wins() -> None:
    own = {"$ref": "#/components/schemas/AnthropicError"}
    doc = document(
        {
            "/v1/messages": {
                "post": {
                    "requestBody": {"content": {}},
                    "responses": {
                        **ok(),
                        "400": {"description": "b", "content": {"application/json": {"schema": own}}},
                    },
                }
            }
        }
    )
    out, _ = apply(implied_error_responses, doc)
    assert (
        out["paths"]["/v1/messages"]["post"]["responses"]["401"]["content"]["application/json"]["schema"]
        == own
    )


def test_head_error_responses_have_no_body() -> None:
    doc = document(
        {
            "/files/{key}": {
                "head": {
                    "parameters": [{"name": "key", "in": "path", "required": True, "schema": {}}],
                    "responses": ok(),
                }
            }
        }
    )
    out, _ = apply(implied_error_responses, doc)
    assert all(
        "content" not in r for s, r in out["paths"]["/files/{key}"]["head"]["responses"].items() if s != "200"
    )


def test_without_any_error_schema_nothing_is_invented() -> None:
    doc = spec(
        paths={"/x": {"post": {"requestBody": {"content": {}}, "responses": ok()}}}, security=[{"b": []}]
    )
    assert apply(implied_error_responses, doc)[1] == []
