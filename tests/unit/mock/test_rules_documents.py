"""The structure of a rules document is its schema (spec/schemas/rules.schema.json): a malformed
document is refused naming the rule, the field and why, and every field the README documents is
accepted; what the schema cannot say (RE2, answer headers, the served spec) is still checked in code."""

from __future__ import annotations

from typing import Any

import pytest

from gatewright.mock import load_apis
from gatewright.mock.operations import MockApi
from gatewright.mock.rules import RuleError, parse_rules

API = "empiriolabs"
CHAT = "createChatCompletion"


@pytest.fixture(scope="module")
def apis() -> dict[str, MockApi]:
    return load_apis([API])


def _rule(then: Any = None, **fields: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"when": {"operation": CHAT}, "then": {"text": "hi"} if then is None else then}
    return {**rule, **fields}


MALFORMED: dict[str, tuple[Any, str]] = {
    # unknown keys, at every level
    "unknown-document-key-in-rule": (
        {"rules": [_rule(oops=1)]},
        "rule #1: Additional properties are not allowed ('oops' was unexpected)",
    ),
    "unknown-when-key": (
        {"rules": [_rule(when={"operation": CHAT, "modle": "x"})]},
        "rule #1: `when`: Additional properties are not allowed ('modle' was unexpected)",
    ),
    "unknown-answer-key": (
        {"rules": [_rule({"text": "hi", "delay": 5})]},
        "rule #1: `then`: Additional properties are not allowed ('delay' was unexpected)",
    ),
    "unknown-key-in-a-sequence": (
        {"rules": [_rule({"sequence": [{"text": "a"}, {"txt": "b"}]})]},
        "rule #1: `then.sequence[1]`: Additional properties are not allowed ('txt' was unexpected)",
    ),
    "sequence-not-alone": (
        {"rules": [_rule({"sequence": [{"text": "a"}], "text": "b"})]},
        "rule #1: `then`: Additional properties are not allowed ('text' was unexpected)",
    ),
    "unknown-tool-call-key": (
        {"rules": [_rule({"tool_calls": [{"name": "f", "args": {}}]})]},
        "rule #1: `then.tool_calls[0]`: Additional properties are not allowed ('args' was unexpected)",
    ),
    # wrong types and values out of range
    "document-not-a-mapping": (
        ["rules"],
        """expected a document {"rules": [RULE, ...]}: ['rules'] is not of type 'object'""",
    ),
    "rules-not-a-list": (
        {"rules": {"a": 1}},
        """expected a document {"rules": [RULE, ...]}: `rules`: {'a': 1} is not of type 'array'""",
    ),
    "rule-not-a-mapping": ({"rules": ["hi"]}, "rule #1: 'hi' is not of type 'object'"),
    "name": ({"rules": [_rule(name=3)]}, "rule #1: `name`: 3 is not of type 'string', 'null'"),
    "times-zero": ({"rules": [_rule(times=0)]}, "rule #1: `times`: 0 is less than the minimum of 1"),
    "times-text": ({"rules": [_rule(times="2")]}, "rule #1: `times`: '2' is not of type 'integer', 'null'"),
    "when-tools": (
        {"rules": [_rule(when={"operation": CHAT, "tools": "yes"})]},
        "rule #1: `when.tools`: 'yes' is not of type 'boolean', 'null'",
    ),
    "when-body-not-pointers": (
        {"rules": [_rule(when={"operation": CHAT, "body": {"stream": True}})]},
        "rule #1: `when.body`: 'stream' does not match '^(/|$)'",
    ),
    "when-header-value": (
        {"rules": [_rule(when={"operation": CHAT, "headers": {"x-test-id": ["a"]}})]},
        "rule #1: `when.headers.x-test-id`: ['a'] is not of type 'string', 'number', 'boolean'",
    ),
    "then-not-a-mapping": ({"rules": [_rule("hi")]}, "rule #1: `then`: 'hi' is not of type 'object'"),
    "text": ({"rules": [_rule({"text": 5})]}, "rule #1: `then.text`: 5 is not of type 'string', 'null'"),
    "status-text": (
        {"rules": [_rule({"status": "503"})]},
        "rule #1: `then.status`: '503' is not of type 'integer', 'null'",
    ),
    "status-boolean": (
        {"rules": [_rule({"status": True})]},
        "rule #1: `then.status`: True is not of type 'integer', 'null'",
    ),
    "status-informational": (
        {"rules": [_rule({"status": 101, "conformant": False})]},
        "rule #1: `then.status`: 101 is less than the minimum of 200",
    ),
    "conformant": (
        {"rules": [_rule({"status": 503, "conformant": "no"})]},
        "rule #1: `then.conformant`: 'no' is not of type 'boolean'",
    ),
    "negative-delay": (
        {"rules": [_rule({"text": "hi", "delay_ms": -1})]},
        "rule #1: `then.delay_ms`: -1 is less than the minimum of 0",
    ),
    "zero-rate": (
        {"rules": [_rule({"text": "hi", "tokens_per_second": 0})]},
        "rule #1: `then.tokens_per_second`: 0 is less than or equal to the minimum of 0",
    ),
    "fractional-count": (
        {"rules": [_rule({"text": "hi", "cut_after": 1.5})]},
        "rule #1: `then.cut_after`: 1.5 is not of type 'integer', 'null'",
    ),
    "answer-header-value": (
        {"rules": [_rule({"text": "hi", "headers": {"X-A": {"b": 1}}})]},
        "rule #1: `then.headers.X-A`: {'b': 1} is not of type 'string', 'number', 'boolean'",
    ),
    "tool-call-arguments": (
        {"rules": [_rule({"tool_calls": [{"name": "f", "arguments": [1]}]})]},
        "rule #1: `then.tool_calls[0].arguments`: [1] is not of type 'object'",
    ),
    "empty-sequence": (
        {"rules": [_rule({"sequence": []})]},
        "rule #1: `then.sequence`: [] should be non-empty",
    ),
    # missing what is required
    "no-rules": (
        {"rule": []},
        """expected a document {"rules": [RULE, ...]}: 'rules' is a required property""",
    ),
    "no-then": ({"rules": [{"when": {"operation": CHAT}}]}, "rule #1: 'then' is a required property"),
    "tool-call-without-name": (
        {"rules": [_rule({"tool_calls": [{"arguments": {}}]})]},
        "rule #1: `then.tool_calls[0]`: 'name' is a required property",
    ),
}


@pytest.mark.parametrize(("document", "says"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_document_is_refused_naming_the_rule_the_field_and_why(
    apis: dict[str, MockApi], document: Any, says: str
) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rules(document, apis, source="rules.yaml")
    assert str(caught.value) == f"rules.yaml: {says}"


def test_the_refusal_names_the_rule_it_is_about(apis: dict[str, MockApi]) -> None:
    document = {"rules": [_rule(name="first"), _rule({"text": "x", "ttft_ms": "slow"}, name="second")]}
    with pytest.raises(RuleError) as caught:
        parse_rules(document, apis)
    assert caught.value.rule == "#2 ('second')"
    assert str(caught.value) == (
        "runtime: rule #2 ('second'): `then.ttft_ms`: 'slow' is not of type 'number', 'null'"
    )


def test_yaml_is_judged_as_the_json_it_reads_to(apis: dict[str, MockApi]) -> None:
    text = f"rules:\n  - when: {{operation: {CHAT}}}\n    then: {{text: hi, cut_after: three}}\n"
    with pytest.raises(RuleError, match=r"rule #1: `then.cut_after`: 'three' is not of type 'integer'"):
        parse_rules(text, apis, source="r.yaml")


def test_every_documented_field_is_accepted(apis: dict[str, MockApi]) -> None:
    document = {
        "rules": [
            {
                "name": "all of when",
                "when": {
                    "api": API,
                    "operation": CHAT,
                    "model": "gpt-*",
                    "contains": "weather",
                    "regex": "^w",
                    "tools": True,
                    "after_tool_result": False,
                    "body": {"/stream": True, "": {}},
                    "headers": {"x-test-id": "t-1", "x-n": 2},
                },
                "times": 3,
                "then": {
                    "text": "hi",
                    "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "f"}],
                    "headers": {"Retry-After": 1, "X-Note": "a"},
                    "delay_ms": 1.5,
                    "ttft_ms": 0,
                    "tokens_per_second": 0.5,
                    "cut_after": 3,
                    "truncate_after": 0,
                    "malformed_after": 2,
                    "stall_after": 4,
                    "conformant": True,
                },
            },
            {"when": {"method": "get", "path": "/v1/models"}, "then": {"status": 503, "message": "busy"}},
            {"when": {"operation": CHAT}, "then": {"sequence": [{"json": None}, {"body": {"id": "x"}}]}},
        ]
    }
    first, second, third = parse_rules(document, apis)
    assert first.times == 3 and first.when.headers == (("x-test-id", "t-1"), ("x-n", "2"))
    assert [call.arguments for call in first.replies[0].tool_calls] == [{"city": "Paris"}, {}]
    assert first.replies[0].headers == (("Retry-After", "1"), ("X-Note", "a"))
    assert second.when.method == "GET" and second.replies[0].message == "busy"
    assert third.replies[0].has_json and third.replies[1].has_body


def test_null_is_as_if_absent_and_whole_floats_are_counts(apis: dict[str, MockApi]) -> None:
    text = f"""\
rules:
  - name:
    when:
    then:
      status: 503.0
      cut_after: 2.0
      headers:
    times: 2.0
  - when:
      operation: {CHAT}
      body:
      headers:
      tools:
    then:
      text:
      tool_calls:
"""
    first, second = parse_rules(text, apis)
    assert (first.name, first.when.names_operation, first.replies[0].headers) == (None, False, ())
    reply = first.replies[0]
    assert (reply.status, reply.stream.cut_after, first.times) == (503, 2, 2)
    assert all(type(n) is int for n in (reply.status, reply.stream.cut_after, first.times))
    assert (second.when.body, second.when.headers, second.when.tools) == ((), (), None)
    assert second.replies[0].text is None and second.replies[0].tool_calls == ()


@pytest.mark.parametrize(
    ("then", "when", "says"),
    [
        ({"json": {}, "body": {}}, {}, "`then` gives json and body: an answer is one of"),
        ({"text": "x", "headers": {"X-A": "a\r\nb"}}, {}, "`then.headers`: the value of X-A holds a control"),
        ({"text": "x"}, {"regex": "(?=a)a"}, "`when.regex` cannot be used"),
        ({"text": "x"}, {"api": "voxvey"}, "unknown api 'voxvey'; served: empiriolabs"),
        ({"status": 418}, {}, "status 418 is not documented"),
    ],
    ids=["one-answer", "header", "re2", "api", "spec"],
)
def test_what_a_schema_cannot_say_is_still_checked(
    apis: dict[str, MockApi], then: dict[str, Any], when: dict[str, Any], says: str
) -> None:
    with pytest.raises(RuleError, match="rule #1: ") as caught:
        parse_rules({"rules": [{"when": {"operation": CHAT, **when}, "then": then}]}, apis)
    assert says in str(caught.value)
