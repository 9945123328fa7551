from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.base import Context
from gatewright.normalize.passes.prose_auth import API_KEY_SCHEME, prose_auth

PROSE = """## Authentication

Send `Authorization: Bearer <key>` or:

x-api-key: <key>

Either header is accepted on every endpoint.

## Headers

| header | when |
|---|---|
| `anthropic-version` | when calling `/v1/messages` |
"""

BEARER = {"bearer": {"type": "http", "scheme": "bearer"}}


def messages(**sections: Any) -> dict[str, Any]:
    return spec(
        security=[{"bearer": []}],
        paths={"/v1/messages": {"post": {"responses": {}}}, "/v1/models": {"get": {"responses": {}}}},
        **sections,
    )


def with_prose(prose: str) -> Context:
    return Context(api_id="test", prose=prose)


def test_adds_the_x_api_key_alternative_the_prose_documents() -> None:
    document = messages(components={"securitySchemes": BEARER})
    out, repairs = apply(prose_auth, document, with_prose(PROSE))
    assert out["components"]["securitySchemes"][API_KEY_SCHEME] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The API key in the Anthropic-style header.",
    }
    assert out["security"] == [{"bearer": []}, {API_KEY_SCHEME: []}]
    assert "/security" in [r.pointer for r in repairs]
    for repair in repairs:
        located(document, repair.pointer)


def test_declares_the_anthropic_version_header() -> None:
    document = messages(components={"securitySchemes": BEARER})
    out, repairs = apply(prose_auth, document, with_prose(PROSE))
    [param] = out["paths"]["/v1/messages"]["post"]["parameters"]
    assert (param["name"], param["in"], param["required"]) == ("anthropic-version", "header", True)
    assert "/paths/~1v1~1messages/post/parameters" in [r.pointer for r in repairs]
    assert "parameters" not in out["paths"]["/v1/models"]["get"]


def test_adds_the_scheme_when_the_document_has_no_security_schemes() -> None:
    document = messages()
    out, _ = apply(prose_auth, document, with_prose(PROSE))
    assert API_KEY_SCHEME in out.get("components", {}).get("securitySchemes", {})


def test_no_prose_changes_nothing() -> None:
    assert apply(prose_auth, messages(components={"securitySchemes": BEARER}))[1] == []


def test_prose_that_does_not_say_so_changes_nothing() -> None:
    document = messages(components={"securitySchemes": BEARER})
    prose = "## Authentication\n\nx-api-key: <key>\n\nOnly the bearer token is accepted.\n"
    assert apply(prose_auth, document, with_prose(prose))[1] == []
