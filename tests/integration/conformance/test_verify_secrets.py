"""Secrets in ``gatewright verify`` output: redacted by structure, reports valid whatever the key.

Each run goes through the CLI against the in-process mock, with a rule that makes one operation answer
a body the spec forbids (so findings carry exchanges and curl commands) and that echoes the key back.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from gatewright.cli import main
from gatewright.conformance import REDACTED
from gatewright.testing import add_rules, mock_requests, running_mock

REALISTIC_KEY = "sk-live-4f9c2b7e1a8d4c6fb03e9a7d5c2e1f0b"
REPORTS = ("report.json", "junit.xml", "report.html")


def verify_with_echo(key: str, operation: str, report_dir: Path) -> tuple[int, str]:
    """One run over ``operation``, whose answers break the spec and echo ``key``."""
    rule = {
        "when": {"operation": operation},
        "then": {"conformant": False, "body": {"error": f"invalid key {key}", "echo": key}},
    }
    with running_mock(["voxvey"], seed=1) as url:
        add_rules(url, {"rules": [rule]})
        code = main(
            [
                "verify",
                "--api",
                "voxvey",
                "--base-url",
                url,
                "--api-key",
                key,
                "--include",
                operation,
                "--phases",
                "examples,fuzzing",
                "--max-examples",
                "2",
                "--seed",
                "1",
                "--report-dir",
                str(report_dir),
            ]
        )
    return code, url


def findings(report_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    return [finding for unit in data["units"] for finding in unit["findings"]]


@pytest.mark.parametrize("key", ["test", "null", "e", REALISTIC_KEY])
def test_reports_stay_valid_and_credentials_are_redacted_whatever_the_key(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = verify_with_echo(key, "createChatCompletion", tmp_path)
    out, err = capsys.readouterr()
    assert code == 1, out + err
    # Valid documents, whatever the key: the key never rewrote serialized syntax.
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 1
    assert suite.get("tests") is not None  # the attribute name survived a key of "test"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "gatewright verify" in html
    # Words and values that merely contain the key are untouched.
    assert data["units"][0]["operation"] == "createChatCompletion"
    assert data["settings"]["seed"] == 1 and data["settings"]["max_examples"] == 2
    # The credential itself is redacted where it was sent: headers and the curl command.
    found = findings(tmp_path)
    assert found
    for finding in found:
        exchange = finding["exchange"]
        assert exchange["request_headers"]["Authorization"] == f"Bearer {REDACTED}"
        assert f"Authorization: Bearer {REDACTED}" in finding["curl"]
        assert f"Bearer {key}" not in finding["curl"]
        echoed = json.loads(exchange["response_body"])
        assert echoed["echo"] == REDACTED  # a value that is the key is redacted structurally
    if key == REALISTIC_KEY:
        for name in REPORTS:
            assert key not in (tmp_path / name).read_text(encoding="utf-8"), name
        assert key not in out + err


def test_curl_reproductions_send_the_same_body(tmp_path: Path) -> None:
    """``max_tokens`` is data, not a secret: the pasted command sends what the run sent."""
    code, _ = verify_with_echo(REALISTIC_KEY, "createMessage", tmp_path)
    assert code == 1
    compared = 0
    for finding in findings(tmp_path):
        curl, sent = finding["curl"], finding["exchange"]["request_body"]
        assert "[Filtered]" not in curl
        words = shlex.split(curl)
        assert words[0] == "curl"
        if sent is None or "-d" not in words:
            continue
        pasted = json.loads(words[words.index("-d") + 1])
        assert pasted == json.loads(sent)
        compared += 1
        if "max_tokens" in pasted:
            assert isinstance(pasted["max_tokens"], int)
    assert compared >= 1
    assert any("max_tokens" in f["curl"] for f in findings(tmp_path))


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash"
)
@pytest.mark.parametrize("operation", ["createMessage", "createTranscription"])
def test_pasting_the_curl_command_sends_what_the_run_sent(operation: str, tmp_path: Path) -> None:
    """Run the reproduction (the key put back) against the mock: it receives the same body as the run sent,
    JSON with ``max_tokens``, or a multipart upload of a PNG, byte for byte."""
    with running_mock(["voxvey"], seed=1) as url:
        add_rules(url, {"rules": [{"when": {"operation": operation}, "then": {"status": 500}}]})
        code = main(
            [
                "verify",
                "--api",
                "voxvey",
                "--base-url",
                url,
                "--api-key",
                REALISTIC_KEY,
                "--include",
                operation,
                "--phases",
                "examples",
                "--seed",
                "1",
                "--report-dir",
                str(tmp_path),
            ]
        )
        assert code == 1
        finding = findings(tmp_path)[0]
        case_id = finding["exchange"]["request_headers"]["X-Schemathesis-TestCaseId"]
        sent = [r for r in mock_requests(url) if r["headers"].get("x-schemathesis-testcaseid") == case_id]
        command = finding["curl"].replace(REDACTED, REALISTIC_KEY) + " -s -o /dev/null -w '%{http_code}'"
        pasted = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False
        )
        received = mock_requests(url)[-1]
    assert "[Filtered]" not in finding["curl"] and REALISTIC_KEY not in finding["curl"]
    assert pasted.stdout == "500", pasted.stderr
    assert received["headers"]["user-agent"].startswith("curl/")
    assert len(sent) == 1 and received["body"] == sent[0]["body"]
    if operation == "createMessage":
        assert isinstance(received["body"]["max_tokens"], int)
    else:
        assert received["body"]["file"].startswith("\x89PNG\r\n\x1a\n\x00")
