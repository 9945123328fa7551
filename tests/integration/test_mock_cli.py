"""``gatewright mock`` refuses what it cannot serve with one clear line and exit 2, never a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test starts `gatewright mock` in a subprocess

TIMEOUT = 60


def _mock(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "gatewright", "mock", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _one_line_usage_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line (after argparse's usage block, when argparse refused the value)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("gatewright mock: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    if not lines[0].startswith("usage:"):
        assert len(lines) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--port", "70000"], "'70000' is not a port number"),
        (["--port", "-1"], "'-1' is not a port number"),
        (["--port", "http"], "'http' is not a port number"),
        (["--task-duration", "-5"], "'-5' is not a non-negative number"),
        (["--task-duration", "nan"], "'nan' is not a non-negative number"),
        (["--task-polls", "0"], "'0' is not a positive integer"),
        (["--task-retention", "-1"], "'-1' is not a non-negative number"),
        (["--read-timeout", "-1"], "'-1' is not a non-negative number"),
    ],
)
def test_invalid_option_values_are_one_line(arguments: list[str], says: str) -> None:
    line = _one_line_usage_error(_mock("--api", "voxvey", *arguments))
    assert says in line, line


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _mock("--api", "voxvey", "--port", str(port))
    line = _one_line_usage_error(result)
    assert line == f"gatewright mock: error: cannot listen on 127.0.0.1:{port}: Address already in use", line


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("hello.json", json.dumps({"hello": 1}), "not an OpenAPI document"),
        ("list.json", "[1, 2]", "not an OpenAPI document"),
        ("broken.json", '{"openapi": "3.1.0",\n "paths": {,}}', "invalid JSON"),
        ("hello.yaml", "hello: 1\n", "not an OpenAPI document"),
        ("page.md", "# My gateway\n\nNo spec here.\n", "no '## openapi.yaml' heading"),
        ("missing.json", None, "file not found"),
    ],
)
def test_a_spec_that_is_not_openapi_is_refused_like_normalize_does(
    tmp_path: Path, name: str, content: str | None, says: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    line = _one_line_usage_error(_mock("--spec", str(path), "--port", "0"))
    assert str(path) in line and says in line, line
