"""The one credential rule: which fields name a secret, and bodies redacted whole, cut or form-encoded."""

from __future__ import annotations

import json

import pytest

from gatewright.spec.secrets import (
    REDACTED,
    body_secrets,
    is_secret_field,
    redact_body,
    redact_json_text,
    redact_query,
    redact_text_body,
    scheme_credential,
)

SECRET = [
    "api_key",
    "apiKey",
    "openai_api_key",
    "OPENAI_API_KEY",
    "password",
    "client_secret",
    "access_token",
    "id_token",
    "token",
    "private_key",
    "credentials",
    "auth",
    "x-api-key",
]
NOT_SECRET = [
    "max_tokens",
    "tokens",
    "prompt_cache_key",
    "idempotency_key",
    "key",
    "author",
    "model",
    "token_count",
    "signature",
]


@pytest.mark.parametrize("name", SECRET)
def test_fields_naming_a_secret(name: str) -> None:
    assert is_secret_field(name)


@pytest.mark.parametrize("name", NOT_SECRET)
def test_fields_that_only_look_alike(name: str) -> None:
    assert not is_secret_field(name)


BODY = {
    "model": "m",
    "max_tokens": 5,
    "credentials": {"key": "sk-nested", "region": "eu"},
    "tools": [{"openai_api_key": "sk-variant", "name": "f"}],
}


def test_a_json_body_is_redacted_the_same_whole_parsed_or_cut() -> None:
    parsed = redact_body(BODY)
    assert parsed == {
        "model": "m",
        "max_tokens": 5,
        "credentials": REDACTED,
        "tools": [{"openai_api_key": REDACTED, "name": "f"}],
    }
    text = json.dumps(BODY)
    assert json.loads(redact_json_text(text)) == parsed
    for cut in range(1, len(text)):  # cut anywhere, no secret survives in what is left
        shown = redact_json_text(text[:cut])
        assert "sk-nested" not in shown and "sk-variant" not in shown, shown
    assert body_secrets(text, "application/json") == ["sk-nested", "eu", "sk-variant"]


def test_form_bodies_and_queries() -> None:
    form = "name=x&api_key=sk-form&openai_api_key=sk-variant"
    assert redact_text_body(form, "application/x-www-form-urlencoded") == (
        "name=x&api_key=%5BREDACTED%5D&openai_api_key=%5BREDACTED%5D"
    )
    assert body_secrets(form, "application/x-www-form-urlencoded") == ["sk-form", "sk-variant"]
    assert redact_text_body("plain api_key text", "text/plain") == "plain api_key text"
    assert redact_query("a=1&key=sk") == "a=1&key=[REDACTED]" and redact_query("a=1") == "a=1"


@pytest.mark.parametrize(
    ("value", "credential"),
    [
        ("Bearer sk-1", "sk-1"),
        ("bearer  sk-1 ", "sk-1"),
        ("Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("Token t", "t"),
        ("Key k", "k"),
        ("Digest x", None),  # not a scheme word of ours
        ("sk-1", None),
    ],
)
def test_the_credential_after_a_scheme_word(value: str, credential: str | None) -> None:
    assert scheme_credential(value) == credential
