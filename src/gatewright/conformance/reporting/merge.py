"""One report from several: ``gatewright report merge`` (CI shards) and the pytest plugin under xdist.

Reports join only when they judged the same thing: the same tool, spec (its name and content),
target (base URL), seed and examples per operation; anything else is refused in one line. Each unit
is in one report only: a unit in two is an error, never counted twice. Shard reports
(``verify --shard K/N``) must be the N shares of one plan, each given once, and the joined report
lists the units in the plan's order, so it reads as one unsharded run (same units, outcomes,
findings and counts). Each unit's findings pass ``UnitResult.add`` again: a distinct failure stays
one finding, its counts added, its first example kept. The three files are then written by
``ReportWriter``, like any run's.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gatewright.conformance.models import Report, UnitResult
from gatewright.conformance.served import NOT_ASKED

__all__ = ["MergeError", "join_reports", "load_report", "merge_shards"]

REPORT_JSON = "report.json"
# Settings that must agree (they shape what each unit sends); the others are joined.
_SAME_SETTINGS = (("seed", "seeds"), ("max_examples", "--max-examples"))


class MergeError(ValueError):
    """Reports that cannot be joined into one; the message is one line."""


def load_report(path: Path) -> Report:
    """The report in ``path`` (a report directory, or its ``report.json``)."""
    file = path / REPORT_JSON if path.is_dir() else path
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MergeError(f"cannot read {file}: {exc.strerror or type(exc).__name__}") from None
    try:
        return Report.from_dict(json.loads(text))
    except json.JSONDecodeError as exc:
        raise MergeError(f"{file} is not JSON (line {exc.lineno})") from None
    except ValueError:
        raise MergeError(f"{file} is not a gatewright report.json") from None


def merge_shards(reports: Sequence[Report], names: Sequence[str]) -> Report:
    """The one report of a run from its shards' reports (``names`` say where each came from).

    Reports of no shard (runs of disjoint ``--include`` selections) join in the order given.
    """
    if not reports:
        raise MergeError("no reports to merge")
    _check_same(reports, names)
    sharded = [report.shard is not None for report in reports]
    if any(sharded) and not all(sharded):
        raise MergeError(f"{names[sharded.index(False)]} is not a shard report (verify --shard K/N)")
    return _join(reports, names, _plan(reports, names) if all(sharded) else None)


def join_reports(reports: Sequence[Report], names: Sequence[str], order: Sequence[str] | None) -> Report:
    """``reports`` of disjoint units (pytest-xdist workers' reports) as one, units in ``order``."""
    if not reports:
        raise MergeError("no reports to merge")
    _check_same(reports, names)
    return _join(reports, names, order)


def _check_same(reports: Sequence[Report], names: Sequence[str]) -> None:
    first, first_name = reports[0], names[0]
    for report, name in zip(reports[1:], names[1:], strict=True):

        def differ(what: str, mine: object, theirs: object, name: str = name) -> MergeError:
            return MergeError(
                f"cannot merge reports of different {what}: {first_name} {mine}, {name} {theirs}"
            )

        if report.tool != first.tool:
            raise differ("tools", f"is from {first.tool}", f"from {report.tool}")
        if (report.api, report.spec_sha256) != (first.api, first.spec_sha256):
            raise differ("specs", f"checked {_spec(first)}", f"checked {_spec(report)}")
        if report.base_url != first.base_url:
            raise differ("targets", f"ran against {first.base_url}", f"against {report.base_url}")
        for key, what in _SAME_SETTINGS:
            mine, theirs = first.settings.get(key), report.settings.get(key)
            if mine != theirs:
                raise differ(what, f"has {key} {mine}", f"has {key} {theirs}")


def _spec(report: Report) -> str:
    return f"{report.api} (sha256 {report.spec_sha256[:12]})" if report.spec_sha256 else report.api


def _plan(reports: Sequence[Report], names: Sequence[str]) -> list[str]:
    """The run's units in order, once the shards are the N shares of one plan, each given once."""
    first = reports[0].shard
    assert first is not None
    given: dict[int, str] = {}
    for report, name in zip(reports, names, strict=True):
        shard = report.shard
        assert shard is not None
        if shard.count != first.count:
            raise MergeError(
                f"cannot merge shards of different counts: {names[0]} is shard {first.label}, "
                f"{name} is shard {shard.label}"
            )
        if shard.plan != first.plan:
            raise MergeError(
                f"{names[0]} and {name} are shards of different selections of units "
                "(run every shard with the same options)"
            )
        if shard.index in given:
            raise MergeError(f"shard {shard.label} is given twice: {given[shard.index]} and {name}")
        given[shard.index] = name
    missing = [f"{index}/{first.count}" for index in range(1, first.count + 1) if index not in given]
    if missing:
        raise MergeError(f"shard {', '.join(missing)} missing: merging needs all {first.count} shards")
    return first.plan


def _join(reports: Sequence[Report], names: Sequence[str], order: Sequence[str] | None) -> Report:
    where: dict[str, str] = {}
    units: list[UnitResult] = []
    for report, name in zip(reports, names, strict=True):
        for unit in report.units:
            if unit.unit_id in where:
                raise MergeError(f"unit {unit.unit_id} is in two reports: {where[unit.unit_id]} and {name}")
            where[unit.unit_id] = name
            units.append(_regrouped(unit))
    if order is not None:
        position = {unit_id: index for index, unit_id in enumerate(order)}
        stray = next((unit.unit_id for unit in units if unit.unit_id not in position), None)
        if stray is not None:
            raise MergeError(f"unit {stray} of {where[stray]} is not one of the run's units")
        units.sort(key=lambda unit: position[unit.unit_id])
    first = reports[0]
    return Report(
        api=first.api,
        base_url=first.base_url,
        started_at=min(report.started_at for report in reports),
        settings=_settings(reports),
        units=units,
        duration=max(report.duration for report in reports),  # shards run side by side
        gatewright_version=first.gatewright_version,
        schemathesis_version=first.schemathesis_version,
        interrupted=any(report.interrupted for report in reports),
        tool=first.tool,
        spec_sha256=first.spec_sha256,
    )


def _regrouped(unit: UnitResult) -> UnitResult:
    """A copy of ``unit`` whose findings are grouped again: one per distinct failure, counts added."""
    copy = dataclasses.replace(unit, checks=dict(unit.checks), findings=[], notes=list(unit.notes))
    for finding in unit.findings:
        copy.add(dataclasses.replace(finding))
    return copy


def _settings(reports: Sequence[Report]) -> dict[str, Any]:
    """The reports' settings; where they differ (the models each shard learned), what they said."""
    merged: dict[str, Any] = {}
    for key in dict.fromkeys(key for report in reports for key in report.settings):
        said = [report.settings[key] for report in reports if key in report.settings]
        distinct = list({json.dumps(value, sort_keys=True, default=str): value for value in said}.values())
        known = [value for value in distinct if value != NOT_ASKED] or distinct
        merged[key] = known[0] if len(known) == 1 else "; ".join(str(value) for value in known)
    return merged
