"""Request validation decides by the request alone: a Content-Type seen before (whose JSON schema the
validator has learned) gets the verdict the first request with it got."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from gatewright.mock.schemas import SchemaSet
from gatewright.mock.validation import RequestValidator

NULLABLE_N = {"type": "object", "required": ["n"], "properties": {"n": {"type": ["integer", "null"]}}}


def _validator(media_type: str) -> RequestValidator:
    operation = {
        "operationId": "createThing",
        "requestBody": {"required": True, "content": {media_type: {"schema": NULLABLE_N}}},
        "responses": {"200": {"description": "ok"}},
    }
    document: dict[str, Any] = {"openapi": "3.1.0", "paths": {"/things": {"post": operation}}}
    return RequestValidator(SchemaSet(document), "/paths/~1things/post", operation, [])


def _verdict(validator: RequestValidator, content_type: str, body: bytes) -> tuple[Any, list[str]]:
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": content_type}))
    validated = validator.validate({}, MultiDictProxy(MultiDict()), headers, {}, body)
    return validated.body, [issue.describe() for issue in validated.issues]


@pytest.mark.parametrize(
    ("declared", "body", "expected"),
    [
        ("*/*", b'{"n":"null"}', ({"n": None}, [])),  # the form-like "null" of a wildcard body, each time
        ("application/json", b'{"n":"null"}', None),  # JSON says what it means: refused, each time
        ("application/json", b'{"n":3}', ({"n": 3}, [])),
        ("application/json", b'{"n":', None),
    ],
)
def test_the_same_request_gets_the_same_verdict(declared: str, body: bytes, expected: Any) -> None:
    validator = _validator(declared)
    verdicts = [_verdict(validator, "application/json", body) for _ in range(3)]
    assert verdicts[0] == verdicts[1] == verdicts[2]
    if expected is not None:
        assert verdicts[0] == expected
    else:
        assert verdicts[0][1], "refused"


def test_an_empty_body_after_a_json_one_is_still_missing() -> None:
    validator = _validator("application/json")
    assert _verdict(validator, "application/json", b'{"n":1}') == ({"n": 1}, [])
    assert _verdict(validator, "application/json", b"")[1] == ["body: a request body is required"]
