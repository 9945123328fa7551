"""verify spread out: ``--shard K/N`` runs plus ``report merge`` equal one unsharded run, and the pytest
plugin under pytest-xdist (``-n 2``) passes and fails what it does in one process, with one report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from faultserver import KEY as FAULTY_KEY
from faultserver import SPEC, faulty_gateway

from gatewright.cli import main
from gatewright.testing import reset_mock, running_mock

pytestmark = pytest.mark.slow  # verify shards and pytest-xdist sessions in subprocesses

KEY = "sk-gatewright-verify-shards-0123456789"
FAULTS = ("missing_field", "task_backwards", "wrong_type")  # some units fail, the others pass


def read(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    return data


def junit_totals(directory: Path) -> dict[str, str]:
    suite = ET.parse(directory / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    return {name: suite.get(name, "") for name in ("tests", "failures", "errors", "skipped")}


def outcomes(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(unit["unit_id"], unit["outcome"]) for unit in data["units"]]


def sharded_and_whole(tmp_path: Path, url: str, target: list[str], key: str) -> tuple[Path, Path, list[int]]:
    """One unsharded run and two shards of the same run against ``url``, then ``report merge``; each
    run starts from a fresh server state when ``url`` is the mock. The merge's exit code is returned
    with the shards' sizes."""

    def verify(out: Path, *extra: str) -> int:
        if "--api" in target:
            reset_mock(url)
        args = ["verify", *target, "--base-url", url, "--api-key", key, "--max-examples", "3"]
        return main([*args, "--seed", "1", "--report-dir", str(out), *extra])

    whole, merged = tmp_path / "whole", tmp_path / "merged"
    codes = [
        verify(whole),
        verify(tmp_path / "s1", "--shard", "1/2"),
        verify(tmp_path / "s2", "--shard", "2/2"),
    ]
    merge = main(["report", "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(merged)])
    sizes = [len(read(tmp_path / name)["units"]) for name in ("s1", "s2")]
    return whole, merged, [*codes, merge, *sizes]


def assert_same_run(whole: Path, merged: Path, shard_dirs: list[Path]) -> None:
    one, joined = read(whole), read(merged)
    shard_ids = [{unit["unit_id"] for unit in read(d)["units"]} for d in shard_dirs]
    assert not shard_ids[0] & shard_ids[1] and all(shard_ids)  # disjoint, neither empty
    assert outcomes(joined) == outcomes(one)  # the same units in the same order, the same outcomes
    assert joined["summary"] == one["summary"]  # units, outcomes, findings, occurrences, checks
    assert joined["settings"] == one["settings"] and joined["shard"] is None
    assert junit_totals(merged) == junit_totals(whole)
    html = (merged / "report.html").read_text(encoding="utf-8")
    assert json.dumps(one["summary"]) in html.replace("&quot;", '"')


def test_two_shards_merged_equal_one_run_against_the_mock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_mock(["beatra"], seed=1) as url:
        whole, merged, codes = sharded_and_whole(tmp_path, url, ["--api", "beatra"], KEY)
    out = capsys.readouterr().out
    assert codes[:4] == [0, 0, 0, 0], out
    units = read(whole)["summary"]["units"]
    assert sorted(codes[4:]) == [units // 2, units - units // 2]  # shares differ by one unit at most
    assert f"merged 2 reports: {units} units ({units} passed), 0 findings" in out
    assert_same_run(whole, merged, [tmp_path / "s1", tmp_path / "s2"])
    assert {u["kind"] for u in read(merged)["units"]} == {
        "operation",
        "lifecycle",
        "stream",
        "compatibility",
        "stateful",
    }


def test_two_shards_merged_keep_every_finding_and_its_count(tmp_path: Path) -> None:
    spec = tmp_path / "faulty.openapi.json"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    target = ["--spec", str(spec), "--task-timeout", "1", "--stream-timeout", "1"]
    with faulty_gateway(*FAULTS) as url:
        whole, merged, codes = sharded_and_whole(tmp_path, url, target, FAULTY_KEY)
    assert codes[:4] == [1, 1, 1, 1]  # failures in each shard, and in the merged report
    data = read(merged)
    assert data["summary"]["findings"] >= 3 and data["summary"]["outcomes"]["passed"] >= 3
    counts = {(u["unit_id"], f["check"], f["count"]) for u in data["units"] for f in u["findings"]}
    assert counts == {
        (u["unit_id"], f["check"], f["count"]) for u in read(whole)["units"] for f in u["findings"]
    }
    assert_same_run(whole, merged, [tmp_path / "s1", tmp_path / "s2"])


# --- the pytest plugin under pytest-xdist ------------------------------------------------------

pytest_plugins = ["pytester"]


@pytest.fixture
def faulty_spec(pytester: pytest.Pytester) -> Iterator[Path]:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    path = pytester.path / "faulty.openapi.json"
    path.write_text(json.dumps(SPEC), encoding="utf-8")
    yield path


def plugin_run(pytester: pytest.Pytester, spec: Path, url: str, workers: str) -> tuple[dict[str, str], Path]:
    """Each item's outcome (from ``--junitxml``) and the report directory of one plugin run."""
    name = f"n{workers}"
    junit, reports = pytester.path / f"{name}.xml", pytester.path / name
    pytester.runpytest_subprocess(
        *("-p", "no:cacheprovider", "-n", workers, f"--junitxml={junit}"),
        *("--gatewright-spec", str(spec), "--gatewright-base-url", url, "--gatewright-api-key", FAULTY_KEY),
        *("--gatewright-max-examples", "3", "--gatewright-seed", "1", "--gatewright-task-timeout", "1"),
        *("--gatewright-stream-timeout", "1", "--gatewright-report-dir", str(reports)),
    )
    cases = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = next(
            (child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed"
        )
        cases[case.get("name", "")] = outcome
    return cases, reports


def test_the_plugin_under_xdist_fails_what_one_process_fails(
    pytester: pytest.Pytester, faulty_spec: Path
) -> None:
    pytest.importorskip("xdist")
    with faulty_gateway(*FAULTS) as url:
        alone, alone_reports = plugin_run(pytester, faulty_spec, url, "0")
    with faulty_gateway(*FAULTS) as url:
        spread, spread_reports = plugin_run(pytester, faulty_spec, url, "2")
    assert spread == alone
    assert {"passed", "failure"} <= set(alone.values()) and len(alone) == 11
    one, joined = read(alone_reports), read(spread_reports)  # the controller wrote the workers' as one
    assert outcomes(joined) == outcomes(one)
    assert joined["summary"] == one["summary"]
    assert {unit: outcome != "passed" for unit, outcome in outcomes(joined)} == {
        unit: outcome != "passed" for unit, outcome in alone.items()
    }


def test_the_plugin_collects_its_shard(pytester: pytest.Pytester, faulty_spec: Path) -> None:
    def collected(*extra: str) -> list[str]:
        result = pytester.runpytest_subprocess(
            *("-p", "no:cacheprovider", "--co", "-q", "--gatewright-spec", str(faulty_spec)),
            *("--gatewright-base-url", "http://127.0.0.1:9", *extra),  # collection sends nothing
        )
        return [line for line in result.stdout.lines if "::" in line]

    everything = collected()
    shares = [collected("--gatewright-shard", f"{k}/3") for k in (1, 2, 3)]
    assert sorted(item for share in shares for item in share) == sorted(everything)  # each unit once
    assert [len(share) for share in shares] == [4, 4, 3]
