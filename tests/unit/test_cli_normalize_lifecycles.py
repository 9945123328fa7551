"""`gatewright normalize` and the lifecycle files: a missing one is reported, a broken one refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewright.cli import main

pytestmark = pytest.mark.slow  # each test normalizes all five sources


def run(workspace: Path, *extra: str) -> int:
    return main(
        ["normalize", "--sources", str(workspace / "sources"), "--out", str(workspace / "out"), *extra]
    )


def test_a_missing_lifecycle_file_is_reported_and_that_api_declares_no_tasks(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "sources" / "beatra.lifecycles.yaml").unlink()
    assert run(workspace) == 0
    out = capsys.readouterr().out
    assert "beatra: no lifecycle file beside beatra.yaml (beatra.lifecycles.yaml): no tasks declared" in out
    assert out.count("no lifecycle file") == 1
    beatra = (workspace / "out" / "beatra.openapi.json").read_text(encoding="utf-8")
    assert "x-gatewright-task" not in beatra
    assert "x-gatewright-task" in (workspace / "out" / "ipop.openapi.json").read_text(encoding="utf-8")


def test_a_malformed_lifecycle_file_is_one_clear_line_and_nothing_is_written(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace / "sources" / "ipop.lifecycles.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("      cancelled: [cancelled]\n", "", 1))
    assert run(workspace) == 2
    err = capsys.readouterr().err
    assert err.startswith("gatewright normalize: error: ")
    assert (
        str(path) in err and "(/lifecycles/0/states)" in err and "'cancelled' is a required property" in err
    )
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (workspace / "out").exists()
