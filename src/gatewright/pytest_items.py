"""Pytest items for the conformance suite: one per unit, so ``-k`` selects and ``--junitxml`` reports them.

The plugin module (``gatewright.pytest_plugin``) holds only hooks; these classes and the stash keys
live here, beside it in the shell layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatewright.conformance.models import Report, UnitResult
from gatewright.conformance.options import RunOptions
from gatewright.conformance.runner import Conformance
from gatewright.conformance.units import Unit

OPTIONS_KEY = pytest.StashKey[RunOptions]()
CONFORMANCE_KEY = pytest.StashKey[Conformance]()
REPORT_KEY = pytest.StashKey[Report]()
# Under pytest-xdist: each worker sends its report (``WORKER_REPORT`` in its ``workeroutput``, JSON);
# the controller keeps them here, by worker id, and writes them joined.
WORKER_REPORT = "gatewright_report"
WORKER_REPORTS_KEY = pytest.StashKey[dict[str, Report]]()


class ConformanceFailed(Exception):
    """Raised by an item whose unit found failures; carries the result for ``repr_failure``."""

    def __init__(self, result: UnitResult) -> None:
        super().__init__(result.unit_id)
        self.result = result


SPEC_FILE_KEY = pytest.StashKey[Path]()


class GatewrightSuite(pytest.File):
    """The conformance units of one spec, collected from the spec file itself.

    Node ids are ``<spec path>::<unit id>`` (``faulty.openapi.json::lifecycle:createJob``), so
    ``pytest 'faulty.openapi.json::createItem'`` runs one unit and JUnit names are the unit ids.
    """

    def collect(self) -> list[pytest.Item]:
        conformance = self.config.stash[CONFORMANCE_KEY]
        return [GatewrightItem.from_parent(self, name=unit.unit_id, unit=unit) for unit in conformance.units]


class GatewrightItem(pytest.Item):
    def __init__(self, *, unit: Unit, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unit = unit
        self.add_marker(pytest.mark.gatewright)

    def runtest(self) -> None:
        conformance = self.config.stash[CONFORMANCE_KEY]
        report = self.config.stash.get(REPORT_KEY, None)
        result = conformance.run_unit(self.unit, into=report.units if report is not None else None)
        if result.skipped is not None and not result.failed:
            pytest.skip(result.skipped)
        if result.failed:
            raise ConformanceFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailed):
            return format_result(excinfo.value.result)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.unit.kind} {self.unit.label}"


def format_result(result: UnitResult) -> str:
    lines = [f"{result.unit_id} ({result.label}): {len(result.findings)} failed check(s)"]
    if result.error:
        lines.append(f"error: {result.error}")
    for finding in result.findings:
        status = finding.status if finding.status is not None else "no answer"
        seen = f", seen {finding.count} times" if finding.count > 1 else ""
        lines += [
            "",
            f"[{finding.check}] {finding.title} ({finding.phase}, {status}{seen})",
            finding.message.rstrip(),
        ]
        if finding.spec_pointer:
            lines.append(f"spec: {finding.spec_pointer}")
        if finding.curl:
            lines += ["reproduce:", f"    {finding.curl}"]
    return "\n".join(lines)
