"""The result of a conformance run as plain values: what every report handler renders."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from gatewright.conformance.bodies import error_message

# Parts of a message that change from one occurrence of the same failure to the next: numbers,
# ids (hex runs, uuids), so a signature names the failure and not the request that showed it.
_VARYING = re.compile(r"\b[0-9a-f]*\d[0-9a-f]*(?:-[0-9a-f]+)*\b|\d+", re.IGNORECASE)


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
    """A failed check, with where (operation, JSON pointer into the spec) and why.

    One finding stands for every occurrence of the same failure in its unit (``key``): the first
    one's exchange is its example, ``count`` says how often it was seen.
    """

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
    status: int | None = None  # the failing exchange's status (None: no answer); its exchange's if not given
    count: int = 1
    summary: str = ""  # one line: the check's message, else the error the gateway answered with
    signature: str = ""  # the summary without its varying parts: what tells two failures apart

    def __post_init__(self) -> None:
        if self.status is None and self.exchange is not None:
            self.status = self.exchange.status
        if not self.summary:
            self.summary = self._summary()
        if not self.signature:
            self.signature = _VARYING.sub("#", self.summary)

    def _summary(self) -> str:
        """The check's own first line (with the gateway's error message after it when it answered an
        error): a 500 says which 500, a schema violation which property."""
        line = next((text.strip() for text in self.message.splitlines() if text.strip()), "")
        body = self.exchange.response_body if self.exchange is not None else None
        if body and self.status is not None and self.status >= 400:
            said = error_message(body)
            line = f"{line}: {said}" if line and said else line or said
        return line or self.title

    @property
    def key(self) -> tuple[str, str, int | None, str]:
        """The same failure: operation, check, status and message signature."""
        return (self.operation, self.check, self.status, self.signature)


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
        """Record a finding, or count it on the one kept for the same failure (``Finding.key``);
        True when new."""
        for existing in self.findings:
            if existing.key == finding.key:
                existing.count += finding.count
                return False
        self.findings.append(finding)
        self.ran(finding.check, 0)
        return True

    def failed_checks(self) -> set[str]:
        return {finding.check for finding in self.findings}


@dataclass(slots=True)
class Shard:
    """The share of a run a report holds (``verify --shard K/N``): ``index`` of ``count``, and the unit
    ids of the whole run in its order (``plan``), so shard reports can be checked and merged in order."""

    index: int
    count: int
    plan: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(slots=True)
class Report:
    api: str
    base_url: str
    started_at: str
    # What shaped this run, as the report's header shows it: verify's seed, examples and served
    # models; the proxy's own (what it judged).
    settings: dict[str, Any] = field(default_factory=dict)
    units: list[UnitResult] = field(default_factory=list)
    duration: float = 0.0
    gatewright_version: str = ""
    schemathesis_version: str = ""
    interrupted: bool = False  # stopped early (Ctrl-C): the units are those that ran
    tool: str = "verify"  # what judged: "verify" (generated traffic) or "proxy" (the team's own)
    spec_sha256: str = ""  # the spec the units came from (its canonical JSON): shards merge only on one spec
    shard: Shard | None = None  # the share of the run this report holds; None: all of it

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
            "occurrences": sum(finding.count for finding in self.findings),
            "checks": self.check_counts(),
        }
        for unit, raw in zip(self.units, data["units"], strict=True):
            raw["outcome"] = unit.outcome
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Report:
        """The report ``to_dict`` wrote (``report.json``); ``ValueError`` when ``data`` is not one.

        What ``to_dict`` derives (``failed``, ``summary``, each unit's ``outcome``) is left out: it
        follows from the rest again.
        """
        try:
            units = [_unit_from_dict(unit) for unit in data["units"]]
            shard = data.get("shard")
            return cls(
                **_given(cls, data, "units", "shard"),
                units=units,
                shard=Shard(**_given(Shard, shard)) if shard is not None else None,
            )
        except (TypeError, KeyError, AttributeError) as exc:
            raise ValueError(f"not a gatewright report ({type(exc).__name__}: {exc})") from None


def _given(cls: type, data: dict[str, Any], *besides: str) -> dict[str, Any]:
    """The keys of ``data`` that are ``cls``'s own fields, but ``besides``."""
    names = {name for name in cls.__dataclass_fields__ if name not in besides}  # type: ignore[attr-defined]
    return {key: value for key, value in data.items() if key in names}


def _unit_from_dict(data: dict[str, Any]) -> UnitResult:
    findings = []
    for raw in data.get("findings") or []:
        exchange = raw.get("exchange")
        findings.append(
            Finding(
                **_given(Finding, raw, "exchange"),
                exchange=Exchange(**_given(Exchange, exchange)) if exchange is not None else None,
            )
        )
    return UnitResult(**_given(UnitResult, data, "findings"), findings=findings)
