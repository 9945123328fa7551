"""``verify --shard K/N`` deals the units into disjoint shares; ``report merge`` joins their reports or
refuses, in one line, what would not be one run's report."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewright.cli import main
from gatewright.conformance.models import Exchange, Finding, Report, Shard, UnitResult
from gatewright.conformance.options import RunOptions, parse_shard
from gatewright.conformance.redact import Redactor
from gatewright.conformance.reporting import ReportWriter
from gatewright.conformance.reporting.merge import MergeError, join_reports, load_report, merge_shards
from gatewright.conformance.units import Unit, shard_units

KINDS = ("operation", "lifecycle", "stream", "compatibility", "stateful")


def unit(kind: str, unit_id: str) -> Unit:
    return Unit(unit_id, kind, None, lambda ctx: None)


plans = st.lists(
    st.tuples(st.sampled_from(KINDS), st.text(min_size=1, max_size=12)), max_size=60, unique_by=lambda u: u[1]
).map(lambda pairs: [unit(kind, unit_id) for kind, unit_id in pairs])


@given(plan=plans, count=st.integers(1, 12), data=st.data())
def test_shards_are_disjoint_cover_every_unit_and_are_balanced(
    plan: list[Unit], count: int, data: st.DataObject
) -> None:
    shards = [shard_units(plan, index, count) for index in range(1, count + 1)]
    ids = [u.unit_id for shard in shards for u in shard]
    assert sorted(ids) == sorted(u.unit_id for u in plan)  # every unit, each once: disjoint and covering
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    for shard in shards:  # a shard keeps the plan's order
        assert [u.unit_id for u in shard] == [u.unit_id for u in plan if u in shard]
    # the same unit lands in the same shard whatever order the units were planned in
    shuffled = data.draw(st.permutations(plan))
    for index, shard in enumerate(shards, start=1):
        assert {u.unit_id for u in shard_units(shuffled, index, count)} == {u.unit_id for u in shard}


def test_each_kind_is_spread_over_the_shards() -> None:
    plan = [unit("operation", f"op{i}") for i in range(6)] + [unit("lifecycle", f"lc{i}") for i in range(4)]
    for index in (1, 2):
        kinds = [u.kind for u in shard_units(plan, index, 2)]
        assert kinds.count("operation") == 3 and kinds.count("lifecycle") == 2


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2", ""])
def test_a_shard_is_k_of_n(text: str) -> None:
    with pytest.raises(ValueError, match="use K/N with 1 <= K <= N"):
        parse_shard(text)
    assert parse_shard(" 2 / 4 ") == (2, 4)
    with pytest.raises(ValueError, match="invalid shard 3/2"):
        RunOptions(base_url="http://127.0.0.1:9", api="voxvey", shard=(3, 2))


@pytest.mark.parametrize("value", ["0/2", "3/2", "x"])
def test_an_invalid_shard_is_one_line_on_the_command(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--api", "voxvey", "--base-url", "http://127.0.0.1:9", "--shard", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--shard" in errors[0] and repr(value) in errors[0], err
    assert "Traceback" not in err


# --- merging -----------------------------------------------------------------------------------

PLAN = ["createItem", "getItem", "lifecycle:createJob", "stateful"]


def finding(operation: str, count: int, message: str = "Response violates schema: 'name' missing") -> Finding:
    exchange = Exchange("GET", f"http://gw/v1/{operation}", status=200, response_body='{"id": "x1"}')
    check = "response_schema_conformance"
    return Finding(
        operation, "GET /v1/items", check, "Schema", message, "fuzzing", exchange=exchange, count=count
    )


def result(unit_id: str, *findings: Finding) -> UnitResult:
    found = UnitResult(unit_id, "operation", unit_id, unit_id, checks={"not_a_server_error": 3})
    for each in findings:
        found.add(each)
    return found


def report(*units: UnitResult, shard: tuple[int, int] | None = None, **changes: object) -> Report:
    made = Report(
        api="faulty",
        base_url="http://127.0.0.1:8080",
        started_at="2026-01-01T00:00:00+00:00",
        settings={"seed": 1, "max_examples": 3, "models": "m1 (--model)"},
        units=list(units),
        spec_sha256="ab" * 32,
        shard=Shard(*shard, list(PLAN)) if shard else None,
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def shards() -> list[Report]:
    return [
        report(result("createItem"), result("stateful", finding("-", 2)), shard=(1, 2)),
        report(result("getItem", finding("getItem", 5)), result("lifecycle:createJob"), shard=(2, 2)),
    ]


def test_merged_shards_read_as_one_run() -> None:
    merged = merge_shards(shards(), ["a", "b"])
    assert [u.unit_id for u in merged.units] == PLAN  # the plan's order, not the shards'
    whole = report(*(u for s in shards() for u in s.units))
    whole.units.sort(key=lambda u: PLAN.index(u.unit_id))
    assert merged.to_dict()["summary"] == whole.to_dict()["summary"]
    assert merged.to_dict()["summary"]["occurrences"] == 7 and merged.shard is None
    assert [f.count for f in merged.findings] == [5, 2]


def test_a_distinct_failure_stays_one_finding_counts_added_first_example_kept() -> None:
    first = finding("getItem", 5)
    again = finding("getItem", 3, "Response violates schema: 'name' missing")
    again.exchange = Exchange("GET", "http://gw/v1/items/x9", status=200)
    unit = result("getItem", first)
    unit.findings.append(again)  # as a report.json could hold it: the same failure twice
    merged = join_reports([report(unit), report(result("createItem"))], ["a", "b"], PLAN)
    (only,) = merged.units[1].findings
    assert only.count == 8 and only.exchange is not None and only.exchange.url == "http://gw/v1/getItem"
    assert merged.to_dict()["summary"]["findings"] == 1 and merged.to_dict()["summary"]["occurrences"] == 8


def test_a_report_reads_back_as_written(tmp_path: Path) -> None:
    original = shards()[1]
    ReportWriter(tmp_path, Redactor()).write(original)
    assert load_report(tmp_path) == original
    assert Report.from_dict(json.loads(json.dumps(original.to_dict()))) == original


def test_models_the_shards_learned_are_kept() -> None:
    a, b = shards()
    a.settings["models"] = "not asked: no request named a model"
    assert merge_shards([a, b], ["a", "b"]).settings["models"] == "m1 (--model)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"api": "other"}, "cannot merge reports of different specs: a checked faulty (sha256 abab"),
        ({"spec_sha256": "cd" * 32}, "different specs: a checked faulty (sha256 ababababab"),
        ({"base_url": "http://elsewhere"}, "different targets: a ran against http://127.0.0.1:8080, b "),
        ({"settings": {"seed": 2, "max_examples": 3}}, "different seeds: a has seed 1, b has seed 2"),
        ({"settings": {"seed": 1, "max_examples": 9}}, "different --max-examples"),
        ({"tool": "proxy"}, "different tools"),
    ],
)
def test_reports_of_different_runs_are_refused(change: dict[str, object], message: str) -> None:
    a, b = shards()
    with pytest.raises(MergeError) as refused:
        merge_shards([a, dataclasses.replace(b, **change)], ["a", "b"])  # type: ignore[arg-type]
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_shards_that_are_not_the_n_shares_of_one_plan_are_refused() -> None:
    a, b = shards()
    with pytest.raises(MergeError, match=r"shard 2/2 missing: merging needs all 2 shards"):
        merge_shards([a], ["a"])
    with pytest.raises(MergeError, match=r"shard 1/2 is given twice: a and b"):
        merge_shards([a, dataclasses.replace(b, shard=Shard(1, 2, list(PLAN)))], ["a", "b"])
    with pytest.raises(MergeError, match=r"different counts: a is shard 1/2, b is shard 2/3"):
        merge_shards([a, dataclasses.replace(b, shard=Shard(2, 3, list(PLAN)))], ["a", "b"])
    with pytest.raises(MergeError, match=r"a and b are shards of different selections of units"):
        merge_shards([a, dataclasses.replace(b, shard=Shard(2, 2, PLAN[:3]))], ["a", "b"])
    with pytest.raises(MergeError, match=r"b is not a shard report"):
        merge_shards([a, dataclasses.replace(b, shard=None)], ["a", "b"])


def test_a_unit_in_two_shards_is_an_error() -> None:
    a, b = shards()
    b.units.append(result("createItem"))
    with pytest.raises(MergeError, match=r"unit createItem is in two reports: a and b"):
        merge_shards([a, b], ["a", "b"])


def test_the_command_merges_or_refuses_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = shards()
    for name, shard in (("s1", a), ("s2", b)):
        ReportWriter(tmp_path / name, Redactor()).write(shard)
    out = tmp_path / "merged"
    assert main(["report", "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(out)]) == 1
    assert "merged 2 reports: 4 units (2 failed, 2 passed), 2 findings" in capsys.readouterr().out
    assert [u.unit_id for u in load_report(out).units] == PLAN
    assert {p.name for p in out.iterdir()} == {"report.json", "junit.xml", "report.html"}

    ReportWriter(tmp_path / "s3", Redactor()).write(dataclasses.replace(b, settings={"seed": 7}))
    code = main(["report", "merge", str(tmp_path / "s1"), str(tmp_path / "s3"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("gatewright report merge: error: cannot merge reports of different seeds")

    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "report.json").write_text("[1]", encoding="utf-8")
    code = main(["report", "merge", str(tmp_path / "junk"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "junk/report.json is not a gatewright report.json" in err and err.count("\n") == 1
