"""Security schemes read once in the spec layer, and how the mock and conformance use that reading."""

from __future__ import annotations

import base64
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

from gatewright.conformance.auth import credentials_for
from gatewright.mock.auth import compile_policy
from gatewright.spec import Spec
from gatewright.spec.security import CredentialSlot, credential_names, requirements, slots

SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "basic": {"type": "http", "scheme": "basic"},
    "digest": {"type": "http", "scheme": "digest"},
    "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
    "param": {"type": "apiKey", "in": "query", "name": "api_key"},
    "crumb": {"type": "apiKey", "in": "cookie", "name": "session"},
    "oauth": {"type": "oauth2", "flows": {}},
    "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://example.com"},
    "tls": {"type": "mutualTLS"},
    "shared": {"$ref": "#/components/x-schemes/shared"},
}


def _spec(security: list[dict[str, list[str]]]) -> Spec:
    return Spec(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "security": security,
            "paths": {"/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok"}}}}},
            "components": {
                "securitySchemes": SCHEMES,
                "x-schemes": {"shared": {"type": "apiKey", "in": "header", "name": "X-Shared"}},
            },
        }
    )


def test_each_scheme_is_one_slot_with_refs_followed() -> None:
    assert slots(_spec([])) == {
        "bearer": CredentialSlot("bearer"),
        "basic": CredentialSlot("basic"),
        "digest": CredentialSlot("http"),
        "key": CredentialSlot("header", "X-Api-Key"),
        "param": CredentialSlot("query", "api_key"),
        "crumb": CredentialSlot("cookie", "session"),
        "oauth": CredentialSlot("bearer"),
        "oidc": CredentialSlot("bearer"),
        "tls": CredentialSlot("unknown"),
        "shared": CredentialSlot("header", "X-Shared"),
    }


def test_requirements_are_alternatives_of_slots_and_an_undefined_scheme_is_unknown() -> None:
    spec = _spec([{"key": [], "param": []}, {"nowhere": []}, {}])
    assert requirements(spec, spec.operation("getA")) == (
        (CredentialSlot("header", "X-Api-Key"), CredentialSlot("query", "api_key")),
        (CredentialSlot("unknown"),),
        (),
    )


def test_credential_names_are_the_api_key_headers_lower_cased_and_query_parameters() -> None:
    names = credential_names(_spec([]))
    assert names.headers == frozenset({"x-api-key", "x-shared"})
    assert names.query == frozenset({"api_key"})
    headers, query = names
    assert (headers, query) == (names.headers, names.query)


def test_conformance_presents_one_key_as_bearer_or_api_key_and_never_as_basic() -> None:
    for name in ("bearer", "oauth", "oidc"):
        spec = _spec([{name: []}])
        assert credentials_for(spec, spec.operation("getA"), "k").headers == {"Authorization": "Bearer k"}
    spec = _spec([{"basic": []}, {"key": [], "param": []}])
    found = credentials_for(spec, spec.operation("getA"), "k")
    assert found.headers == {"X-Api-Key": "k"} and found.query == {"api_key": "k"}
    for name in ("basic", "digest", "crumb", "tls", "nowhere"):
        spec = _spec([{name: []}])
        assert credentials_for(spec, spec.operation("getA"), "k").headers == {}


def _headers(**values: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(values))


def test_the_mock_checks_the_same_slots_and_keeps_its_invalid_convention() -> None:
    spec = _spec([{"digest": []}])
    policy = compile_policy(requirements(spec, spec.operation("getA")))
    assert policy.allows(_headers(Authorization="Bearer good"), {}, {})
    assert not policy.allows(_headers(Authorization="Bearer invalid-key"), {}, {})
    spec = _spec([{"basic": []}])
    token = base64.b64encode(b"user:pw").decode()
    assert compile_policy(requirements(spec, spec.operation("getA"))).allows(
        _headers(Authorization=f"Basic {token}"), {}, {}
    )
    spec = _spec([{"tls": []}])  # nothing the mock can check: the alternative asks for nothing
    assert compile_policy(requirements(spec, spec.operation("getA"))).public
    spec = _spec([{"param": [], "crumb": []}])
    policy = compile_policy(requirements(spec, spec.operation("getA")))
    assert policy.needs_query and policy.needs_cookies
    assert policy.allows(_headers(), {"api_key": "k"}, {"session": "s"})
    assert not policy.allows(_headers(), {"api_key": "k"}, {})


def test_the_mocks_401_names_each_credential_an_operation_takes_once() -> None:
    """The refusal says what to send: each alternative, its credentials joined, each phrase once (an OAuth
    scheme beside a bearer one is the same header); never a value, only where each credential goes."""
    bearer, key = CredentialSlot("http"), CredentialSlot("header", "x-api-key")
    assert compile_policy(((bearer,), (CredentialSlot("bearer"),))).refusal == (
        "missing or invalid credentials: send an Authorization: Bearer <key> header"
    )
    assert compile_policy(
        ((key,), (CredentialSlot("query", "api_key"), CredentialSlot("cookie", "s")))
    ).refusal == (
        "missing or invalid credentials: send the x-api-key header"
        " or the api_key query parameter with the s cookie"
    )
    assert compile_policy(((CredentialSlot("unknown"),),)).refusal == "missing or invalid credentials"
