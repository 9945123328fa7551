"""Planted faults: ``run_conformance`` reports each one on the right operation with the right check."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from faultserver import JOB_KINDS, KEY, NAME_MAX, SPEC, faulty_gateway, spec_with_lifecycles

from gatewright.conformance import PHASES, Conformance, Report, RunOptions, run_conformance

# the faulty gateway's spec, as the spec_path fixture (tests/conftest.py)
SPEC_DOCUMENT, SPEC_ID = SPEC, "faulty"
FAST = {
    "max_examples": 8,
    "seed": 7,
    "poll_interval": 0.02,
    "task_timeout": 1.0,
    "stream_timeout": 1.0,
    "request_timeout": 5.0,
}


def run(spec_path: Path, url: str, **overrides: object) -> Report:
    options = RunOptions(base_url=url, spec_path=spec_path, api_key=KEY, **{**FAST, **overrides})  # type: ignore[arg-type]
    return run_conformance(options)


FAULTS = [
    # fault, operations to run, phases, (unit, operation, check) expected
    (
        "missing_field",
        ("getItem",),
        ("examples", "fuzzing"),
        ("getItem", "getItem", "response_schema_conformance"),
    ),
    (
        "wrong_type",
        ("listModels",),
        ("examples", "fuzzing"),
        ("listModels", "listModels", "response_schema_conformance"),
    ),
    ("undocumented_status", ("getItem",), ("fuzzing",), ("getItem", "getItem", "status_code_conformance")),
    (
        "wrong_content_type",
        ("listModels",),
        ("fuzzing",),
        ("listModels", "listModels", "content_type_conformance"),
    ),
    ("server_error", ("createItem",), ("fuzzing",), ("createItem", "createItem", "not_a_server_error")),
    (
        "accept_invalid",
        ("createItem",),
        ("fuzzing",),
        ("createItem", "createItem", "negative_data_rejection"),
    ),
    ("ignore_auth", ("createItem",), ("fuzzing",), ("createItem", "createItem", "ignored_auth")),
    (
        "task_never_finishes",
        ("createJob",),
        ("lifecycle",),
        ("lifecycle:createJob", "getJob", "task_terminates"),
    ),
    (
        "task_backwards",
        ("createJob",),
        ("lifecycle",),
        ("lifecycle:createJob", "getJob", "task_status_forward"),
    ),
    (
        "stream_never_ends",
        ("createChatCompletion",),
        ("stream",),
        ("stream:createChatCompletion", "createChatCompletion", "stream_terminates"),
    ),
    ("boundary_crash", ("createItem",), ("coverage",), ("createItem", "createItem", "not_a_server_error")),
]


@pytest.mark.parametrize(("fault", "include", "phases", "expected"), FAULTS, ids=[f[0] for f in FAULTS])
def test_planted_fault_is_reported(
    spec_path: Path,
    fault: str,
    include: tuple[str, ...],
    phases: tuple[str, ...],
    expected: tuple[str, str, str],
) -> None:
    with faulty_gateway(fault) as url:
        report = run(spec_path, url, include=include, phases=phases)
    unit_id, operation, check = expected
    assert report.failed
    found = {(u.unit_id, f.operation, f.check) for u in report.units for f in u.findings}
    assert (unit_id, operation, check) in found, found
    finding = next(f for u in report.units if u.unit_id == unit_id for f in u.findings if f.check == check)
    assert finding.exchange is not None and finding.spec_pointer.startswith("/paths/")
    assert KEY not in json.dumps(report.to_dict())


@pytest.mark.slow  # waits out a task timeout
def test_task_never_finishing_lists_states(spec_path: Path) -> None:
    with faulty_gateway("task_never_finishes") as url:
        report = run(spec_path, url, include=("createJob",), phases=("lifecycle",))
    (finding,) = [f for f in report.findings if f.check == "task_terminates"]
    assert "states seen: running" in finding.message


@pytest.mark.slow  # a verify run of every phase
def test_clean_gateway_passes_every_phase(spec_path: Path) -> None:
    with faulty_gateway() as url:
        report = run(spec_path, url)
    assert not report.failed, [
        (f.unit_id, [(x.check, x.title, x.message[:200]) for x in f.findings], f.error)
        for f in report.units
        if f.failed
    ]
    kinds = {u.kind for u in report.units}
    assert kinds == {"operation", "lifecycle", "stream", "stateful"}
    lifecycle = next(u for u in report.units if u.kind == "lifecycle")
    assert {"task_terminates", "task_status_forward", "task_result", "task_cancel"} <= set(lifecycle.checks)


def test_read_only_skips_unsafe_methods(spec_path: Path) -> None:
    with faulty_gateway("server_error") as url:
        report = run(spec_path, url, read_only=True, phases=("fuzzing", "lifecycle"))
    outcomes = {u.unit_id: u.outcome for u in report.units}
    assert outcomes["createItem"] == "skipped"
    assert outcomes["lifecycle:createJob"] == "skipped"
    assert outcomes["getItem"] == "passed"
    assert not report.failed


def test_exclude_by_tag(spec_path: Path) -> None:
    with faulty_gateway() as url:
        report = run(spec_path, url, exclude=("items", "jobs", "chat"), phases=("fuzzing",))
    assert [u.unit_id for u in report.units] == ["listModels"]


def test_a_boundary_fault_only_the_coverage_phase_reaches(spec_path: Path) -> None:
    """A name of exactly maxLength crashes the server: random fuzzing does not send one, the
    coverage phase (on by default) sends the boundary itself and files the finding under it."""
    assert "coverage" in PHASES
    with faulty_gateway("boundary_crash") as url:
        fuzzed = run(spec_path, url, include=("createItem",), phases=("examples", "fuzzing"))
        default = run(spec_path, url, include=("createItem",))
    assert not fuzzed.failed, [(f.check, f.message[:200]) for f in fuzzed.findings]
    (finding,) = [f for f in default.findings if f.check == "not_a_server_error"]
    assert finding.phase == "coverage"
    assert finding.operation == "createItem"
    assert finding.exchange is not None and finding.exchange.status == 500
    sent = json.loads(finding.exchange.request_body or "{}")
    assert len(sent["name"]) == NAME_MAX


@pytest.mark.slow  # waits out task timeouts
def test_stuck_tasks_of_several_lifecycles_cost_about_one_task_timeout(tmp_path: Path) -> None:
    """Lifecycle units poll at once: four stuck tasks are reported in about one --task-timeout.

    One after another they would take at least four timeouts (8 s); the bound leaves room for the
    cancel check each unit runs after its timeout and for a slow machine, not for a second round.
    """
    path = tmp_path / "lifecycles.openapi.json"
    path.write_text(json.dumps(spec_with_lifecycles()), encoding="utf-8")
    creates = ("createJob", *(f"create{kind.title()}Job" for kind in JOB_KINDS))
    timeout = 2.0
    with faulty_gateway("task_never_finishes") as url:
        options = RunOptions(
            base_url=url,
            spec_path=path,
            api_key=KEY,
            include=creates,
            phases=("lifecycle",),
            poll_interval=0.05,
            task_timeout=timeout,
            request_timeout=5.0,
            seed=7,
        )
        conformance = Conformance(options)
        started = time.monotonic()
        report = conformance.run()
        elapsed = time.monotonic() - started
    assert [u.unit_id for u in report.units] == [f"lifecycle:{op}" for op in creates]  # plan order
    for unit in report.units:
        assert [f.check for f in unit.findings] == ["task_terminates"], unit
        assert "task states: running" in unit.notes
        assert "cancelled task states: cancelled" in unit.notes
    assert elapsed < 2 * timeout + 2.0, elapsed
