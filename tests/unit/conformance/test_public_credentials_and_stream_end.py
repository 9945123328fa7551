"""What verify presents to an operation the spec marks public, and how it reads a stream whose body
stays open after its terminal event (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gatewright.conformance.auth import credentials_for, is_public, public_credentials
from gatewright.conformance.compat import sdk_events
from gatewright.spec import Spec


def _spec(security: list[dict[str, list[str]]] | None, schemes: dict[str, Any]) -> Spec:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": schemes},
        "paths": {
            "/v1/models": {"get": {"operationId": "listModels", "security": [], "responses": {}}},
            "/v1/chat": {"post": {"operationId": "chat", "responses": {}}},
        },
    }
    if security is not None:
        document["security"] = security
    return Spec(document, "t")


BEARER = {"type": "http", "scheme": "bearer"}
HEADER = {"type": "apiKey", "in": "header", "name": "x-api-key"}


def test_a_public_operation_gets_the_key_as_the_documents_security_asks() -> None:
    spec = _spec([{"key": []}], {"bearer": BEARER, "key": HEADER})
    models = spec.operation("listModels")
    assert is_public(spec, models) and not credentials_for(spec, models, "k").filled
    assert public_credentials(spec, "k").headers == {"x-api-key": "k"}  # the document's, not the first scheme
    assert not public_credentials(spec, None).filled


def test_without_document_security_the_first_scheme_one_key_fills_is_used() -> None:
    spec = _spec(None, {"basic": {"type": "http", "scheme": "basic"}, "bearer": BEARER})
    assert public_credentials(spec, "k").headers == {"Authorization": "Bearer k"}
    assert not public_credentials(_spec(None, {}), "k").filled  # no scheme at all: nothing to send


def test_without_document_security_the_key_goes_as_the_secured_operations_take_it() -> None:
    """ipop declares its admin token first; its key went out as ``x-admin-token`` to the public models
    list, where its operations all take ``x-api-key`` (or the bearer)."""
    admin = {"type": "apiKey", "in": "header", "name": "x-admin-token"}
    spec = _spec(None, {"admin": admin, "key": HEADER, "bearer": BEARER})
    spec.document["paths"]["/v1/chat"]["post"]["security"] = [{"key": []}, {"bearer": []}]
    spec.document["paths"]["/v1/admin"] = {"post": {"operationId": "admin", "security": [{"admin": []}]}}
    spec.document["paths"]["/v1/embed"] = {"post": {"operationId": "embed", "security": [{"key": []}]}}
    assert public_credentials(Spec(spec.document, "t"), "k").headers == {"x-api-key": "k"}


def _lines(*lines: str, then: BaseException | None = None) -> Iterator[str]:
    yield from lines
    if then is not None:
        raise then


def test_a_read_that_stalls_after_the_terminal_event_ends_the_stream() -> None:
    lines = _lines('data: {"id": "c"}', "", "data: [DONE]", "", then=requests.ReadTimeout("stalled"))
    assert [event.data for event in sdk_events("openai-chat", lines)] == ['{"id": "c"}', "[DONE]"]
    anthropic = _lines(
        "event: message_stop", 'data: {"type": "message_stop"}', "", then=requests.ReadTimeout()
    )
    assert [event.event for event in sdk_events("anthropic-messages", anthropic)] == ["message_stop"]


def test_a_read_that_stalls_before_the_terminal_event_still_fails() -> None:
    lines = _lines('data: {"id": "c"}', "", then=requests.ReadTimeout("stalled"))
    with pytest.raises(requests.ReadTimeout):
        list(sdk_events("openai-chat", lines))
