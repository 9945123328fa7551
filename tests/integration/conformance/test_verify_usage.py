"""``gatewright verify`` refuses what cannot be a useful run, early and in one line (exit 2).

An empty selection, a base URL where nothing listens, invalid option values, an unwritable report
directory, a spec that is not OpenAPI; and a base URL that answers 404 to almost everything is a warning.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from gatewright.cli import main
from gatewright.testing import mock_requests, running_mock

KEY = "sk-gatewright-usage-0123456789"


def verify(*args: str) -> int:
    return main(["verify", "--max-examples", "2", "--seed", "1", *args])


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def test_include_that_matches_nothing_is_an_error_not_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_mock(["voxvey"]) as url:
        code = verify(
            "--api",
            "voxvey",
            "--base-url",
            url,
            "--include",
            "noSuchOperation",
            "--report-dir",
            str(tmp_path),
        )
    out, err = capsys.readouterr()
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and "noSuchOperation" in lines[0] and "Traceback" not in err
    assert "PASSED" not in out


def test_base_url_where_nothing_listens_stops_early(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unused_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_port}"
    started = time.monotonic()
    code = verify("--api", "voxvey", "--base-url", url, "--api-key", KEY, "--report-dir", str(tmp_path / "r"))
    out, err = capsys.readouterr()
    assert code == 2
    assert time.monotonic() - started < 15
    lines = error_lines(err)
    assert len(lines) == 1 and f"cannot connect to {url}" in lines[0]
    assert "FAIL" not in out


@pytest.mark.slow  # a verify run against a server that 404s almost everything, twice
@pytest.mark.parametrize(
    ("served", "suffix"),
    [("voxvey", "/wrong-prefix"), ("ipop", "")],  # a path prefix too many; another API's server
    ids=["wrong-base-url", "wrong-api"],
)
def test_a_base_url_answering_404_to_almost_everything_gets_a_warning(
    served: str, suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_mock([served]) as url:
        verify(
            "--api",
            "voxvey",
            "--base-url",
            f"{url}{suffix}",
            "--api-key",
            KEY,
            "--phases",
            "examples",
            "--report-dir",
            str(tmp_path),
        )
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "404" in warnings[0] and "base URL" in warnings[0]


def test_a_right_base_url_gets_no_404_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_mock(["voxvey"]) as url:
        code = verify(
            "--api",
            "voxvey",
            "--base-url",
            url,
            "--api-key",
            KEY,
            "--phases",
            "examples",
            "--report-dir",
            str(tmp_path),
        )
    out, err = capsys.readouterr()
    assert code == 0, out
    assert "404" not in err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--max-examples", "0"),
        ("--max-examples", "-1"),
        ("--request-timeout", "-1"),
        ("--request-timeout", "0"),
        ("--stream-timeout", "-3"),
        ("--task-timeout", "0"),
        ("--poll-interval", "-1"),
        ("--base-url", "not-a-url"),
        ("--base-url", "ftp://example.com"),
        ("--base-url", "http://"),
    ],
)
def test_invalid_values_are_argparse_errors(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"--base-url": "http://127.0.0.1:9", option: value}
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--api", "voxvey", *[item for pair in args.items() for item in pair]])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and option in errors[0] and repr(value) in errors[0], err
    assert "Traceback" not in err


def test_unwritable_report_dir_fails_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    with running_mock(["voxvey"]) as url:
        code = verify(
            "--api", "voxvey", "--base-url", url, "--api-key", KEY, "--report-dir", str(blocker / "reports")
        )
        sent = mock_requests(url)
    out, err = capsys.readouterr()
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and "report" in lines[0] and str(blocker / "reports") in lines[0]
    assert sent == [] and "PASS" not in out  # nothing was sent: the run never started


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("hello.json", json.dumps({"hello": 1})),
        ("paths.yaml", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: 5\n"),
        (
            "responses.json",
            json.dumps({"openapi": "3.1.0", "paths": {"/x": {"get": {"responses": {"200": 7}}}}}),
        ),
        ("swagger.json", json.dumps({"swagger": "2.0", "paths": {}})),
        ("list.json", "[1, 2]"),
    ],
)
def test_a_spec_that_is_not_openapi_is_one_line(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / name
    spec.write_text(text, encoding="utf-8")
    code = verify(
        "--spec", str(spec), "--base-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path / "r")
    )
    err = capsys.readouterr().err
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in err, err
