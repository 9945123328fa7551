"""Served models, positive bodies a gateway can accept, findings grouped by distinct failure, and which
headers are credentials."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gatewright.conformance.models import Exchange, Finding, UnitResult
from gatewright.conformance.positive import FILLER, PositiveBodies
from gatewright.conformance.reporting import render_html
from gatewright.conformance.served import ServedModels, model_ids, models_list_operation, refused_model
from gatewright.spec import Spec
from gatewright.spec.bundled import load_target
from gatewright.spec.secrets import is_secret_header
from gatewright.spec.validation import DocumentValidators


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, '{"error": {"message": "Invalid model name passed in model=x. Call `/v1/models`"}}'),
        (404, '{"error": {"message": "The model `x` does not exist", "code": "model_not_found"}}'),
        (404, '{"type": "error", "error": {"type": "not_found_error", "message": "model: claude-x"}}'),
        (400, '{"detail": "Model x is not supported on this deployment"}'),
    ],
)
def test_a_4xx_naming_the_model_as_unserved_is_a_refusal(status: int, body: str) -> None:
    assert refused_model(status, body)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, '{"error": {"message": "\'model\' is a required property"}}'),
        (400, '{"error": {"message": "Unsupported parameter: max_tokens is not supported with this model"}}'),
        (500, '{"error": {"message": "model x not found"}}'),
    ],
)
def test_other_answers_are_not_refusals(status: int, body: str) -> None:
    assert refused_model(status, body) is None


def test_models_lists_read_as_ids() -> None:
    assert model_ids({"data": [{"id": "a"}, {"id": "b"}, {"id": "a"}, {"name": "c"}]}) == ("a", "b")
    assert model_ids({"data": ["m1"]}) == ("m1",)
    assert model_ids(["m1"]) == ()


def test_the_models_list_operation_is_the_shortest_models_path() -> None:
    operation = models_list_operation(load_target("beatra", None))
    assert operation is not None and operation.path == "/v1/models"


def test_each_operation_gets_the_served_models_of_its_kind_first() -> None:
    served = ServedModels(("text-embedding-3-small", "gpt-4o-mini", "whisper-1"), "--model")
    assert served.ranked("/v1/embeddings createEmbeddings")[0] == "text-embedding-3-small"
    assert served.ranked("/v1/chat/completions createChatCompletion")[0] == "gpt-4o-mini"
    assert served.ranked("/v1/audio/transcriptions createTranscription")[0] == "whisper-1"


def test_models_are_learned_once_on_first_use() -> None:
    calls: list[int] = []

    def learn() -> tuple[tuple[str, ...], str]:
        calls.append(1)
        return ("m1",), "GET /v1/models"

    served = ServedModels(learn=learn)
    assert served.describe().startswith("not asked")
    assert served.known() == served.known() == ("m1",)
    assert calls == [1] and served.describe() == "m1 (GET /v1/models)"


SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["model", "input", "messages"],
    "properties": {
        "model": {"type": "string"},
        "input": {"type": "array", "items": {"type": "string"}},
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["content"],
                "properties": {"content": {"type": "string"}, "name": {"type": "string"}},
            },
        },
        "suffix": {"type": "string"},
    },
}


def _bodies(*served: str, schema: dict[str, Any] = SCHEMA) -> tuple[PositiveBodies, dict[str, Any]]:
    document = {"openapi": "3.1.0", "components": {"schemas": {"In": schema}}}
    bodies = PositiveBodies(document, DocumentValidators(document), ServedModels(served, "--model"))
    return bodies, {"$ref": "#/components/schemas/In"}


def test_positive_bodies_name_a_served_model_and_fill_empty_required_strings() -> None:
    bodies, schema = _bodies("gpt-4o-mini")
    body = {"model": "", "input": ["", "a"], "messages": [{"content": "", "name": ""}], "suffix": ""}
    fixed = bodies.fix("/v1/chat/completions x", schema, body, whole=True)
    assert fixed == {
        "model": "gpt-4o-mini",
        "input": [FILLER, "a"],
        "messages": [{"content": FILLER, "name": ""}],  # optional strings stay as generated
        "suffix": "",
    }
    assert body["model"] == ""  # the generated body is not changed in place


def test_a_served_model_the_schema_refuses_is_not_sent() -> None:
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], "model": {"enum": ["m1", "m2"]}}}
    bodies, ref = _bodies("gpt-4o-mini", "m2", schema=schema)
    body = {"model": "m1", "input": ["a"], "messages": []}
    assert bodies.fix("/v1/chat/completions x", ref, body, whole=True)["model"] == "m2"
    bodies, ref = _bodies("gpt-4o-mini", schema=schema)
    assert bodies.fix("/v1/chat/completions x", ref, body, whole=True) == body


def _finding(status: int, message: str, said: str) -> Finding:
    exchange = Exchange("POST", "http://x/v1/chat/completions", status=status, response_body=said)
    return Finding(
        "chat",
        "POST /v1/chat/completions",
        "not_a_server_error",
        "Server error",
        message,
        "fuzzing",
        exchange=exchange,
    )


def test_findings_group_by_operation_check_status_and_message_signature() -> None:
    unit = UnitResult("chat", "operation", "chat", "POST /v1/chat/completions")
    assert unit.add(_finding(500, "", json.dumps({"error": {"message": "list index out of range"}})))
    assert not unit.add(_finding(500, "", json.dumps({"error": {"message": "list index out of range"}})))
    assert unit.add(
        _finding(500, "", json.dumps({"error": {"message": "'NoneType' has no attribute 'get'"}}))
    )
    assert unit.add(_finding(502, "", "Bad gateway"))
    assert not unit.add(_finding(500, "", '{"error": {"message": "list index out of range"}}'))
    assert [(f.status, f.summary, f.count) for f in unit.findings] == [
        (500, "list index out of range", 3),
        (500, "'NoneType' has no attribute 'get'", 1),
        (502, "Bad gateway", 1),
    ]
    # values that change from one occurrence to the next do not split a failure
    assert not unit.add(_finding(502, "", "Bad gateway"))
    first = _finding(500, "request 1234 timed out after 30s", "")
    again = _finding(500, "request 98 timed out after 31s", "")
    assert first.key == again.key


def test_headers_are_credentials_by_the_credential_rule_not_by_substring() -> None:
    for name in ("Authorization", "x-api-key", "X-Goog-Api-Key", "x-auth-token", "Cookie", "key"):
        assert is_secret_header(name), name
    for name in ("x-litellm-key-spend", "x-ratelimit-remaining-tokens", "x-request-id", "anthropic-version"):
        assert not is_secret_header(name), name
    assert is_secret_header("X-Team", frozenset({"x-team"}))  # the spec's own credential slot


def test_a_proxy_report_carries_the_proxys_own_metadata() -> None:
    from gatewright.proxy.report import ViolationLog

    spec: Spec = load_target("voxvey", None)
    report = ViolationLog(spec, "voxvey", "http://upstream.test", "4").report()
    assert "exchanges judged" in report.settings and "seed" not in report.settings
    html = render_html(report)
    assert "upstream" in html and "max examples" not in html


def test_a_model_echoed_beside_another_error_is_not_a_refusal() -> None:
    body = '{"model": "m1", "error": {"message": "unknown parameter: foo"}}'
    assert refused_model(400, body) is None
