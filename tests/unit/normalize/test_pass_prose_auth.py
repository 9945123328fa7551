"""prose_auth applies the auth statements of a lifecycle file (api_key_header, required_header), each
only when the spec says what it quotes; no API is named in the pass."""

from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, located, spec

from gatewright.normalize.lifecycle_model import ApiLifecycles
from gatewright.normalize.lifecycles import parse_lifecycles
from gatewright.normalize.passes.base import Context
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.prose_auth import prose_auth
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml

PROSE = """## Authentication

Send `Authorization: Bearer <key>` or:

x-api-key: <key>

Either header is accepted on every endpoint.

## Headers

| header | when |
|---|---|
| `anthropic-version` | when calling `/v1/messages` |
"""

STATEMENTS = """\
lifecycles: []
behaviours:
  - api_key_header: {scheme: keyHeader, header: x-api-key, description: The key in its own header.}
    why: |
      x-api-key: <key>

      Either header is accepted
    reason: "the Authentication section: 'Either header is accepted'"
  - required_header:
      name: anthropic-version
      description: The API version.
      schema: {type: string, examples: ["2023-06-01"]}
    operations: [POST /v1/messages]
    why: "| `anthropic-version` | when calling `/v1/messages` |"
"""

BEARER = {"bearer": {"type": "http", "scheme": "bearer"}}


def messages(**sections: Any) -> dict[str, Any]:
    return spec(
        security=[{"bearer": []}],
        paths={
            "/v1/messages": {"post": {"responses": {}}},
            "/v1/models": {"get": {"security": [{"bearer": []}, {"basic": []}], "responses": {}}},
        },
        **sections,
    )


def declared(text: str = STATEMENTS) -> ApiLifecycles:
    return parse_lifecycles(parse_yaml(text, "api.lifecycles.yaml"), "api.lifecycles.yaml", text)


def context(prose: str = PROSE, text: str = STATEMENTS) -> Context:
    return Context(api_id="test", prose=prose, lifecycles=declared(text))


def test_adds_the_api_key_header_as_an_alternative_to_each_bearer_requirement() -> None:
    schemes = {**BEARER, "basic": {"type": "http", "scheme": "basic"}}
    document = messages(components={"securitySchemes": schemes})
    out, repairs = apply(prose_auth, document, context())
    assert out["components"]["securitySchemes"]["keyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The key in its own header.",
    }
    assert out["security"] == [{"bearer": []}, {"keyHeader": []}]
    assert out["paths"]["/v1/models"]["get"]["security"] == [{"bearer": []}, {"basic": []}, {"keyHeader": []}]
    assert [(r.pointer, r.change) for r in repairs[:3]] == [
        ("/components/securitySchemes/keyHeader", "added the x-api-key scheme"),
        ("/security", "accepted x-api-key as an alternative to the bearer token"),
        ("/paths/~1v1~1models/get/security", "accepted x-api-key as an alternative to the bearer token"),
    ]
    assert {r.why for r in repairs[:3]} == {"the Authentication section: 'Either header is accepted'"}
    for repair in repairs:
        located(document, repair.pointer)


def test_declares_the_required_header_on_the_operations_named() -> None:
    document = messages(components={"securitySchemes": BEARER})
    out, repairs = apply(prose_auth, document, context())
    [param] = out["paths"]["/v1/messages"]["post"]["parameters"]
    assert param == {
        "name": "anthropic-version",
        "in": "header",
        "required": True,
        "description": "The API version.",
        "schema": {"type": "string", "examples": ["2023-06-01"]},
    }
    [repair] = [r for r in repairs if r.pointer == "/paths/~1v1~1messages/post/parameters"]
    assert repair.change == "declared the anthropic-version header"
    assert repair.why == "the spec states: '| `anthropic-version` | when calling `/v1/messages` |'"
    assert "parameters" not in out["paths"]["/v1/models"]["get"]


def test_a_header_the_operation_already_declares_is_left_alone() -> None:
    declared_header = {"name": "Anthropic-Version", "in": "header", "schema": {"type": "string"}}
    document = messages(components={"securitySchemes": BEARER})
    document["paths"]["/v1/messages"]["parameters"] = [declared_header]
    out, repairs = apply(prose_auth, document, context())
    assert "parameters" not in out["paths"]["/v1/messages"]["post"]
    assert all("anthropic-version" not in r.change for r in repairs)


def test_adds_the_scheme_when_the_document_has_no_security_schemes() -> None:
    out, _ = apply(prose_auth, messages(), context())
    assert "keyHeader" in out["components"]["securitySchemes"]


def test_without_statements_nothing_changes() -> None:
    document = messages(components={"securitySchemes": BEARER})
    assert apply(prose_auth, document, Context(api_id="test", prose=PROSE))[1] == []
    assert apply(prose_auth, document, context(text="lifecycles: []\n"))[1] == []


def test_a_quote_the_spec_does_not_say_is_refused_at_its_line() -> None:
    document = messages(components={"securitySchemes": BEARER})
    prose = PROSE.replace("Either header is accepted", "Only the bearer token is accepted")
    with pytest.raises(BehaviourError) as refused:
        prose_auth.apply(document, context(prose))
    error = refused.value
    assert error.source == "api.lifecycles.yaml"
    assert "api_key_header: the spec does not say" in error.message
    assert "api_key_header:" in STATEMENTS.splitlines()[error.line - 1]  # type: ignore[operator]


def test_an_operation_the_document_lacks_is_refused() -> None:
    document = messages(components={"securitySchemes": BEARER})
    del document["paths"]["/v1/messages"]
    with pytest.raises(
        BehaviourError, match=r"api\.lifecycles\.yaml:\d+: required_header: POST /v1/messages is"
    ):
        prose_auth.apply(document, context())


MALFORMED = {
    "operations on a document-wide scheme": (
        "  - api_key_header: {scheme: k, header: x-key}\n    operations: [GET /v1/models]\n    why: x\n",
        "/behaviours/0",
        "should not be valid under {'required': ['operations']}",
    ),
    "a scheme without its header": (
        "  - api_key_header: {scheme: k}\n    why: x\n",
        "/behaviours/0/api_key_header",
        "'header' is a required property",
    ),
    "a header name with a space": (
        "  - required_header: {name: api version, schema: {type: string}}\n"
        "    operations: [POST /v1/messages]\n    why: x\n",
        "/behaviours/0/required_header/name",
        "'api version' does not match",
    ),
    "a required header without a schema": (
        "  - required_header: {name: v}\n    operations: [POST /v1/messages]\n    why: x\n",
        "/behaviours/0/required_header",
        "'schema' is a required property",
    ),
    "the same header stated twice": (
        "  - required_header: {name: v, schema: {}}\n    operations: [POST /v1/messages]\n    why: x\n"
        "  - required_header: {name: V, schema: {}}\n    operations: [POST /v1/messages]\n    why: y\n",
        "/behaviours/1/operations/0",
        "required_header V of POST /v1/messages is stated twice (also /behaviours/0)",
    ),
    "the same scheme stated twice": (
        "  - api_key_header: {scheme: k, header: x-key}\n    why: x\n"
        "  - api_key_header: {scheme: k, header: x-other}\n    why: y\n",
        "/behaviours/1/api_key_header/scheme",
        "api_key_header scheme k is stated twice (also /behaviours/0)",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=str)
def test_a_malformed_auth_statement_is_refused_naming_where(case: str) -> None:
    entry, pointer, message = MALFORMED[case]
    with pytest.raises(SpecError) as refused:
        declared("lifecycles: []\nbehaviours:\n" + entry)
    assert (refused.value.pointer, refused.value.source) == (pointer, "api.lifecycles.yaml")
    assert message in refused.value.message


def test_two_headers_on_one_operation_are_two_statements() -> None:
    text = (
        "lifecycles: []\nbehaviours:\n"
        "  - required_header: {name: a, schema: {}}\n    operations: [POST /v1/messages]\n    why: x\n"
        "  - required_header: {name: b, schema: {}}\n    operations: [POST /v1/messages]\n    why: y\n"
    )
    assert [b.value.name for b in declared(text).behaviours] == ["a", "b"]
