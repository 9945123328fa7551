"""``verify --diff``: findings compared with an earlier report.json by (operation, check, title)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewright.conformance.diff import diff_reports, load_findings
from gatewright.conformance.models import Finding, Report, UnitResult


def _finding(operation: str, check: str, title: str, message: str = "m") -> Finding:
    return Finding(
        operation=operation,
        label=f"POST /{operation}",
        check=check,
        title=title,
        message=message,
        phase="compatibility",
        spec_pointer="",
        spec_says="",
    )


def _report(*findings: Finding) -> Report:
    report = Report(api="x", base_url="http://127.0.0.1", started_at="now")
    unit = UnitResult(unit_id="u", kind="operation", operation="op", label="op")
    unit.findings.extend(findings)
    report.units.append(unit)
    return report


def test_new_fixed_and_still_failing_are_told_apart(tmp_path: Path) -> None:
    old = tmp_path / "report.json"
    old.write_text(json.dumps(_report(_finding("a", "c1", "t1"), _finding("b", "c2", "t2")).to_dict()))
    now = _report(_finding("a", "c1", "t1", message="another run's message"), _finding("c", "c3", "t3"))
    changes = diff_reports(load_findings(old), now)
    assert changes.new == (("c", "c3", "t3"),)
    assert changes.fixed == (("b", "c2", "t2"),)
    assert changes.still == (("a", "c1", "t1"),)
    assert changes.lines()[0] == "since the earlier report: 1 new, 1 fixed, 1 still failing"


@pytest.mark.parametrize("content", ["not json", '{"hello": 1}'])
def test_a_file_that_is_not_a_report_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=r"report\.json"):
        load_findings(path)


def test_verify_diff_fails_only_on_regressions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the CLI, against the mock with a planted fault: the same fault again is no regression."""
    from gatewright.cli import main
    from gatewright.mock import create_app
    from gatewright.testing import serve_app

    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "when": {"operation": "createChatCompletion", "body": {"/max_tokens": 1}},
                        "then": {"text": "an answer that ignores the token limit"},
                    }
                ]
            }
        )
    )

    def verify(url: str, out: str, *extra: str) -> int:
        arguments = [
            "verify",
            "--api",
            "empiriolabs",
            "--base-url",
            url,
            "--api-key",
            "sk-diff-test-123",
            "--seed",
            "1",
        ]
        arguments += ["--phases", "compatibility", "--include", "createChatCompletion", "--report-dir", out]
        return main([*arguments, *extra])

    with serve_app(create_app(["empiriolabs"], seed=1, access_log=False, rules=[rules])) as url:
        assert verify(url, str(tmp_path / "first")) == 1
        baseline = str(tmp_path / "first" / "report.json")
        assert verify(url, str(tmp_path / "again"), "--diff", baseline) == 0
    assert "0 new, 0 fixed, 1 still failing" in capsys.readouterr().out
    with serve_app(create_app(["empiriolabs"], seed=1, access_log=False)) as url:
        assert verify(url, str(tmp_path / "fixed"), "--diff", baseline) == 0
    assert "fixed: createChatCompletion compat_token_limit" in capsys.readouterr().out
