"""``gatewright verify``: parsed arguments in, ``RunOptions`` out, exit code back. No logic lives here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gatewright.conformance.diff import diff_reports, load_findings
from gatewright.conformance.events import EventHandler
from gatewright.conformance.options import RunOptions
from gatewright.conformance.preflight import (
    PreflightError,
    check_reachable,
    check_report_dir,
    check_selection,
    not_found_warning,
)
from gatewright.conformance.reporting import ReportWriter, TerminalReporter
from gatewright.conformance.runner import Conformance
from gatewright.spec import SpecError
from gatewright.verify_options import run_options

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130


def options_from_args(args: argparse.Namespace) -> RunOptions:
    """The run ``gatewright verify`` asks for; reports go to ``reports/<api>/`` unless told otherwise."""
    options = run_options(vars(args))
    options.report_dir = options.default_report_dir()
    return options


def _prepared(options: RunOptions, handlers: list[EventHandler]) -> Conformance:
    """A run that can be useful: units selected, reports writable, the server there (else one line)."""
    assert options.report_dir is not None
    try:
        conformance = Conformance(options, handlers)
    except SpecError as exc:  # name the file when the error could not (schemathesis refusing it)
        if exc.source or options.spec_path is None:
            raise
        raise SpecError(exc.message, source=str(options.spec_path), pointer=exc.pointer) from None
    check_selection(conformance.planned, options.include, options.exclude, options.name)
    check_report_dir(options.report_dir)
    check_reachable(options.base_url, conformance.redactor.url(options.base_url), options.request_timeout)
    conformance.emitter.add(ReportWriter(options.report_dir, conformance.redactor))
    return conformance


def main(args: argparse.Namespace) -> int:
    """Run ``verify`` from parsed arguments; 0 only when no check failed."""
    try:
        options = options_from_args(args)
    except ValueError as exc:
        sys.stderr.write(f"gatewright verify: error: {exc}\n")
        return EXIT_USAGE
    baseline = getattr(args, "diff", None)
    try:
        earlier = load_findings(Path(baseline)) if baseline else None
    except ValueError as exc:
        sys.stderr.write(f"gatewright verify: error: --diff: {exc}\n")
        return EXIT_USAGE
    try:
        conformance = _prepared(options, [TerminalReporter(sys.stdout)])
    except PreflightError as exc:
        sys.stderr.write(f"gatewright verify: error: {exc}\n")
        return EXIT_USAGE
    report = conformance.run()
    assert options.report_dir is not None
    if report.interrupted:
        sys.stderr.write(
            f"gatewright verify: interrupted; partial reports written to {options.report_dir}/\n"
        )
        return EXIT_INTERRUPTED
    sys.stdout.write(f"reports written to {options.report_dir}/ (report.json, junit.xml, report.html)\n")
    warning = not_found_warning(conformance.adapter.statuses, report.base_url, options.name)
    if warning:
        sys.stderr.write(f"gatewright verify: warning: {warning}\n")
    if earlier is not None:
        changes = diff_reports(earlier, report)
        sys.stdout.write("\n".join(changes.lines()) + "\n")
        return EXIT_FAILED if changes.new or any(u.error for u in report.units) else EXIT_OK
    return EXIT_FAILED if report.failed else EXIT_OK
