"""Report handlers: each turns run events into one output (terminal, JSON, JUnit XML, HTML)."""

from __future__ import annotations

from pathlib import Path

from gatewright.conformance.events import Event, RunFinished
from gatewright.conformance.redact import Redactor
from gatewright.conformance.reporting.html import render_html
from gatewright.conformance.reporting.json_report import render_json
from gatewright.conformance.reporting.junit import render_junit
from gatewright.conformance.reporting.terminal import TerminalReporter

__all__ = ["ReportWriter", "TerminalReporter", "render_html", "render_json", "render_junit"]

REPORT_FILES = ("report.json", "junit.xml", "report.html")


class ReportWriter:
    """Writes ``report.json``, ``junit.xml`` and ``report.html`` when the run finishes.

    Every file passes through the redactor once more before it touches disk, so
    the key cannot leak even through a message a server echoed back.
    """

    def __init__(self, directory: Path, redactor: Redactor) -> None:
        self.directory = directory
        self.redactor = redactor
        self.written: list[Path] = []

    def handle(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, render in (
            ("report.json", render_json),
            ("junit.xml", render_junit),
            ("report.html", render_html),
        ):
            path = self.directory / name
            path.write_text(self.redactor.text(render(event.report)), encoding="utf-8")
            self.written.append(path)
