from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.header_auth_parameters import SCHEME, header_auth_to_scheme

AUTH = {"name": "Authorization", "in": "header", "required": True, "schema": {"type": "string"}}
QUERY = {"name": "q", "in": "query", "schema": {"type": "string"}}


def chat(*params: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return spec(paths={"/chat": {"post": {"parameters": list(params), "responses": {}}}}, **sections)


def test_turns_the_header_parameter_into_a_bearer_scheme() -> None:
    document = chat(AUTH, QUERY)
    out, repairs = apply(header_auth_to_scheme, document)
    op = out["paths"]["/chat"]["post"]
    assert op["parameters"] == [QUERY]
    assert op["security"] == [{SCHEME: []}]
    assert out["components"]["securitySchemes"][SCHEME]["scheme"] == "bearer"
    assert [r.pointer for r in repairs] == [
        f"/components/securitySchemes/{SCHEME}",
        "/paths/~1chat/post/parameters",
    ]
    assert located(document, repairs[1].pointer) == [AUTH, QUERY]


def test_reuses_an_existing_bearer_scheme_and_matches_any_case() -> None:
    document = chat(
        {**AUTH, "name": "authorization"},
        components={"securitySchemes": {"token": {"type": "http", "scheme": "Bearer"}}},
    )
    out, repairs = apply(header_auth_to_scheme, document)
    assert "parameters" not in out["paths"]["/chat"]["post"]
    assert out["paths"]["/chat"]["post"]["security"] == [{"token": []}]
    assert list(out["components"]["securitySchemes"]) == ["token"]
    assert len(repairs) == 1


def test_removes_a_referenced_component_parameter() -> None:
    document = chat({"$ref": "#/components/parameters/Auth"}, components={"parameters": {"Auth": AUTH}})
    out, repairs = apply(header_auth_to_scheme, document)
    assert out["components"]["parameters"] == {}
    assert "parameters" not in out["paths"]["/chat"]["post"]
    assert "/components/parameters/Auth" in [r.pointer for r in repairs]


def test_nothing_to_do_without_an_authorization_parameter() -> None:
    assert apply(header_auth_to_scheme, chat(QUERY))[1] == []


def test_a_path_level_authorization_parameter_is_removed_too() -> None:
    auth = {"name": "Authorization", "in": "header", "required": True, "schema": {"type": "string"}}
    document = spec(
        paths={"/x": {"parameters": [auth], "get": {"responses": {"200": {"description": "ok"}}}}}
    )
    out, repairs = apply(header_auth_to_scheme, document)
    assert "parameters" not in out["paths"]["/x"]
    assert out["paths"]["/x"]["get"]["security"] == [{"bearerAuth": []}]
    pointers = [r.pointer for r in repairs]
    assert pointers[:2] == ["/paths/~1x/parameters", f"/components/securitySchemes/{SCHEME}"]
    assert located(document, pointers[0]) == [auth]


def test_an_operations_own_security_is_kept() -> None:
    auth = {"name": "authorization", "in": "header", "schema": {"type": "string"}}
    document = spec(
        paths={"/x": {"get": {"parameters": [auth], "security": [{"key": []}], "responses": {}}}},
        components={"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "k"}}},
    )
    out, _ = apply(header_auth_to_scheme, document)
    assert out["paths"]["/x"]["get"]["security"] == [{"key": []}]
    assert "parameters" not in out["paths"]["/x"]["get"]
