"""One table declares the mock's options: ``gatewright mock`` is built from it, the library takes it."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import pickle
from pathlib import Path
from typing import Any

import pytest

from gatewright.cli import build_parser
from gatewright.mock import create_app, serve
from gatewright.mock.defaults import default_extensions
from gatewright.mock.keys import CONTROL, STORE
from gatewright.mock.replay import ReplaySettings
from gatewright.mock.rules import FaultSettings
from gatewright.mock.tasks import DEFAULT_RETENTION
from gatewright.mock_options import DEFAULTS, SERVED, MockOptions, flags, mock_options

FIELDS = dataclasses.fields(MockOptions)
LIBRARY_ONLY = {"max_body"}  # options without a flag
# What the library calls take besides options: what is served, and the parts a caller may plug in.
NOT_OPTIONS = {
    "apis",
    "spec_path",
    "options",
    "overrides",
    "extensions",
    "task_clock",
    "replica",
    "link_secret",
}

# Every flag of the table with a value that is not its default, and the options they make together.
GIVEN = {
    "api": ["voxvey"],
    "spec": ["doc.json"],
    "host": ["0.0.0.0"],
    "port": ["9"],
    "allow-host": ["a.example", "b.example"],
    "max-upload-bytes": ["5"],
    "max-store-bytes": ["9"],
    "conversation-bytes": ["11"],
    "journal-bytes": ["6"],
    "journal-entry-bytes": ["7"],
    "seed": ["3"],
    "quiet": [],
    "task-duration": ["2"],
    "task-polls": ["4"],
    "task-retention": ["60"],
    "allow-callback-hosts": [],
    "rules": ["a.yaml", "b.json"],
    "latency": ["5"],
    "error-rate": ["0.5"],
    "rpm": ["60"],
    "read-timeout": ["0"],
    "replay": ["fixtures"],
    "replay-strict": [],
    "replay-nonconformant": [],
    "replay-bytes": ["8"],
    "store": ["redis://127.0.0.1:6379/1"],
    "store-prefix": ["team-a"],
    "workers": ["2"],
}
MADE = MockOptions(
    host="0.0.0.0",
    port=9,
    allow_hosts=("a.example", "b.example"),
    upload_budget=5,
    store_budget=9,
    conversation_bytes=11,
    journal_bytes=6,
    journal_entry_bytes=7,
    seed=3,
    access_log=False,
    task_duration=2.0,
    task_polls=4,
    task_retention=60.0,
    allow_callback_hosts=True,
    rules=(Path("a.yaml"), Path("b.json")),
    faults=FaultSettings(latency_ms=5.0, error_rate=0.5, rpm=60),
    read_timeout=None,
    replay=ReplaySettings(Path("fixtures"), strict=True, nonconformant=True, budget=8),
    store="redis://127.0.0.1:6379/1",
    store_prefix="team-a",
    workers=2,
)


def _mock_parser() -> argparse.ArgumentParser:
    parser = build_parser()._subparsers._group_actions[0].choices["mock"]  # type: ignore[union-attr,index]
    assert isinstance(parser, argparse.ArgumentParser)
    return parser


def _argv() -> list[str]:
    argv = ["mock"]
    for flag, values in GIVEN.items():
        argv += [f"--{flag}"] if not values else [part for value in values for part in (f"--{flag}", value)]
    return argv


def test_the_command_has_the_tables_flags_and_no_other() -> None:
    table = {flag.name for flag in SERVED} | {flag.name for option in FIELDS for flag in flags(option)}
    command = {
        text.removeprefix("--") for action in _mock_parser()._actions for text in action.option_strings
    }
    assert command - {"-h", "help"} == table
    assert set(GIVEN) == table  # a new flag needs a value here, which must reach its field below


def test_every_option_but_the_librarys_own_has_a_flag() -> None:
    assert {option.name for option in FIELDS if not flags(option)} == LIBRARY_ONLY


def test_every_flag_reaches_its_field() -> None:
    args = build_parser().parse_args(_argv())
    assert (args.api, args.spec) == (["voxvey"], Path("doc.json"))
    options = mock_options(vars(args))
    assert options == MADE
    assert all(
        getattr(options, option.name) != getattr(DEFAULTS, option.name)
        for option in FIELDS
        if option.name not in LIBRARY_ONLY
    )


def test_no_flags_are_the_library_defaults() -> None:
    assert mock_options(vars(build_parser().parse_args(["mock"]))) == DEFAULTS == MockOptions()
    words = " ".join(_mock_parser().format_help().split())
    assert f"stays readable (default {DEFAULT_RETENTION:g})" in words  # the task engine's, said in the help
    assert "(default 1.0)" in words and "(default 30; 0:" in words and "default gatewright)" in words


def test_no_library_call_spells_an_option_again() -> None:
    """``create_app``, ``serve`` and ``default_extensions`` take ``MockOptions`` or its fields as keywords."""
    for call in (create_app, serve, default_extensions):
        parameters = inspect.signature(call).parameters
        assert set(parameters) <= NOT_OPTIONS, (call.__name__, set(parameters) - NOT_OPTIONS)
        assert parameters["options"].default is None
        assert parameters["overrides"].kind is inspect.Parameter.VAR_KEYWORD


def test_keywords_are_laid_over_the_options() -> None:
    app = create_app(
        ["voxvey"],
        options=MockOptions(seed=1, journal_bytes=4096),
        access_log=False,
        upload_budget=2048,
        store_budget=1024,
    )
    assert app[CONTROL].journal_limits[0] == 4096
    assert app[STORE].blobs.budget == 2048
    assert app[STORE].budget.budget == 1024
    with pytest.raises(TypeError, match="'sed'"):
        create_app(["voxvey"], sed=1)
    with pytest.raises(TypeError, match="'sed'"):
        serve(["voxvey"], sed=1)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--workers", "2"], "--workers needs a shared store (--store redis://…)"),
        (["--replay-strict"], "--replay-strict needs --replay DIR"),
        (["--replay-nonconformant"], "--replay-nonconformant needs --replay DIR"),
    ],
)
def test_options_that_do_not_go_together(argv: list[str], says: str) -> None:
    with pytest.raises(ValueError) as refused:
        mock_options(vars(build_parser().parse_args(["mock", *argv])))
    assert str(refused.value) == says


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"read_timeout": 0}, "read_timeout must be positive"),
        ({"workers": 0, "store": "redis://127.0.0.1:6379/0"}, "at least 1"),
    ],
)
def test_the_library_refuses_what_the_command_cannot_say(given: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        MockOptions(**given)


def test_options_cross_to_worker_processes() -> None:
    assert pickle.loads(pickle.dumps(MADE)) == MADE
