"""Report handlers: each turns run events into one output (terminal, JSON, JUnit XML, HTML)."""

from __future__ import annotations

from pathlib import Path

from gatewright.conformance.events import Event, RunFinished
from gatewright.conformance.models import Report
from gatewright.conformance.redact import Redactor
from gatewright.conformance.reporting.html import render_html
from gatewright.conformance.reporting.json_report import render_json
from gatewright.conformance.reporting.junit import render_junit
from gatewright.conformance.reporting.terminal import TerminalReporter

__all__ = ["ReportWriter", "TerminalReporter", "render_html", "render_json", "render_junit"]

REPORT_FILES = ("report.json", "junit.xml", "report.html")


class ReportWriter:
    """Writes ``report.json``, ``junit.xml`` and ``report.html`` when the run finishes.

    The report's values pass through the redactor once more before they are rendered, so the key
    cannot leak even through a message a server echoed back, and no key can break the files' syntax.
    """

    def __init__(self, directory: Path, redactor: Redactor) -> None:
        self.directory = directory
        self.redactor = redactor
        self.written: list[Path] = []

    def handle(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.write(event.report)

    def write(self, report: Report) -> None:
        """The three files for ``report`` (a run's, or shards merged: ``reporting.merge``)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        report = self.redactor.model(report)  # values redacted, then rendered: never the text
        for name, render in (
            ("report.json", render_json),
            ("junit.xml", render_junit),
            ("report.html", render_html),
        ):
            path = self.directory / name
            path.write_text(render(report), encoding="utf-8")
            self.written.append(path)
