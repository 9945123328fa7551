"""Structural redaction (values, never serialized text) and how bodies appear in reports and commands."""

from __future__ import annotations

import json
import subprocess
from xml.etree import ElementTree as ET

import pytest

from gatewright.conformance import REDACTED, Redactor
from gatewright.conformance.bodies import binary_curl, describe_body, visible
from gatewright.conformance.models import Exchange, Finding, Report, UnitResult
from gatewright.conformance.reporting import render_html, render_json, render_junit

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b550000000a49444154789c63600000000200014873b171"
    "0000000049454e44ae426082"
)


@pytest.mark.parametrize("key", ["test", "null", "e", "sk-live-0123456789abcdef"])
def test_credentials_are_redacted_wherever_they_sit(key: str) -> None:
    redactor = Redactor(key, frozenset({"xi-api-key"}), frozenset({"key"}))
    assert redactor.headers({"Authorization": f"Bearer {key}", "xi-api-key": key, "X-Other": key}) == {
        "Authorization": f"Bearer {REDACTED}",
        "xi-api-key": REDACTED,
        "X-Other": REDACTED,
    }
    url = redactor.url(f"https://user:{key}@api.example.com/v1/{key}/items?key={key}&q=hello&other={key}")
    assert url == (
        f"https://user:{REDACTED}@api.example.com/v1/{REDACTED}/items?key={REDACTED}&q=hello&other={REDACTED}"
    )
    assert json.loads(redactor.body(json.dumps({"api_key": key, "max_tokens": 5}))) == {
        "api_key": REDACTED,
        "max_tokens": 5,
    }
    assert redactor.text(f"Authorization: Bearer {key}") == f"Authorization: Bearer {REDACTED}"


@pytest.mark.parametrize("key", ["test", "null", "e"])
def test_a_short_key_never_rewrites_words(key: str) -> None:
    redactor = Redactor(key)
    text = "the test field is null: every word here stays, tests and nullable too"
    assert redactor.text(text) == text
    assert redactor.body('{"seed": null, "name": "tester"}') == '{"seed": null, "name": "tester"}'


def test_a_long_key_is_redacted_inside_any_text() -> None:
    key = "sk-live-0123456789abcdef"
    redactor = Redactor(key)
    assert redactor.text(f"invalid key {key}.") == f"invalid key {REDACTED}."
    assert key not in json.dumps(redactor.deep({"k": [f"key={key}"], key: 1}))


def report_with(key: str) -> Report:
    exchange = Exchange(
        method="POST",
        url=f"http://127.0.0.1/v1/x?key={key}",
        request_headers={"Authorization": f"Bearer {key}"},
        request_body=json.dumps({"echo": key}),
        status=500,
        response_body=describe_body(b"\x00\x01binary\xff", "application/octet-stream"),
    )
    finding = Finding("op", "POST /v1/x", "not_a_server_error", "Server error", f"got {key}", "examples")
    finding.exchange = exchange
    unit = UnitResult(
        "op", "operation", "op", "POST /v1/x", checks={"not_a_server_error": 1}, findings=[finding]
    )
    return Report(api="demo", base_url="http://127.0.0.1", started_at="now", units=[unit])


@pytest.mark.parametrize("key", ["test", "null", "e", "<&\"'>", "]]>"])
def test_rendered_reports_are_valid_whatever_the_key(key: str) -> None:
    report = Redactor(key, query_names=frozenset({"key"})).model(report_with(key))
    data = json.loads(render_json(report))
    assert (
        data["units"][0]["findings"][0]["exchange"]["request_headers"]["Authorization"]
        == f"Bearer {REDACTED}"
    )
    ET.fromstring(render_junit(report))
    html = render_html(report)
    assert "\x00" not in html and html.index('id="failures"') < html.index('id="units"')


def test_binary_bodies_are_summarized_and_text_stays_text() -> None:
    assert describe_body(b'{"a": 1}', "application/json") == '{"a": 1}'
    assert (
        describe_body(PNG, "")
        == f"[binary image/png, {len(PNG)} bytes: 89 50 4e 47 0d 0a 1a 0a 00 00 00 0d 49 48 44 52 …]"
    )
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="f.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + PNG + b"\r\n--b--\r\n"
    )
    shown = describe_body(multipart, "multipart/form-data; boundary=b")
    assert shown is not None and "whisper-1" in shown and "[binary image/png, 67 bytes: 89 50" in shown
    assert "\x00" not in shown
    assert visible("a\x00b\x1bc\r\n") == "a\\x00b\\x1bc\r\n"


def test_a_binary_body_command_pipes_the_exact_bytes() -> None:
    body = PNG + b"it's \\ done\r\n"
    command = binary_curl(
        {
            "method": "POST",
            "url": "http://127.0.0.1:9/up",
            "headers": {"Content-Type": "image/png"},
            "data": body,
        }
    )
    assert command is not None and command.startswith("printf '%b' ")
    producer = command.split(" | curl ", 1)[0]
    assert subprocess.run(["sh", "-c", producer], capture_output=True, check=True).stdout == body
    assert "--data-binary @-" in command and "'Content-Type: image/png'" in command
    text_command = binary_curl({"method": "POST", "url": "http://x/", "json": {"a": 1}})
    assert text_command is None  # a text body keeps schemathesis's own command
