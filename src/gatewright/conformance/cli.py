"""``gatewright verify``: argparse Namespace in, RunOptions out, exit code back. No logic lives here."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gatewright.conformance.options import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TASK_TIMEOUT,
    PHASES,
    RunOptions,
    parse_rate_limit,
)
from gatewright.conformance.reporting import TerminalReporter
from gatewright.conformance.runner import run_conformance

API_KEY_ENV = "GATEWRIGHT_API_KEY"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def options_from_args(args: argparse.Namespace) -> RunOptions:
    api = getattr(args, "api", None)
    spec = getattr(args, "spec", None)
    name = api or (Path(spec).stem.split(".")[0] if spec else "api")
    rate = getattr(args, "rate_limit", None)
    phases = getattr(args, "phases", None)
    return RunOptions(
        base_url=args.base_url,
        api=api,
        spec_path=Path(spec) if spec else None,
        api_key=getattr(args, "api_key", None) or os.environ.get(API_KEY_ENV) or None,
        report_dir=getattr(args, "report_dir", None) or Path("reports") / name,
        max_examples=getattr(args, "max_examples", 25),
        seed=getattr(args, "seed", None),
        include=tuple(getattr(args, "include", None) or ()),
        exclude=tuple(getattr(args, "exclude", None) or ()),
        read_only=bool(getattr(args, "read_only", False)),
        rate_limit=parse_rate_limit(rate) if rate else None,
        request_timeout=getattr(args, "request_timeout", None) or 10.0,
        poll_interval=getattr(args, "poll_interval", None) or DEFAULT_POLL_INTERVAL,
        task_timeout=getattr(args, "task_timeout", None) or DEFAULT_TASK_TIMEOUT,
        stream_timeout=getattr(args, "stream_timeout", None) or 15.0,
        phases=tuple(phases.split(",")) if phases else PHASES,
    )


def main(args: argparse.Namespace) -> int:
    """Run ``verify`` from parsed arguments; 0 only when no check failed."""
    try:
        options = options_from_args(args)
    except ValueError as exc:
        sys.stderr.write(f"gatewright verify: error: {exc}\n")
        return EXIT_USAGE
    report = run_conformance(options, [TerminalReporter(sys.stdout)])
    assert options.report_dir is not None
    sys.stdout.write(f"reports written to {options.report_dir}/ (report.json, junit.xml, report.html)\n")
    return EXIT_FAILED if report.failed else EXIT_OK
