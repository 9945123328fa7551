"""Conformance: check a live gateway against a canonical spec (schemathesis plus task and stream checks).

``run_conformance(RunOptions(...))`` is the library call; ``gatewright verify`` (``gatewright.verify``)
and the pytest plugin are thin shells over ``Conformance``, whose units they run. ``main`` is
``gatewright.verify.main``, kept here for callers that imported it from this package.
"""

from __future__ import annotations

from typing import Any

from gatewright.conformance.events import (
    Event,
    EventHandler,
    FindingReported,
    RunFinished,
    RunStarted,
    UnitFinished,
    UnitStarted,
)
from gatewright.conformance.models import Exchange, Finding, Report, UnitResult
from gatewright.conformance.options import PHASES, RunOptions, parse_rate_limit
from gatewright.conformance.redact import REDACTED, Redactor
from gatewright.conformance.reporting import ReportWriter, TerminalReporter
from gatewright.conformance.runner import Conformance, run_conformance
from gatewright.conformance.units import Unit

__all__ = [
    "PHASES",
    "REDACTED",
    "Conformance",
    "Event",
    "EventHandler",
    "Exchange",
    "Finding",
    "FindingReported",
    "Redactor",
    "Report",
    "ReportWriter",
    "RunFinished",
    "RunOptions",
    "RunStarted",
    "TerminalReporter",
    "Unit",
    "UnitFinished",
    "UnitResult",
    "UnitStarted",
    "main",
    "parse_rate_limit",
    "run_conformance",
]


def __getattr__(name: str) -> Any:
    if name == "main":  # the shell sits above this layer: loaded only when asked for
        from gatewright.verify import main  # noqa: PLC0415 - the shell imports this layer

        return main
    raise AttributeError(f"module 'gatewright.conformance' has no attribute {name!r}")
