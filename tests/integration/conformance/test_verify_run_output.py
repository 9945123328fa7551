"""What ``gatewright verify`` prints while it runs, and what it leaves when it is stopped.

A passing run prints no Hypothesis "reproduce this failure" lines; Ctrl-C writes the three reports
with what was found so far, marked interrupted, and exits 130.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from gatewright.cli import main
from gatewright.conformance import Conformance, RunOptions
from gatewright.conformance.events import Event, UnitFinished
from gatewright.testing import running_mock

pytestmark = pytest.mark.slow  # verify in a subprocess, interrupted with Ctrl-C

KEY = "sk-gatewright-output-0123456789"


def test_a_passing_run_prints_no_hypothesis_seed_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No negative case can be made for an operation without parameters: Hypothesis gives up
    # (Unsatisfiable), which it used to announce as a failure to reproduce, on a passing unit.
    with running_mock(["beatra"], seed=1) as url:
        code = main(
            [
                "verify",
                "--api",
                "beatra",
                "--base-url",
                url,
                "--api-key",
                KEY,
                "--max-examples",
                "2",
                "--include",
                "list_capabilities_v1_catalog_capabilities_get",
                "--phases",
                "fuzzing",
                "--report-dir",
                str(tmp_path),
            ]
        )
    out, err = capsys.readouterr()
    assert code == 0, out
    assert "PASS list_capabilities" in out
    assert "@seed(" not in out + err and "reproduce this failure" not in out + err


# ``gatewright`` as a user's terminal runs it: a child of a background job (CI, ``cmd &``) inherits
# SIGINT ignored, and Ctrl-C must reach the command here whoever started the test run.
RUN_WITH_CTRL_C = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from gatewright.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize("phases", ["examples,fuzzing", "examples,fuzzing,lifecycle"])
def test_ctrl_c_writes_partial_reports_marked_interrupted(tmp_path: Path, phases: str) -> None:
    """With lifecycles, Ctrl-C also comes while they poll on their threads: those stop too."""
    report_dir = tmp_path / "reports"
    with (
        running_mock(["voxvey"], seed=1) as url,
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RUN_WITH_CTRL_C,
                "verify",
                "--api",
                "voxvey",
                "--base-url",
                url,
                "--api-key",
                KEY,
                "--max-examples",
                "50",
                "--phases",
                phases,
                "--report-dir",
                str(report_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        ) as process,
    ):
        assert process.stdout is not None
        seen: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until two units have finished
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith(("[ 2/", "[2/")):
                break
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    out = "".join(seen) + out
    assert process.returncode == 130, out + err
    assert "interrupted" in err and str(report_dir) in err
    assert "Traceback" not in err
    data = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert data["interrupted"] is True
    assert len(data["units"]) >= 2  # what finished, and the unit that was running
    assert data["units"][0]["outcome"] == "passed"
    suite = ET.parse(report_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties.get("interrupted") == "true"
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "INTERRUPTED" in html
    assert KEY not in out + err


def test_ctrl_c_landing_in_a_gc_callback_still_stops_the_run() -> None:
    """Hypothesis keeps a garbage-collector callback, and a ``KeyboardInterrupt`` raised inside one
    is printed and dropped by Python: a Ctrl-C arriving there once let the run go on to the end
    (exit 1, not 130). Here it is made to arrive there, after the second unit."""
    armed = False

    def callback(phase: str, info: dict[str, int]) -> None:
        nonlocal armed
        if armed and phase == "start":
            armed = False
            signal.raise_signal(signal.SIGINT)
            for _ in range(100):  # the Python-level handler runs here, inside the callback
                pass

    class CtrlCAfterTwoUnits:
        finished = 0

        def handle(self, event: Event) -> None:
            nonlocal armed
            if isinstance(event, UnitFinished):
                self.finished += 1
                if self.finished == 2:
                    armed = True
                    gc.collect()

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    gc.callbacks.append(callback)
    try:
        with running_mock(["voxvey"], seed=1) as url:
            options = RunOptions(base_url=url, api="voxvey", api_key=KEY, max_examples=5, seed=1)
            conformance = Conformance(options, [CtrlCAfterTwoUnits()])
            report = conformance.run()
    finally:
        gc.callbacks.remove(callback)
        signal.signal(signal.SIGINT, previous)
    assert not armed, "the callback never ran"
    assert report.interrupted
    assert 2 <= len(report.units) < len(conformance.units) / 2
