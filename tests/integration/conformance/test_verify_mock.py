"""``gatewright verify`` against the project's own mock: no false positives, three reports, key nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewright.cli import main
from gatewright.testing import add_rules, running_mock

pytestmark = pytest.mark.slow  # a whole verify run per API against the mock

KEY = "sk-gatewright-verify-mock-0123456789"
REPORTS = ("report.json", "junit.xml", "report.html")


@pytest.mark.parametrize("api", ["beatra"])
def test_verify_passes_against_the_mock(api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report_dir = tmp_path / api
    with running_mock([api], seed=1) as url:
        code = main(
            [
                "verify",
                "--api",
                api,
                "--base-url",
                url,
                "--api-key",
                KEY,
                "--max-examples",
                "3",
                "--seed",
                "1",
                "--report-dir",
                str(report_dir),
            ]
        )
    out = capsys.readouterr().out
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    findings = [
        f"{u['unit_id']}: {f['check']}: {f['message']}" for u in report["units"] for f in u["findings"]
    ]
    assert code == 0, "\n".join(findings) or out
    kinds = {"operation", "lifecycle", "stream", "compatibility", "stateful"}
    assert {u["kind"] for u in report["units"]} == kinds
    assert all(u["outcome"] == "passed" for u in report["units"])
    for name in REPORTS:
        assert KEY not in (report_dir / name).read_text(encoding="utf-8"), name
    assert KEY not in out


def test_an_attach_answering_404_over_a_store_and_file_verify_made_is_a_finding(tmp_path: Path) -> None:
    """A generated attach named a vector store and a file nobody made, and ipop's documented 404 skipped
    the lifecycle. verify now makes both first (``made_parents``, ``made_files``), so nothing the attach
    names is missing: a 404 then is the gateway's, a finding, not a reason to skip."""
    with running_mock(["ipop"], seed=1) as url:
        rule = {"when": {"operation": "postVectorStoresByVectorStoreIdFiles"}, "then": {"status": 404}}
        add_rules(url, {"rules": [rule]})
        code = main(
            [
                "verify", "--api", "ipop", "--base-url", url, "--api-key", KEY, "--max-examples", "1",
                "--seed", "1", "--phases", "lifecycle", "--include", "postVectorStoresByVectorStoreIdFiles",
                "--report-dir", str(tmp_path),
            ]
        )  # fmt: skip
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    (unit,) = [u for u in report["units"] if u["kind"] == "lifecycle"]
    assert code == 1 and unit["outcome"] == "failed" and unit["skipped"] is None
    assert [(f["check"], f["status"]) for f in unit["findings"]] == [("task_created", 404)]
