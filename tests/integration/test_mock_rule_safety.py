"""Nothing a rule says can stall the mock or break its answers (issue 21, items 3, 8, 9, 10), over real
sockets: regexes run in linear time (RE2) or are refused, answer headers, statuses and numbers are
checked when a rule is added, and ten thousands of rules are read off the event loop and indexed.
The CLI's durations and rates are finite too."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from gatewright.cli import build_parser
from gatewright.testing import MockControlError, add_rules

API = "empiriolabs"
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": [API], "seed": 1}
MODEL = "deepseek-v4-pro"
CHAT_OP = "createChatCompletion"
AUTH = {"Authorization": "Bearer sk-test"}


def _chat(url: str, text: str, headers: dict[str, str] | None = None) -> requests.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}]}
    return requests.post(
        f"{url}/v1/chat/completions", json=body, headers={**AUTH, **(headers or {})}, timeout=30
    )


def _text(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def _health_seconds(url: str) -> float:
    started = time.monotonic()
    assert requests.get(f"{url}/__gatewright/health", timeout=60).status_code == 200
    return time.monotonic() - started


def _refusal(url: str, document: str | dict[str, Any]) -> str:
    with pytest.raises(MockControlError) as caught:
        add_rules(url, document)
    assert caught.value.status == 400
    return caught.value.message


def _chat_rule(then: dict[str, Any], **when: Any) -> dict[str, Any]:
    return {"rules": [{"when": {"operation": CHAT_OP, **when}, "then": then}]}


# -- 3. a regex rule cannot freeze the server ---------------------------------------------------------------


def test_a_catastrophic_regex_answers_at_once_and_health_is_not_held(mock: str) -> None:
    add_rules(mock, _chat_rule({"text": "only a"}, regex="^(a+)+$"))
    hostile = "a" * 27 + "!"  # a backtracking engine tries 2**27 ways to split the a's: seconds
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        pending = pool.submit(_chat, mock, hostile)
        health = _health_seconds(mock)
        answer = pending.result()
        elapsed = time.monotonic() - started
    assert _text(answer) != "only a"
    assert (health < 2, elapsed < 2) == (True, True), (health, elapsed)  # held 4.5-7 s before
    assert _text(_chat(mock, "aaaa")) == "only a"  # and the rule still matches what it matches


@pytest.mark.parametrize(
    "pattern", ["(a)\\1", "(?P<x>a)(?P=x)", "(?=a)a", "(?<!x)y"], ids=["backref", "named", "ahead", "behind"]
)
def test_a_regex_re2_cannot_run_is_refused_saying_why(mock: str, pattern: str) -> None:
    message = _refusal(mock, _chat_rule({"text": "x"}, regex=pattern))
    assert "`when.regex` cannot be used" in message and "RE2" in message, message
    assert "no backreferences or lookaround" in message


# -- 8. answer headers and statuses --------------------------------------------------------------------------

BAD_HEADERS = {
    "crlf": {"X-Note": "a\r\nSet-Cookie: pwned=1"},
    "lf": {"X-Note": "a\nb"},
    "nul": {"X-Note": "a\x00b"},
    "content-length": {"Content-Length": "5"},
    "transfer-encoding": {"Transfer-Encoding": "chunked"},
    "connection": {"Connection": "close"},
    "upgrade": {"Upgrade": "websocket"},
    "bad-name": {"X Note": "a"},
}


@pytest.mark.parametrize("headers", list(BAD_HEADERS.values()), ids=list(BAD_HEADERS))
def test_a_rule_header_that_would_break_the_answer_is_refused(mock: str, headers: dict[str, str]) -> None:
    message = _refusal(mock, _chat_rule({"text": "scripted", "headers": headers}))
    assert "rule #1: `then.headers`" in message, message
    sequence = _chat_rule({"sequence": [{"text": "one"}, {"text": "two", "headers": headers}]})
    assert "`then.sequence[1].headers`" in _refusal(mock, sequence)
    assert _text(_chat(mock, "hello")) != "scripted"  # nothing was added; answers are whole


def test_ordinary_rule_headers_are_still_sent(mock: str) -> None:
    add_rules(mock, _chat_rule({"text": "scripted", "headers": {"Retry-After": "1", "X-Note": "a\tb"}}))
    answer = _chat(mock, "hello")
    assert _text(answer) == "scripted"
    assert (answer.headers["Retry-After"], answer.headers["X-Note"]) == ("1", "a\tb")


@pytest.mark.parametrize("status", [100, 101, 103, 199, 600])
def test_a_rule_status_is_a_final_one(mock: str, status: int) -> None:
    message = _refusal(mock, _chat_rule({"status": status, "conformant": False}))
    bound = "less than the minimum of 200" if status < 200 else "greater than the maximum of 599"
    assert f"rule #1: `then.status`: {status} is {bound}" in message, message


# -- 9. numbers are finite ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("then", "where"),
    [
        ("{text: hi, delay_ms: .nan}", "then.delay_ms"),
        ("{text: hi, ttft_ms: .inf}", "then.ttft_ms"),
        ("{text: hi, tokens_per_second: .NaN}", "then.tokens_per_second"),
        ("{sequence: [{text: a}, {text: b, delay_ms: -.inf}]}", "then.sequence[1].delay_ms"),
        ("{json: {score: [1, .nan]}}", "then.json.score[1]"),
    ],
)
def test_a_number_that_is_not_finite_is_refused(mock: str, then: str, where: str) -> None:
    message = _refusal(mock, f"rules:\n  - when: {{operation: {CHAT_OP}}}\n    then: {then}\n")
    assert f"rule #1: `{where}` is not a finite number" in message, message


def test_json_nan_is_refused_too(mock: str) -> None:
    document = '{"rules": [{"when": {}, "then": {"text": "hi", "delay_ms": NaN}}]}'
    assert "`then.delay_ms` is not a finite number" in _refusal(mock, document)


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["mock", "--latency", "inf"], "'inf' is not a non-negative number"),
        (["mock", "--read-timeout", "Infinity"], "'Infinity' is not a non-negative number"),
        (["mock", "--task-duration", "1e999"], "'1e999' is not a non-negative number"),
        (
            ["proxy", "--api", API, "--upstream", "http://127.0.0.1:9", "--upstream-timeout", "inf"],
            "'inf' is not a positive number",
        ),
        (
            ["verify", "--api", API, "--base-url", "http://127.0.0.1:9", "--rate-limit", "1" + "0" * 400],
            "invalid rate limit",
        ),
    ],
    ids=["latency", "read-timeout", "task-duration", "upstream-timeout", "rate-limit"],
)
def test_cli_durations_and_rates_are_finite(
    capsys: pytest.CaptureFixture[str], arguments: list[str], says: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(arguments)
    assert caught.value.code == 2
    assert says in capsys.readouterr().err


# -- 10. many rules ------------------------------------------------------------------------------------------


@pytest.mark.slow  # twenty thousand rules
def test_twenty_thousand_rules_are_added_while_health_answers_and_each_still_answers(mock: str) -> None:
    count = 20_000
    document = {
        "rules": [
            {"when": {"headers": {"x-test-id": f"t-{n}"}}, "then": {"text": f"answer {n}"}}
            for n in range(count)
        ]
    }
    slowest = 0.0
    with ThreadPoolExecutor(1) as pool:
        posting = pool.submit(add_rules, mock, document, 120.0)
        while not posting.done():  # checked on a worker thread: the loop keeps answering
            slowest = max(slowest, _health_seconds(mock))
        ids = posting.result()
    assert len(ids) == count
    assert slowest < 2, slowest  # held 2-9 s before
    for n in (0, count // 2, count - 1):
        assert _text(_chat(mock, "hi", {"x-test-id": f"t-{n}"})) == f"answer {n}"
    assert not _text(_chat(mock, "hi", {"x-test-id": "none"})).startswith("answer")
