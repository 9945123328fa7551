"""``gatewright proxy`` as a user runs it: a process that serves until SIGTERM, then writes the
three reports; ``--fail-on-violation`` sets the exit status; bad arguments are one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from proxy_process import ProxyProcess

from gatewright.cli import main

pytestmark = pytest.mark.slow  # `gatewright proxy` processes served until SIGTERM

KEY = "sk-cli-SECRET-0123456789abcdef"
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["voxvey"], "seed": 0}
REPORTS = ("report.json", "junit.xml", "report.html")


def test_sigterm_writes_the_three_reports_and_a_clean_run_exits_zero(mock_url: str, tmp_path: Path) -> None:
    proxy = ProxyProcess(
        "--api", "voxvey", "--upstream", mock_url, "--report-dir", str(tmp_path), "--fail-on-violation"
    )
    auth = {"Authorization": f"Bearer {KEY}"}
    models = requests.get(f"{proxy.url}/v1/models", headers=auth, timeout=10)
    direct = requests.get(f"{mock_url}/v1/models", headers=auth, timeout=10)
    assert models.status_code == 200 and models.json() == direct.json()  # the upstream's list, as it is
    code, err = proxy.stop()
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(REPORTS)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["failed"] is False and report["api"] == "voxvey" and report["tool"] == "proxy"
    assert any(u["unit_id"] == "listModels" and u["calls"] == 1 for u in report["units"]), report["units"]
    assert "<h1>gatewright proxy — voxvey</h1>" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Traceback" not in err
    for name in REPORTS:
        assert KEY not in (tmp_path / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("flag", "expected"), [(("--fail-on-violation",), 1), ((), 0)])
def test_fail_on_violation_sets_the_exit_status(
    mock_url: str, tmp_path: Path, flag: tuple[str, ...], expected: int
) -> None:
    proxy = ProxyProcess("--api", "voxvey", "--upstream", mock_url, "--report-dir", str(tmp_path), *flag)
    answer = requests.get(
        f"{proxy.url}/v1/no-such-thing", headers={"Authorization": f"Bearer {KEY}"}, timeout=10
    )
    assert answer.status_code == 404  # the mock's answer, forwarded
    code, err = proxy.stop()
    assert code == expected, err
    assert "[client] - request_documented" in err  # the live line
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["failed"] is True
    assert KEY not in err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip() and not line.startswith(("usage:", " "))]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--api", "voxvey"], "--upstream"),
        (["--upstream", "http://127.0.0.1:9"], "--api"),
        (["--api", "voxvey", "--upstream", "ftp://example"], "http:// or https://"),
        (["--api", "nope", "--upstream", "http://127.0.0.1:9"], "invalid choice"),
        (["--api", "voxvey", "--upstream", "http://127.0.0.1:9", "--port", "70000"], "port number"),
        (["--spec", "no/such/spec.json", "--upstream", "http://127.0.0.1:9"], "file not found"),
    ],
)
def test_bad_arguments_are_one_error_line(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["proxy", "--report-dir", str(tmp_path), *args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and lines[0].startswith("gatewright proxy: error:") and words in lines[0], err
    assert "Traceback" not in err


def test_a_port_in_use_is_one_error_line(
    mock_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = mock_url.rsplit(":", 1)[1]
    code = main(
        ["proxy", "--api", "voxvey", "--upstream", mock_url, "--port", port, "--report-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert error_lines(err) == [
        f"gatewright proxy: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
