"""``mock --store URL --store-prefix NAME --workers N``: checked at parse time, one-line refusals."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from gatewright import cli
from gatewright.argtypes import store_prefix, store_url
from gatewright.cli import build_parser
from gatewright.mock import server
from gatewright.mock.rules import RuleError
from gatewright.mock.shared_values import StoreUnavailable
from gatewright.mock.workers import WorkersExited, _picklable, _unpickled
from gatewright.mock_options import DEFAULTS, MockOptions
from gatewright.spec import SpecError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("memory", None),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://localhost:6380/15", "redis://localhost:6380/15"),
        ("redis://redis.internal", "redis://redis.internal"),  # redis-py's defaults: port 6379, db 0
        ("redis://cache:6379/", "redis://cache:6379/"),
        ("redis://:s3cret@cache:6379/2", "redis://:s3cret@cache:6379/2"),
        ("redis://[::1]:6379/0", "redis://[::1]:6379/0"),
    ],
)
def test_store_urls_accepted(text: str, value: str | None) -> None:
    assert store_url(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Memory",
        "redis",
        "redis://",
        "redis://:6379/0",  # no host
        "redis://host:99999/0",  # port out of range
        "redis://host:port/0",
        "redis://host:6379/zero",
        "redis://host:6379/0/1",
        "redis://host:6379/0?timeout=1",
        "redis://host:6379/0#x",
        "rediss://host:6379/0",
        "unix:///run/redis.sock",
        "http://host:6379/0",
        "host:6379",
    ],
)
def test_other_store_urls_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="is not 'memory' or a redis://HOST:PORT/DB URL"):
        store_url(text)


@pytest.mark.parametrize("text", ["gatewright", "team-a", "ci_42", "staging.v2", "a:b:c", "X" * 64])
def test_store_prefixes_accepted(text: str) -> None:
    assert store_prefix(text) == text


@pytest.mark.parametrize("text", ["", "team a", "a/b", "a*", "é", "{x}", "X" * 65, "a\n"])
def test_other_store_prefixes_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="is not a store prefix"):
        store_prefix(text)


def test_defaults_memory_one_process_and_the_librarys_prefix() -> None:
    args = build_parser().parse_args(["mock"])
    assert (args.store, args.store_prefix, args.workers) == (None, DEFAULTS.store_prefix, 1)
    assert DEFAULTS.store_prefix == "gatewright"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["--store", "http://x"],
            "argument --store: 'http://x' is not 'memory' or a redis://HOST:PORT/DB URL",
        ),
        (["--store-prefix", "a b"], "argument --store-prefix: 'a b' is not a store prefix"),
        (["--workers", "0"], "argument --workers: '0' is not a positive integer"),
        (["--workers", "two"], "argument --workers: 'two' is not a positive integer"),
    ],
)
def test_bad_values_are_one_usage_line(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["mock", *argv])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("usage:") and lines[-1].startswith(f"gatewright mock: error: {says}"), lines
    assert sum(line.startswith("gatewright mock: error:") for line in lines) == 1


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the CLI hands ``serve`` (nothing is served)."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr("gatewright.mock.serve", lambda **kwargs: seen.update(kwargs))
    return seen


@pytest.mark.parametrize("argv", [["--workers", "2"], ["--workers", "3", "--store", "memory"]])
def test_workers_without_a_shared_store_is_one_line(
    argv: list[str], served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["mock", *argv]) == 2
    assert capsys.readouterr().err == (
        "gatewright mock: error: --workers needs a shared store (--store redis://…)\n"
    )
    assert served == {}


def test_store_options_reach_serve(served: dict[str, Any]) -> None:
    argv = ["mock", "--store", "redis://127.0.0.1:6379/3", "--store-prefix", "team-a", "--workers", "4"]
    assert cli.main(argv) == 0
    options = served["options"]
    assert (options.store, options.store_prefix, options.workers) == ("redis://127.0.0.1:6379/3", "team-a", 4)
    assert cli.main(["mock"]) == 0
    assert served["options"] == MockOptions()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (StoreUnavailable("Redis at redis://127.0.0.1:1/0 does not answer: refused"), 2),
        (WorkersExited("all 2 workers exited"), 1),
    ],
)
def test_store_and_worker_failures_are_one_line(
    error: Exception, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def serve(**_: Any) -> None:
        raise error

    monkeypatch.setattr("gatewright.mock.serve", serve)
    assert cli.main(["mock", "--store", "redis://127.0.0.1:1/0", "--workers", "2"]) == code
    assert capsys.readouterr().err == f"gatewright mock: error: {error}\n"


def test_serve_refuses_workers_without_a_store() -> None:
    with pytest.raises(ValueError, match="--workers needs a shared store"):
        server.serve(workers=2)
    with pytest.raises(ValueError, match="at least 1"):
        server.serve(workers=0, store="redis://127.0.0.1:6379/0")


class _Built(Exception):
    pass


@pytest.mark.parametrize("store", [None, "redis://127.0.0.1:6379/0"])
def test_serve_passes_the_store_on_to_create_app(store: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def create_app(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)
        raise _Built

    monkeypatch.setattr(server, "create_app", create_app)
    with pytest.raises(_Built):
        server.serve(["voxvey"], store=store, store_prefix="team-b", access_log=False)
    options = seen["options"]
    assert (options.store, options.store_prefix, options.host) == (store, "team-b", "127.0.0.1")


@pytest.mark.parametrize(
    "error",
    [
        RuleError("rules.yaml", "no served operation matches nope", "#1"),
        SpecError("not an OpenAPI document", source="x.json", line=3),
        OSError(98, "Address already in use"),
        StoreUnavailable("Redis at redis://127.0.0.1:1/0 does not answer"),
    ],
)
def test_a_workers_start_error_reaches_the_parent_as_itself(error: Exception) -> None:
    """What the CLI turns into one line (by type; OSError by errno) survives the trip between processes."""
    back = _unpickled(_picklable(error))
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert getattr(back, "errno", None) == getattr(error, "errno", None)
