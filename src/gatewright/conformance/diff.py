"""What changed since an earlier run: ``gatewright verify --diff OLD/report.json``.

Findings are compared by (operation, check, title), the parts that stay the same from one
run to the next while messages may carry run-specific values. A CI job that passes
``--diff`` fails only on new findings (regressions), and says which old ones are fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewright.conformance.models import Report

__all__ = ["ReportDiff", "diff_reports", "load_findings"]

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class ReportDiff:
    new: tuple[Key, ...]
    fixed: tuple[Key, ...]
    still: tuple[Key, ...]

    def lines(self) -> list[str]:
        counts = f"{len(self.new)} new, {len(self.fixed)} fixed, {len(self.still)} still failing"
        out = [f"since the earlier report: {counts}"]
        out += [f"  new:   {op} {check}: {title}" for op, check, title in self.new]
        out += [f"  fixed: {op} {check}: {title}" for op, check, title in self.fixed]
        return out


def load_findings(path: Path) -> set[Key]:
    """The finding keys of a ``report.json``; ``ValueError`` saying why when it is not one."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON (line {exc.lineno})") from None
    units = data.get("units") if isinstance(data, dict) else None
    if not isinstance(units, list):
        raise ValueError(f"{path} is not a gatewright report.json (no units)")
    keys: set[Key] = set()
    for unit in units:
        for finding in unit.get("findings") or [] if isinstance(unit, dict) else []:
            if isinstance(finding, dict):
                keys.add(
                    (str(finding.get("operation")), str(finding.get("check")), str(finding.get("title")))
                )
    return keys


def diff_reports(old: set[Key], report: Report) -> ReportDiff:
    now = {(f.operation, f.check, f.title) for unit in report.units for f in unit.findings}
    return ReportDiff(
        new=tuple(sorted(now - old)), fixed=tuple(sorted(old - now)), still=tuple(sorted(now & old))
    )
