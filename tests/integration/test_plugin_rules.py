"""The pytest plugin's ``gatewright_mock`` as a programmable mock: per-test rules and the journal.

The inner session runs in a subprocess, as in ``conformance/test_pytest_plugin.py``: the
plugin's mock fixture serves from a thread that should not outlive an in-process run.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # an inner pytest session in a subprocess (pytester)

pytest_plugins = ["pytester"]

FOR_A = """
rules:
  - when: {operation: createChatCompletion, headers: {x-test-id: a}}
    then: {text: for a}
"""
SCRIPTED = '{"rules": [{"when": {"operation": "createChatCompletion"}, "then": {"text": "scripted"}}]}'

INNER = f"""
import json
import urllib.request

import openai
import pytest

from gatewright.testing import MockControlError, mock_requests

SCRIPTED = {SCRIPTED!r}
FOR_A = {FOR_A!r}
HI = [{{"role": "user", "content": "hi"}}]
seen = {{}}


def chat(url, **headers):
    client = openai.OpenAI(base_url=f"{{url}}/v1", api_key="sk-test", max_retries=0)
    reply = client.chat.completions.create(model="openai/gpt-4o-mini", messages=HI, extra_headers=headers)
    return reply.choices[0].message.content


def test_1_rule_scripts_the_answer(gatewright_mock):
    ids = gatewright_mock.rules("voxvey", SCRIPTED)
    assert len(ids) == 1
    assert chat(gatewright_mock("voxvey")) == "scripted"
    (entry,) = gatewright_mock.requests("voxvey")
    assert entry["operation"] == "createChatCompletion" and entry["rule"] == ids[0]


def test_2_rule_is_gone_and_journal_is_this_tests(gatewright_mock):
    assert chat(gatewright_mock("voxvey")) != "scripted"
    (entry,) = gatewright_mock.requests("voxvey")
    assert entry["operation"] == "createChatCompletion" and entry["rule"] is None


def test_3_forbidden_rule_is_refused_with_the_mocks_message(gatewright_mock):
    document = {{"rules": [{{"when": {{"operation": "createChatCompletion"}}, "then": {{"status": 418}}}}]}}
    with pytest.raises(MockControlError, match="status 418 is not documented") as refused:
        gatewright_mock.rules("voxvey", document)
    assert refused.value.status == 400
    document["rules"][0]["then"]["conformant"] = False
    assert gatewright_mock.rules("voxvey", document)


def test_4_rules_fixture_and_header_filter(gatewright_mock_url, gatewright_rules):
    gatewright_rules(FOR_A)  # YAML text, for gatewright_mock_api
    assert chat(gatewright_mock_url, **{{"x-test-id": "a"}}) == "for a"
    assert chat(gatewright_mock_url, **{{"x-test-id": "b"}}) != "for a"
    (only_b,) = mock_requests(gatewright_mock_url, header=("x-test-id", "b"))
    assert only_b["headers"]["x-test-id"] == "b" and only_b["rule"] is None
    assert mock_requests(gatewright_mock_url, header="x-test-id:b") == [only_b]  # the control API form
    with pytest.raises(MockControlError, match="NAME:VALUE"):
        mock_requests(gatewright_mock_url, header="x-test-id")


def test_5_fails_after_adding_a_rule(gatewright_mock):
    seen["url"] = gatewright_mock("voxvey")
    gatewright_mock.rules("voxvey", SCRIPTED)
    raise AssertionError("deliberate failure")


def test_6_its_rule_was_removed_at_teardown():
    with urllib.request.urlopen(seen["url"] + "/__gatewright/rules") as response:
        assert json.load(response)["rules"] == []
"""


def test_rules_and_journal_per_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings =\n    error\n")
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--gatewright-mock-api", "voxvey")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        ["*AssertionError: deliberate failure", "FAILED test_inner.py::test_5_fails_after_adding_a_rule*"]
    )
