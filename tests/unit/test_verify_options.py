"""One table declares the verify options: ``gatewright verify`` and the pytest plugin are built from it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gatewright.cli import build_parser
from gatewright.conformance.options import PHASES, RunOptions
from gatewright.verify import options_from_args
from gatewright.verify_options import API_KEY_ENV, VERIFY_OPTIONS, run_options

FIELDS = {field.name: field for field in dataclasses.fields(RunOptions)}
# every flag `gatewright verify` had before the table, in DESIGN.md and docs/cli.md
FLAGS = [
    "--api",
    "--spec",
    "--base-url",
    "--api-key",
    "--report-dir",
    "--max-examples",
    "--seed",
    "--rate-limit",
    "--include",
    "--exclude",
    "--read-only",
    "--request-timeout",
    "--poll-interval",
    "--task-timeout",
    "--stream-timeout",
    "--phases",
    "--budget",
    "--diff",
]


def verify_args(*extra: str) -> list[str]:
    return ["verify", "--api", "voxvey", "--base-url", "http://127.0.0.1:9", *extra]


def test_each_option_sets_a_run_options_field_and_keeps_its_default() -> None:
    for option in VERIFY_OPTIONS:
        assert option.dest in FIELDS, option.name
        if option.value is not None:
            assert option.value == FIELDS[option.dest].default, option.name


def test_the_command_keeps_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["verify", "--help"])
    text = capsys.readouterr().out
    assert all(flag in text for flag in FLAGS), text
    words = " ".join(text.split())
    assert "(default 25)" in words and "(default 0.5)" in words
    assert ",".join(PHASES) in "".join(text.split())


def test_defaults_are_the_library_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    options = options_from_args(build_parser().parse_args(verify_args()))
    library = RunOptions(base_url="http://127.0.0.1:9", api="voxvey", report_dir=Path("reports/voxvey"))
    assert options == library


def test_values_reach_run_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    args = verify_args(
        *("--rate-limit", "120/m", "--include", "a", "--include", "b", "--exclude", "c", "--read-only"),
        *("--request-timeout", "3", "--poll-interval", "0.1", "--phases", "examples, fuzzing"),
        *("--budget", "7", "--max-examples", "4", "--seed", "9", "--report-dir", "out"),
    )
    options = options_from_args(build_parser().parse_args(args))
    assert options.rate_limit == pytest.approx(2.0)
    assert (options.include, options.exclude, options.read_only) == (("a", "b"), ("c",), True)
    assert (options.request_timeout, options.poll_interval, options.budget) == (3.0, 0.1, 7)
    assert (options.phases, options.max_examples, options.seed) == (("examples", "fuzzing"), 4, 9)
    assert options.report_dir == Path("out") and options.api_key == "from-env"


@pytest.mark.parametrize(("option", "value"), [("--rate-limit", "0/s"), ("--phases", ",")])
def test_a_value_the_parser_refuses_is_one_argparse_error(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(verify_args(option, value))
    assert exited.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and option in errors[0] and repr(value) in errors[0]


def test_run_options_leaves_what_was_not_given_to_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    options = run_options({"base_url": "http://x/", "spec_path": Path("a.openapi.json"), "seed": None})
    assert options == RunOptions(base_url="http://x", spec_path=Path("a.openapi.json"))
    with pytest.raises(ValueError, match="unknown phases"):
        run_options({"base_url": "http://x", "api": "voxvey", "phases": ("nope",)})
