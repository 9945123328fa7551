"""Progress while a run works and a short summary at the end, written to a text stream."""

from __future__ import annotations

import sys
from typing import TextIO

from gatewright.conformance.events import Event, RunFinished, RunStarted, UnitFinished
from gatewright.conformance.models import Finding

_MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "error": "ERR "}


class TerminalReporter:
    def __init__(self, stream: TextIO | None = None, verbose: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.verbose = verbose
        self._total = 0
        self._done = 0

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._total = len(event.units)
            self._write(f"gatewright verify: {event.api} at {event.base_url} ({self._total} units)")
        elif isinstance(event, UnitFinished):
            self._done += 1
            unit = event.result
            width = len(str(self._total))
            line = (
                f"[{self._done:>{width}}/{self._total}] {_MARK[unit.outcome]} {unit.unit_id}"
                f"  ({unit.label}, {unit.calls} calls, {unit.duration:.1f}s)"
            )
            if unit.skipped and not unit.failed:
                line += f"  {unit.skipped}"
            self._write(line)
            for finding in unit.findings:
                self._write(f"        {finding.check}: {_line(finding)}")
            if unit.error:
                self._write(f"        error: {unit.error}")
        elif isinstance(event, RunFinished):
            report = event.report
            counts = report.outcome_counts()
            summary = ", ".join(
                f"{counts[k]} {k}" for k in ("passed", "failed", "error", "skipped") if counts.get(k)
            )
            verdict = "INTERRUPTED" if report.interrupted else "FAILED" if report.failed else "PASSED"
            self._write(
                f"{verdict}: {summary or 'nothing ran'}; {len(report.findings)} findings "
                f"in {report.duration:.1f}s"
            )


def _line(finding: Finding) -> str:
    """``500 Server error: list index out of range (seen 3 times)``: status, title, what was said,
    how often."""
    status = f"{finding.status} " if finding.status is not None else ""
    said = f": {finding.summary}" if finding.summary != finding.title else ""
    seen = f" (seen {finding.count} times)" if finding.count > 1 else ""
    return f"{status}{finding.title}{said}{seen}"
