"""``gatewright normalize`` as a user runs it: rebuild, check, and clear errors on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewright.cli import main

pytestmark = pytest.mark.slow  # each test normalizes all five sources


def run(workspace: Path, *extra: str) -> int:
    return main(
        ["normalize", "--sources", str(workspace / "sources"), "--out", str(workspace / "out"), *extra]
    )


def test_normalize_writes_all_five_specs_and_check_then_passes(workspace: Path) -> None:
    assert run(workspace) == 0
    assert len(list((workspace / "out").glob("*.openapi.json"))) == 5
    assert run(workspace, "--check") == 0


def test_check_fails_when_a_canonical_file_is_stale(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(workspace) == 0
    spec = workspace / "out" / "beatra.openapi.json"
    spec.write_text(spec.read_text().replace("3.1.0", "3.1.1", 1))
    assert run(workspace, "--check") == 1
    assert "beatra.openapi.json" in capsys.readouterr().err


def test_invalid_json_source_names_file_and_line_and_writes_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "sources" / "ipop.json").write_text('{\n  "openapi": "3.1.0",\n  "paths": {,}\n}\n')
    assert run(workspace) == 2
    err = capsys.readouterr().err
    assert "ipop.json:3" in err and "invalid JSON" in err and "Traceback" not in err
    assert not (workspace / "out").exists()


def test_markdown_without_openapi_block_is_a_clear_error(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "sources" / "empiriolabs.md").write_text("# Docs\n\nNo spec here.\n")
    assert run(workspace) == 2
    assert "empiriolabs.md" in capsys.readouterr().err


def test_external_refs_are_refused(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "sources" / "beatra.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n"
        "      responses:\n        '200': {$ref: '../other.yaml#/r'}\n"
    )
    assert run(workspace) == 2
    assert "leaves the document's folder" in capsys.readouterr().err


def test_missing_sources_directory_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["normalize", "--sources", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    assert "sources directory not found" in capsys.readouterr().err
