"""openapi-core as the reference reading of one request (``spec/reference.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from gatewright.spec.reference import CannotJudge, ReferenceValidator, WireRequest


def document(required_body: bool) -> dict[str, Any]:
    body = {"type": "object", "properties": {"n": {"type": "integer"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://somewhere.else/base"}],  # never consulted: the template routes
        "paths": {
            "/things/{id}": {
                "post": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                        {"name": "X-Mode", "in": "header", "required": True, "schema": {"enum": ["a"]}},
                    ],
                    "requestBody": {
                        "required": required_body,
                        "content": {
                            "application/json": {"schema": body},
                            "multipart/form-data": {"schema": body},
                        },
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/things/mine": {"post": {"responses": {"200": {"description": "ok"}}}},
        },
    }


def request(**changes: Any) -> WireRequest:
    sent: dict[str, Any] = {
        "method": "POST",
        "template": "/things/{id}",
        "path_params": {"id": "7"},
        "headers": [("x-mode", "a")],
        "body": b'{"n": 1}',
        "content_type": "application/json",
    }
    return WireRequest(**{**sent, **changes})


def test_a_valid_request_has_no_problems() -> None:
    reference = ReferenceValidator(document(required_body=True))
    assert reference.parameter_problems(request()) == reference.body_problems(request()) == []


def test_parameters_and_body_are_judged_by_the_operation_the_template_names() -> None:
    reference = ReferenceValidator(document(required_body=True))
    sent = request(path_params={"id": "seven"}, headers=[], body=b'{"n": "one"}')
    found = {(p.location, p.name, p.missing) for p in reference.parameter_problems(sent)}
    assert found == {("path", "id", False), ("header", "X-Mode", True)}
    [body] = reference.body_problems(sent)
    assert (body.location, body.missing) == ("body", False)
    assert "'one' is not of type 'integer'" in body.message


@pytest.mark.parametrize(("required", "problems"), [(False, 0), (True, 1)])
def test_a_body_left_out_is_a_problem_only_when_required(required: bool, problems: int) -> None:
    found = ReferenceValidator(document(required)).body_problems(request(body=b"", content_type=""))
    assert len(found) == problems and all(p.missing for p in found)


def test_a_body_that_is_not_utf8_is_a_problem_not_a_crash() -> None:
    [problem] = ReferenceValidator(document(True)).body_problems(request(body=b"\x80"))
    assert problem.location == "body"


def test_openapi_core_failing_on_a_request_is_cannot_judge() -> None:
    unnamed = b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n"
    sent = request(body=unnamed, content_type="multipart/form-data; boundary=b")
    with pytest.raises(CannotJudge, match="AssertionError"):
        ReferenceValidator(document(True)).body_problems(sent)
