"""Pure pieces of the runner: SSE parsing, chunk shapes, redaction, rate limits, report rendering."""

from __future__ import annotations

import json

import pytest

from gatewright.conformance import REDACTED, Redactor, parse_rate_limit
from gatewright.conformance.models import Exchange, Finding, Report, UnitResult
from gatewright.conformance.reporting import render_html, render_json, render_junit
from gatewright.conformance.sse import ServerEvent, parse_events
from gatewright.conformance.stream_formats import FORMATS, StreamState, guess_format

SECRET = "sk-live-abcdef123456"


def test_sse_parsing_joins_data_lines_and_skips_comments() -> None:
    lines = [": keepalive", "event: message_start", 'data: {"a":', "data: 1}", "", "data: [DONE]", ""]
    assert list(parse_events(lines)) == [
        ServerEvent(event="message_start", data='{"a":\n1}'),
        ServerEvent(event="message", data="[DONE]"),
    ]


def test_trailing_unterminated_event_is_dropped() -> None:
    assert list(parse_events(["data: x"])) == []


def feed(fmt: str, events: list[ServerEvent]) -> tuple[list[str | None], StreamState]:
    state = StreamState()
    return [FORMATS[fmt](event, state) for event in events], state


def test_openai_chat_chunks_and_done() -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": "x"}}],
    }
    errors, state = feed(
        "openai-chat", [ServerEvent("message", json.dumps(chunk)), ServerEvent("message", "[DONE]")]
    )
    assert errors == [None, None] and state.done
    errors, _ = feed(
        "openai-chat", [ServerEvent("message", json.dumps({**chunk, "object": "chat.completion"}))]
    )
    assert errors[0] is not None and "chat.completion.chunk" in errors[0]


def test_anthropic_events_in_order() -> None:
    good = [
        ServerEvent("message_start", json.dumps({"type": "message_start", "message": {"id": "m"}})),
        ServerEvent(
            "content_block_delta", json.dumps({"type": "content_block_delta", "index": 0, "delta": {}})
        ),
        ServerEvent("message_stop", json.dumps({"type": "message_stop"})),
    ]
    errors, state = feed("anthropic-messages", good)
    assert errors == [None, None, None] and state.done
    errors, _ = feed("anthropic-messages", good[1:])
    assert errors[0] is not None and "message_start" in errors[0]


def test_a_responses_stream_ends_with_its_terminal_event_and_tolerates_done() -> None:
    created = ServerEvent("response.created", json.dumps({"type": "response.created"}))
    completed = ServerEvent("response.completed", json.dumps({"type": "response.completed"}))
    errors, state = feed("openai-responses", [created, ServerEvent("message", "[DONE]")])
    assert errors == [None, None] and not state.done
    errors, state = feed("openai-responses", [created, completed, ServerEvent("message", "[DONE]")])
    assert errors == [None, None, None] and state.done


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/v1/chat/completions", "openai-chat"),
        ("/v1/messages", "anthropic-messages"),
        ("/v1/responses", "openai-responses"),
        ("/v1/x", "generic"),
    ],
)
def test_guess_format(path: str, fmt: str) -> None:
    assert guess_format(path) == fmt


def test_redactor_masks_headers_and_text() -> None:
    redactor = Redactor(SECRET)
    assert redactor.headers({"Authorization": f"Bearer {SECRET}", "X-Api-Key": SECRET, "Accept": "x"}) == {
        "Authorization": f"Bearer {REDACTED}",
        "X-Api-Key": REDACTED,
        "Accept": "x",
    }
    assert SECRET not in json.dumps(redactor.deep({"k": [f"key={SECRET}"], SECRET: 1}))


@pytest.mark.parametrize(
    ("text", "per_second"), [("10", 10.0), ("10/s", 10.0), ("120/m", 2.0), ("3600/h", 1.0)]
)
def test_rate_limit_parsing(text: str, per_second: float) -> None:
    assert parse_rate_limit(text) == pytest.approx(per_second)


def test_rate_limit_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        parse_rate_limit("0/s")


def report_with_failure() -> Report:
    finding = Finding(
        operation="getItem",
        label="GET /items/{id}",
        check="response_schema_conformance",
        title="Response violates schema",
        message="<b>name</b> is required",
        phase="positive",
        spec_pointer="/paths/~1items~1{id}/get/responses/200",
        spec_says="{}",
        exchange=Exchange(method="GET", url="http://127.0.0.1/items/1", status=200),
        curl="curl -H 'Authorization: [Filtered]' http://127.0.0.1/items/1",
    )
    failed = UnitResult(
        unit_id="getItem",
        kind="operation",
        operation="getItem",
        label="GET /items/{id}",
        checks={"response_schema_conformance": 3, "not_a_server_error": 3},
        findings=[finding],
    )
    passed = UnitResult(
        unit_id="listItems",
        kind="operation",
        operation="listItems",
        label="GET /items",
        checks={"not_a_server_error": 2},
    )
    return Report(
        api="demo",
        base_url="http://127.0.0.1",
        started_at="now",
        settings={"seed": 1, "max_examples": 5},
        units=[failed, passed],
    )


def test_reports_render_one_failure() -> None:
    report = report_with_failure()
    data = json.loads(render_json(report))
    assert data["failed"] is True and data["summary"]["outcomes"] == {"failed": 1, "passed": 1}
    junit = render_junit(report)
    assert 'tests="3"' in junit and 'failures="1"' in junit
    html = render_html(report)
    assert "&lt;b&gt;name&lt;/b&gt;" in html  # escaped, never injected
    assert "<details>" in html and "http" not in html.split("<body>")[0].replace("charset", "")
