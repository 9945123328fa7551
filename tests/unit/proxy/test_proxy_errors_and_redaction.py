"""The proxy's own 502 fits each API's documented envelope; credentials are found and hidden."""

from __future__ import annotations

import json

import pytest

from gatewright.proxy.errors import ErrorEnvelopes
from gatewright.proxy.redaction import CredentialRules, scrub
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.secrets import REDACTED
from gatewright.spec.validation import DocumentValidators


@pytest.mark.parametrize("api", API_IDS)
def test_the_502_body_validates_wherever_a_502_is_documented(api: str) -> None:
    spec = load_spec(api)
    envelopes = ErrorEnvelopes(spec)
    validators = DocumentValidators(spec.document)
    for operation in spec.operations:
        body = json.loads(envelopes.body(operation, operation.path, "the upstream failed"))
        schema = envelopes.schema_for(operation)
        if schema is not None:
            assert validators.is_valid(schema, body), (operation.label, body)
        else:
            assert "error" in body


def test_without_a_documented_envelope_messages_get_anthropics_shape() -> None:
    envelopes = ErrorEnvelopes(load_spec("ipop"))
    assert json.loads(envelopes.body(None, "/v1/messages", "x"))["type"] == "error"
    assert json.loads(envelopes.body(None, "/v1/chat/completions", "x"))["error"]["message"] == "x"


def test_credentials_in_headers_and_query_are_found_and_hidden() -> None:
    rules = CredentialRules(headers=frozenset({"x-tenant"}), query=frozenset({"key"}))
    headers = [("Authorization", "Bearer sk-abcdefgh12345"), ("X-Tenant", "t-secret-9"), ("Accept", "*/*")]
    secrets = rules.secrets(headers, "key=q-credential-77&limit=3")
    assert set(secrets) == {"Bearer sk-abcdefgh12345", "sk-abcdefgh12345", "t-secret-9", "q-credential-77"}
    assert rules.headers_redacted(headers) == {
        "authorization": REDACTED,
        "x-tenant": REDACTED,
        "accept": "*/*",
    }
    redacted = rules.query_redacted("key=q-credential-77&limit=3")
    assert "q-credential-77" not in redacted and redacted.endswith("&limit=3")
    echoed = {"message": "bad key sk-abcdefgh12345 for t-secret-9", "list": ["q-credential-77"]}
    assert "sk-abcdefgh12345" not in json.dumps(scrub(echoed, secrets))
    assert "q-credential-77" not in json.dumps(scrub(echoed, secrets))
