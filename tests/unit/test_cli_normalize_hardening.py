"""``gatewright normalize`` against hostile input and a hostile filesystem: one line, exit 2, quickly.

A YAML alias bomb, recursive aliases, JSON nested 100,000 deep, an ``--out`` that cannot be written;
and the files it writes get the permissions the user's umask gives, like any other file they create.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatewright.cli import main

pytestmark = pytest.mark.slow  # normalize of all five sources, and subprocesses fed hostile input

# 1 KB of YAML whose aliases expand to 9**9 (about 387 million) strings.
ALIAS_BOMB = (
    "openapi: 3.1.0\ninfo: {title: bomb, version: '1'}\npaths: {}\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{','.join(['*' + previous] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "x-bomb: *i\n"
)


def normalize_subprocess(
    workspace: Path, *extra: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real command in a child process, so a hang is a bounded failure and not a stuck suite."""
    return subprocess.run(
        [sys.executable, "-m", "gatewright", "normalize", "--sources", str(workspace / "sources"), *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_yaml_alias_bomb_is_refused_in_one_line(workspace: Path) -> None:
    assert len(ALIAS_BOMB) < 1100
    (workspace / "sources" / "beatra.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    started = time.monotonic()
    result = normalize_subprocess(workspace, "--out", str(workspace / "out"))
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "beatra.yaml" in line and "alias" in line
    assert not (workspace / "out").exists()


def test_recursive_yaml_aliases_are_refused(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "sources" / "beatra.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-loop: &loop [1, *loop]\n",
        encoding="utf-8",
    )
    assert main(["normalize", "--sources", str(workspace / "sources"), "--out", str(workspace / "out")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "beatra.yaml" in line and "recursive" in line


def test_a_few_aliases_still_load(workspace: Path) -> None:
    """Anchors and aliases within reason (a shared schema, merge keys) are ordinary YAML."""
    from gatewright.spec.loader import parse_yaml

    document = parse_yaml("base: &b {type: string}\nmore: {<<: *b, maxLength: 3}\nsame: *b\n", "x.yaml")
    assert document == {
        "base": {"type": "string"},
        "more": {"type": "string", "maxLength": 3},
        "same": {"type": "string"},
    }


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_json_is_refused_in_one_line(
    workspace: Path, depth: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "sources" / "ipop.json").write_text(
        '{"openapi": "3.1.0", "paths": {}, "x-deep": ' + "[" * depth + "]" * depth + "}", encoding="utf-8"
    )
    assert main(["normalize", "--sources", str(workspace / "sources"), "--out", str(workspace / "out")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "ipop.json" in line and "deep" in line


@pytest.mark.parametrize("blocker", ["out-is-a-file", "parent-is-a-file"])
def test_an_unwritable_out_is_one_line(
    workspace: Path, blocker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = workspace / "a-file"
    a_file.write_text("in the way\n", encoding="utf-8")
    out = a_file if blocker == "out-is-a-file" else a_file / "canonical"
    assert main(["normalize", "--sources", str(workspace / "sources"), "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "cannot write" in line and str(out) in line


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_written_files_follow_the_umask(workspace: Path) -> None:
    out = workspace / "out"
    assert main(["normalize", "--sources", str(workspace / "sources"), "--out", str(out)]) == 0
    written = sorted(out.iterdir())
    assert len(written) == 10
    assert {oct(path.stat().st_mode & 0o777) for path in written} == {oct(0o644)}
    assert not [path for path in out.iterdir() if path.name.startswith(".")]  # no temporary file left


def test_a_stricter_umask_is_respected(workspace: Path) -> None:
    previous = os.umask(0o077)
    try:
        assert (
            main(["normalize", "--sources", str(workspace / "sources"), "--out", str(workspace / "out")]) == 0
        )
    finally:
        os.umask(previous)
    assert {path.stat().st_mode & 0o777 for path in (workspace / "out").iterdir()} == {0o600}
