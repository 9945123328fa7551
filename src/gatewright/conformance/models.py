"""The result of a conformance run as plain values: what every report handler renders."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Exchange:
    """One request and what came back, already redacted and truncated for reports."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    elapsed_ms: float | None = None


@dataclass(slots=True)
class Finding:
    """A failed check, with where (operation, JSON pointer into the spec) and why."""

    operation: str
    label: str
    check: str
    title: str
    message: str
    phase: str
    spec_pointer: str = ""
    spec_says: str = ""
    exchange: Exchange | None = None
    curl: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.operation, self.check, self.title)


@dataclass(slots=True)
class UnitResult:
    """One testable unit: an operation's fuzzing, a task lifecycle, a stream, or the stateful phase."""

    unit_id: str
    kind: str  # "operation" | "lifecycle" | "stream" | "compatibility" | "stateful"
    operation: str
    label: str
    checks: dict[str, int] = field(default_factory=dict)  # check name -> times it ran
    findings: list[Finding] = field(default_factory=list)
    calls: int = 0
    duration: float = 0.0
    skipped: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # what was not checked and why (e.g. not supported)

    @property
    def failed(self) -> bool:
        return bool(self.findings) or self.error is not None

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return "error"
        if self.findings:
            return "failed"
        return "skipped" if self.skipped is not None else "passed"

    def ran(self, check: str, times: int = 1) -> None:
        self.checks[check] = self.checks.get(check, 0) + times

    def add(self, finding: Finding) -> bool:
        """Record a finding unless the same (check, title) is already there; True when new."""
        if any(existing.key == finding.key for existing in self.findings):
            return False
        self.findings.append(finding)
        self.ran(finding.check, 0)
        return True

    def failed_checks(self) -> set[str]:
        return {finding.check for finding in self.findings}


@dataclass(slots=True)
class Report:
    api: str
    base_url: str
    started_at: str
    seed: int | None
    max_examples: int
    units: list[UnitResult] = field(default_factory=list)
    duration: float = 0.0
    gatewright_version: str = ""
    schemathesis_version: str = ""
    interrupted: bool = False  # stopped early (Ctrl-C): the units are those that ran
    tool: str = "verify"  # what judged: "verify" (generated traffic) or "proxy" (the team's own)

    @property
    def failed(self) -> bool:
        return any(unit.failed for unit in self.units)

    @property
    def findings(self) -> list[Finding]:
        return [finding for unit in self.units for finding in unit.findings]

    def outcome_counts(self) -> dict[str, int]:
        return dict(Counter(unit.outcome for unit in self.units))

    def check_counts(self) -> dict[str, dict[str, int]]:
        """Per check: how many units ran it, and how many of those failed it."""
        counts: dict[str, dict[str, int]] = {}
        for unit in self.units:
            failed = unit.failed_checks()
            for check in unit.checks:
                entry = counts.setdefault(check, {"units": 0, "failed": 0})
                entry["units"] += 1
                entry["failed"] += check in failed
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failed"] = self.failed
        data["summary"] = {
            "units": len(self.units),
            "outcomes": self.outcome_counts(),
            "findings": len(self.findings),
            "checks": self.check_counts(),
        }
        for unit, raw in zip(self.units, data["units"], strict=True):
            raw["outcome"] = unit.outcome
        return data
