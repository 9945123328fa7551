"""The compatibility phase of ``gatewright verify`` against the project's mock, clean and with planted faults.

The planted-fault server is the mock itself, programmed at runtime with rules
(``POST /__gatewright/rules``): each rule answers one claim's request wrongly, and the
rules listed before it hand the claim's other requests back to the mock's own answer
(a rule whose ``then`` scripts nothing), so that only the planted claim may fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatewright.cli import main
from gatewright.conformance import Finding, Report, RunOptions, run_conformance
from gatewright.testing import add_rules, mock_requests, running_mock

API = "empiriolabs"
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": [API], "seed": 1}
KEY = "sk-gatewright-compat-0123456789"  # long enough that redacting it cannot mangle the report
CHAT = "createChatCompletion"
MESSAGE = "createMessage"
EMBEDDINGS = "createEmbeddings"
SPEC = Path(__file__).resolve().parents[3] / "specs" / "canonical" / f"{API}.openapi.json"
ALL_APIS = ("voxvey", "ipop", "beatra", "imarouter", "empiriolabs")
CHAT_CHECKS = {
    "compat_tool_call",
    "compat_structured_output",
    "compat_n",
    "compat_token_limit",
    "compat_usage",
    "compat_fresh_ids",
    "compat_stream",
    "compat_stream_tool_call",
}
MOCK_ANSWER: dict[str, Any] = {}  # a `then` that scripts nothing: the mock answers as it would anyway
CHAT_BODY: dict[str, Any] = {  # a valid (whole) chat completion with one choice
    "id": "chatcmpl-fixed",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gw-test",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
}
BAD_WEATHER = {"tool_calls": [{"name": "get_weather", "arguments": {"city": 5}}]}


def rule(operation: str, body: dict[str, Any], then: dict[str, Any], **when: Any) -> dict[str, Any]:
    return {"when": {"operation": operation, "body": body, **when}, "then": then}


# Plain chat requests (usage, fresh ids) carry nothing a rule can match on, so a rule for them
# comes after these, which keep every other chat claim on the mock's own answer.
OTHER_CHAT_CLAIMS = [
    rule(CHAT, {"/stream": True}, MOCK_ANSWER),
    rule(CHAT, {}, MOCK_ANSWER, tools=True),
    rule(CHAT, {"/n": 2}, MOCK_ANSWER),
    rule(CHAT, {"/max_tokens": 1}, MOCK_ANSWER),
    rule(CHAT, {"/response_format/type": "json_schema"}, MOCK_ANSWER),
]

# id, rules, operation, unit check, finding check, a fragment of the finding's title, of its message
FAULTS = [
    pytest.param(
        [
            rule(CHAT, {"/stream": True}, MOCK_ANSWER),
            rule(CHAT, {"/tool_choice": "required"}, {"text": "no tools today"}),
        ],
        CHAT,
        "compat_tool_call",
        "tool_choice required",
        "no tool call although the request forces one",
        id="forced-tool-call-answered-with-text",
    ),
    pytest.param(
        [rule(CHAT, {"/stream": True}, MOCK_ANSWER), rule(CHAT, {"/tool_choice": "required"}, BAD_WEATHER)],
        CHAT,
        "compat_tool_call",
        "tool_choice required",
        "fail the tool's schema",
        id="tool-call-arguments-fail-the-schema",
    ),
    pytest.param(
        [rule(CHAT, {"/response_format/type": "json_schema"}, {"text": "not json"})],
        CHAT,
        "compat_structured_output",
        "json_schema",
        "content is not JSON: 'not json'",
        id="structured-output-not-json",
    ),
    pytest.param(
        [rule(CHAT, {"/n": 2}, {"body": CHAT_BODY})],
        CHAT,
        "compat_n",
        "n=2",
        "got indexes [0]",
        id="n-2-answered-with-one-choice",
    ),
    pytest.param(
        [rule(CHAT, {"/max_tokens": 1}, {"text": "a long answer that goes on"})],
        CHAT,
        "compat_token_limit",
        "max_tokens=1",
        "ended with 'stop', not 'length'",
        id="token-limit-not-finishing-with-length",
    ),
    pytest.param(
        [
            *OTHER_CHAT_CLAIMS,
            {  # once: the usage claim runs before the (identical) fresh-ids requests
                **rule(
                    CHAT,
                    {},
                    {
                        "body": {
                            **CHAT_BODY,
                            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 3},
                        }
                    },
                ),
                "times": 1,
            },
        ],
        CHAT,
        "compat_usage",
        "usage adds up",
        "usage.total_tokens is 3, not prompt_tokens + completion_tokens = 10",
        id="usage-does-not-add-up",
    ),
    pytest.param(
        [*OTHER_CHAT_CLAIMS, rule(CHAT, {}, {"body": CHAT_BODY})],
        CHAT,
        "compat_fresh_ids",
        "fresh id",
        "same id 'chatcmpl-fixed'",
        id="same-id-twice",
    ),
    pytest.param(
        [rule(CHAT, {"/stream_options/include_usage": True}, {"truncate_after": 2})],
        CHAT,
        "compat_stream",
        "[DONE]",
        "the stream ended after 2 events without its terminal event",
        id="stream-without-done",
    ),
    pytest.param(
        [rule(CHAT, {"/stream": True, "/tool_choice": "required"}, BAD_WEATHER)],
        CHAT,
        "compat_stream_tool_call",
        "streamed tool call",
        "fail the tool's schema",
        id="streamed-tool-call-arguments-fail-the-schema",
    ),
    pytest.param(
        [rule(CHAT, {"/stream": True, "/tool_choice": "required"}, {"cut_after": 2})],
        CHAT,
        "compat_stream_tool_call",
        "streamed tool call",
        "could not read the answer",
        id="streamed-tool-call-cut",
    ),
    pytest.param(
        [
            rule(
                EMBEDDINGS,
                {"/encoding_format": "float"},  # the 4-input batch (the dimensions claim asks for base64)
                {
                    "body": {
                        "object": "list",
                        "model": "gw-embed",
                        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
                        "usage": {"prompt_tokens": 4, "total_tokens": 4},
                    }
                },
            )
        ],
        EMBEDDINGS,
        "compat_embeddings",
        "one embedding per input",
        "4 inputs gave 1 embeddings",
        id="embeddings-one-vector-for-four-inputs",
    ),
    pytest.param(
        [
            rule(MESSAGE, {"/stream": True}, MOCK_ANSWER),
            rule(MESSAGE, {"/tool_choice/type": "any"}, {"text": "no tools today"}),
        ],
        MESSAGE,
        "compat_tool_call",
        '{"type": "any"}',
        "no tool call although the request forces one (finish: 'end_turn')",
        id="anthropic-any-tool-answered-with-text",
    ),
    pytest.param(
        [
            rule(MESSAGE, {"/stream": True, "/tool_choice/type": "any"}, MOCK_ANSWER),
            rule(MESSAGE, {"/stream": True}, {"truncate_after": 2}),
        ],
        MESSAGE,
        "compat_stream",
        "message_stop",
        "the stream ended after 2 events without its terminal event",
        id="anthropic-stream-without-message-stop",
    ),
]


def verify(url: str, *operations: str, api: str = API, **options: Any) -> Report:
    return run_conformance(
        RunOptions(
            base_url=url,
            api=None if "spec_path" in options else api,
            api_key=KEY,
            phases=("compatibility",),
            seed=1,
            include=operations,
            **options,
        )
    )


def describe(report: Report) -> str:
    lines = [f"{u.unit_id}: {u.outcome} {u.error or ''} notes={u.notes}" for u in report.units]
    lines += [f"  {f.operation} {f.check}: {f.title}: {f.message}" for f in report.findings]
    return "\n".join(lines)


def plant(url: str, rules: list[dict[str, Any]]) -> None:
    add_rules(url, {"rules": rules})


@pytest.mark.parametrize("api", ALL_APIS)
def test_no_findings_against_the_unprogrammed_mock(api: str) -> None:
    with running_mock([api], seed=1) as url:
        report = verify(url, api=api)
    assert report.units, "no compatible operation was planned"
    assert {u.kind for u in report.units} == {"compatibility"}
    assert all(u.unit_id.startswith("compat:") for u in report.units)
    assert not report.failed, describe(report)
    assert all(u.outcome == "passed" for u in report.units), describe(report)
    # nothing was quietly left out: every unit sent its claims, and the chat claims all ran
    assert all(u.checks and u.calls for u in report.units), describe(report)
    assert {check for u in report.units for check in u.checks} >= CHAT_CHECKS


@pytest.mark.parametrize(("rules", "operation", "check", "title", "message"), FAULTS)
def test_a_planted_fault_is_reported_on_its_claim(  # noqa: PLR0917 - one row of FAULTS
    mock: str, rules: list[dict[str, Any]], operation: str, check: str, title: str, message: str
) -> None:
    plant(mock, rules)
    report = verify(mock, operation)
    unit_id = f"compat:{operation}:{check.removeprefix('compat_')}"
    units = {u.unit_id: u for u in report.units}
    assert unit_id in units, describe(report)
    assert all(u.error is None for u in report.units), describe(report)
    # only the planted claim failed; the operation's other claims still passed
    assert [u.unit_id for u in report.units if u.failed] == [unit_id], describe(report)
    findings = units[unit_id].findings
    assert findings, describe(report)
    hit: list[Finding] = [f for f in findings if title in f.title and message in f.message]
    assert hit, describe(report)
    for finding in findings:
        assert (finding.operation, finding.check, finding.phase) == (operation, check, "compatibility")
        assert finding.title.startswith("Compatibility: ")
        assert finding.exchange is not None and finding.exchange.status == 200
        assert finding.curl.startswith(f"curl -X {finding.exchange.method} ")  # what was sent, to paste
        assert finding.exchange.url in finding.curl
    assert units[unit_id].checks.get(check), "the check is not counted as run"


def test_a_claim_the_gateway_rejects_is_a_note_not_a_finding(mock: str) -> None:
    plant(
        mock,
        [
            {
                "when": {"operation": CHAT, "tools": True},
                "then": {"status": 400, "message": "tools are not supported"},
            }
        ],
    )
    report = verify(mock, CHAT)
    assert not report.failed, describe(report)
    units = {u.unit_id: u for u in report.units}
    for unit_id in (f"compat:{CHAT}:tool_call", f"compat:{CHAT}:stream_tool_call"):
        notes = units[unit_id].notes
        assert notes, describe(report)
        assert all(note.startswith("not supported: ") and "answered 400" in note for note in notes)
        assert units[unit_id].outcome == "passed"
    # the named and the required tool choice are two claims of one unit: a note each
    assert len(units[f"compat:{CHAT}:tool_call"].notes) == 2
    others = [
        u
        for u in report.units
        if u.unit_id not in {f"compat:{CHAT}:tool_call", f"compat:{CHAT}:stream_tool_call"}
    ]
    assert all(not u.notes and u.checks for u in others), describe(report)


def test_a_claim_the_request_schema_refuses_is_not_sent(mock: str, tmp_path: Path) -> None:
    document = json.loads(SPEC.read_text(encoding="utf-8"))
    document["components"]["schemas"]["ChatRequest"]["properties"]["n"] = {"type": "integer", "maximum": 1}
    spec_path = tmp_path / f"{API}.openapi.json"
    spec_path.write_text(json.dumps(document), encoding="utf-8")
    report = verify(mock, CHAT, spec_path=spec_path)
    assert not report.failed, describe(report)
    unit = next(u for u in report.units if u.unit_id == f"compat:{CHAT}:n")
    assert len(unit.notes) == 1 and unit.notes[0].startswith("not sent: n=2"), unit.notes
    assert "request schema refuses" in unit.notes[0]
    assert unit.calls == 0 and not unit.checks
    sent = [r.get("body") for r in mock_requests(mock)]
    assert sent and not [body for body in sent if isinstance(body, dict) and "n" in body]


def cli_verify(url: str, report_dir: Path) -> int:
    return main(
        [
            "verify",
            "--api",
            API,
            "--base-url",
            url,
            "--api-key",
            KEY,
            "--phases",
            "compatibility",
            "--include",
            CHAT,
            "--seed",
            "1",
            "--report-dir",
            str(report_dir),
        ]
    )


def test_cli_exit_code_and_report(mock: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_verify(mock, tmp_path / "clean") == 0, capsys.readouterr().out
    clean = json.loads((tmp_path / "clean" / "report.json").read_text(encoding="utf-8"))
    assert clean["failed"] is False and clean["summary"]["findings"] == 0
    assert {u["kind"] for u in clean["units"]} == {"compatibility"}

    plant(mock, [rule(CHAT, {"/n": 2}, {"body": CHAT_BODY})])
    assert cli_verify(mock, tmp_path / "faulty") == 1
    out = capsys.readouterr().out
    faulty = json.loads((tmp_path / "faulty" / "report.json").read_text(encoding="utf-8"))
    found = [(u["unit_id"], f["operation"], f["check"]) for u in faulty["units"] for f in u["findings"]]
    assert found == [(f"compat:{CHAT}:n", CHAT, "compat_n")], out
    assert faulty["failed"] is True


# -- answers a faithful or a broken gateway may give -------------------------------------------------


def test_a_named_tool_choice_may_finish_with_stop(mock: str) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_time", "arguments": '{"zone": "UTC"}'},
    }
    body = {
        **CHAT_BODY,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                "finish_reason": "stop",
            }
        ],
    }
    plant(mock, [rule(CHAT, {"/tool_choice/function/name": "get_time"}, {"body": body})])
    report = verify(mock, CHAT)
    assert not report.failed, describe(report)


def test_a_wrongly_typed_content_is_a_finding_not_an_error(mock: str) -> None:
    content = [{"type": "text", "text": '{"name": "Ada", "age": 36}'}]
    body = {
        **CHAT_BODY,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
    }
    plant(mock, [rule(CHAT, {"/response_format/type": "json_schema"}, {"body": body, "conformant": False})])
    report = verify(mock, CHAT)
    assert all(u.error is None for u in report.units), describe(report)
    assert [f.check for f in report.findings] == ["compat_structured_output"], describe(report)


def test_a_plain_request_the_gateway_rejects_is_a_finding_for_every_claim_sending_it(mock: str) -> None:
    """The usage and fresh-id claims ask for nothing special: a 4xx to them fails both alike."""
    plant(mock, [{"when": {"operation": CHAT}, "then": {"status": 400, "message": "no"}}])
    report = verify(mock, CHAT)
    units = {u.unit_id: u for u in report.units}
    for claim in ("usage", "fresh_ids"):
        unit = units[f"compat:{CHAT}:{claim}"]
        assert unit.failed, describe(report)
        assert any("answered 400" in f.message for f in unit.findings), describe(report)
