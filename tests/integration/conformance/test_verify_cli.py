"""``gatewright verify``: exit codes, the three reports, and the key nowhere in any output."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from faultserver import KEY, SPEC, faulty_gateway

from gatewright.cli import main

REPORTS = ("report.json", "junit.xml", "report.html")
# the faulty gateway's spec, as the spec_path fixture (tests/conftest.py)
SPEC_DOCUMENT, SPEC_ID = SPEC, "faulty"


def verify(spec_path: Path, url: str, report_dir: Path, *extra: str) -> int:
    return main(
        [
            "verify",
            "--spec",
            str(spec_path),
            "--base-url",
            url,
            "--report-dir",
            str(report_dir),
            "--max-examples",
            "5",
            "--seed",
            "3",
            "--task-timeout",
            "1",
            "--poll-interval",
            "0.02",
            "--stream-timeout",
            "1",
            *extra,
        ]
    )


@pytest.mark.slow  # a verify run of every phase
def test_clean_server_exits_zero_and_writes_reports(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with faulty_gateway() as url:
        code = verify(spec_path, url, tmp_path / "out", "--api-key", KEY)
    out, err = capsys.readouterr()
    assert code == 0, out
    for name in REPORTS:
        assert (tmp_path / "out" / name).is_file()
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["failed"] is False and data["summary"]["findings"] == 0
    assert "PASSED" in out
    assert KEY not in out + err


@pytest.mark.slow  # a verify run of every phase
def test_faulty_server_exits_one_and_never_leaks_the_key(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWRIGHT_API_KEY", KEY)  # the key comes from the environment this time
    with faulty_gateway("missing_field", "ignore_auth", "server_error") as url:
        code = verify(spec_path, url, tmp_path / "out", "--include", "items", "--phases", "examples,fuzzing")
    out, err = capsys.readouterr()
    assert code == 1
    assert KEY not in out + err
    for name in REPORTS:
        text = (tmp_path / "out" / name).read_text()
        assert KEY not in text, name
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    checks = {f["check"] for u in data["units"] for f in u["findings"]}
    assert {"response_schema_conformance", "ignored_auth", "not_a_server_error"} <= checks
    curls = [f["curl"] for u in data["units"] for f in u["findings"] if f["curl"]]
    assert curls and all(c.startswith("curl ") for c in curls)
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 3
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<details>" in html and "What the spec says" in html
    assert "<link" not in html and "src=" not in html  # self-contained


def test_bad_rate_limit_is_a_usage_error(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:  # refused while parsing, like any other bad value
        verify(spec_path, "http://127.0.0.1:9", tmp_path, "--rate-limit", "fast")
    assert exited.value.code == 2
    assert "argument --rate-limit: invalid rate limit 'fast'" in capsys.readouterr().err


def test_default_report_dir_is_reports_api(
    spec_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with faulty_gateway() as url:
        code = main(
            [
                "verify",
                "--spec",
                str(spec_path),
                "--base-url",
                url,
                "--api-key",
                KEY,
                "--max-examples",
                "2",
                "--include",
                "listModels",
                "--phases",
                "fuzzing",
            ]
        )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "reports" / "faulty").iterdir()) == sorted(REPORTS)
