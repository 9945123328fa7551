"""Everything the proxy found, kept as it runs and rendered on exit by ``verify``'s renderers.

Each judged exchange folds into a ``UnitResult`` per (side, operation): gateway problems under
the operationId (``kind`` "operation"), the client's under ``client:<operationId>`` (``kind``
"client"), so a report reads like ``verify``'s and client mistakes never count against the
gateway. ``report.json``, ``junit.xml`` and ``report.html`` are written by the conformance
``ReportWriter``, the one renderer of all three. Exchanges that passed without being judged (the
judging queue was full, the judge failed on them, the proxy stopped before the upstream answered)
are a note on their operation's unit, with how many and why.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from gatewright._version import __version__
from gatewright.conformance.events import Emitter, RunFinished
from gatewright.conformance.explain import explain
from gatewright.conformance.models import Exchange, Finding, Report, UnitResult
from gatewright.conformance.redact import Redactor
from gatewright.conformance.reporting import ReportWriter
from gatewright.proxy.models import Side, Violation
from gatewright.spec import Operation, Spec

UNDOCUMENTED = "undocumented"
# Why an exchange passed without being judged, as its unit's note and the exit line say it.
QUEUE_FULL = "the judging queue was full, see --judge-queue-bytes"


def _unit_id(side: Side, operation: Operation | None) -> str:
    name = operation.operation_id if operation is not None else UNDOCUMENTED
    return f"client:{name}" if side == "client" else name


class ViolationLog:
    """Thread-safe: the judge thread adds, the server reads ``/__gatewright/violations``."""

    def __init__(self, spec: Spec, api: str, upstream: str, schemathesis_version: str) -> None:
        self.spec = spec
        self.api = api
        self.upstream = upstream
        self.schemathesis_version = schemathesis_version
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._started = time.monotonic()
        self._violations: list[Violation] = []
        self._units: dict[str, UnitResult] = {}
        self._judged = 0  # exchanges judged, for the report's header
        self._unjudged: dict[str, Counter[str]] = {}  # unit id -> why -> exchanges passed unjudged
        self._lock = threading.Lock()

    def _unit(self, side: Side, operation: Operation | None) -> UnitResult:
        unit_id = _unit_id(side, operation)
        unit = self._units.get(unit_id)
        if unit is None:
            label = operation.label if operation is not None else "requests that match no operation"
            unit = self._units[unit_id] = UnitResult(
                unit_id=unit_id,
                kind="client" if side == "client" else "operation",
                operation=operation.operation_id if operation is not None else "-",
                label=label,
            )
        return unit

    def add(
        self,
        operation: Operation | None,
        ran: dict[Side, list[str]],
        violations: list[Violation],
        exchange: Exchange,
    ) -> None:
        """Fold one judged exchange in: the checks it ran and what it broke."""
        with self._lock:
            self._judged += 1
            for side, checks in ran.items():
                if not checks and not any(v.side == side for v in violations):
                    continue
                unit = self._unit(side, operation)
                unit.calls += 1
                for check in checks:
                    unit.ran(check)
            for violation in violations:
                self._violations.append(violation)
                unit = self._unit(violation.side, operation)
                pointer, says = (
                    explain(self.spec, operation, violation.check, violation.status)
                    if operation is not None
                    else ("", "")
                )
                unit.add(
                    Finding(
                        operation=unit.operation,
                        label=unit.label,
                        check=violation.check,
                        title=violation.title,
                        message=violation.detail or violation.message,
                        phase=violation.side,
                        spec_pointer=pointer,
                        spec_says=says,
                        exchange=exchange,
                    )
                )

    def not_judged(self, operation: Operation | None, why: str = QUEUE_FULL) -> int:
        """One more exchange of ``operation`` passed without being judged, for ``why``; how many have
        for that reason in all."""
        with self._lock:
            unit_id = self._unit("gateway", operation).unit_id
            self._unjudged.setdefault(unit_id, Counter())[why] += 1
            return sum(reasons[why] for reasons in self._unjudged.values())

    @property
    def unjudged(self) -> int:
        """How many exchanges passed without being judged."""
        with self._lock:
            return sum(reasons.total() for reasons in self._unjudged.values())

    def unjudged_reasons(self) -> Counter[str]:
        """How many exchanges passed without being judged, by why."""
        with self._lock:
            return sum(self._unjudged.values(), Counter())

    def distinct(self) -> int:
        """How many findings the reports list: the violations, each distinct failure once."""
        with self._lock:
            return sum(len(unit.findings) for unit in self._units.values())

    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    def _noted(self, unit: UnitResult) -> UnitResult:
        reasons = self._unjudged.get(unit.unit_id)
        if not reasons:
            return unit
        notes = [f"{count} exchange(s) not judged: {why}" for why, count in reasons.items()]
        return dataclasses.replace(unit, notes=[*unit.notes, *notes])

    def report(self) -> Report:
        with self._lock:
            units = sorted(
                (self._noted(unit) for unit in self._units.values()),
                key=lambda u: (u.kind != "operation", u.unit_id),
            )
            return Report(
                api=self.api,
                base_url=self.upstream,
                started_at=self.started_at,
                settings={
                    "exchanges judged": self._judged,
                    "exchanges not judged": sum(r.total() for r in self._unjudged.values()),
                },
                units=units,
                duration=round(time.monotonic() - self._started, 3),
                gatewright_version=__version__,
                schemathesis_version=self.schemathesis_version,
                tool="proxy",
            )

    def write(self, directory: Path) -> list[Path]:
        """``report.json``, ``junit.xml`` and ``report.html`` in ``directory``; their paths."""
        writer = ReportWriter(directory, Redactor())  # findings were scrubbed as they came
        Emitter([writer]).emit(RunFinished(self.report()))
        return writer.written
