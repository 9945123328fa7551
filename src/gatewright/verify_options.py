"""The options of a verify run, declared once for ``gatewright verify`` and the pytest plugin.

Each ``VerifyOption`` names a ``RunOptions`` field, how its text is parsed, its default and what it
means; ``gatewright verify`` (``--<name>``) and the plugin (``--gatewright-<name>``) are both generated
from ``VERIFY_OPTIONS``, and ``run_options`` turns the parsed values of either into ``RunOptions``. A
default of None leaves the field to ``RunOptions``; the others equal ``RunOptions``'s own (a unit test
holds them together). Importing this module does not load the conformance stage (``gatewright
normalize`` stays quick): ``RunOptions`` is imported when a run is built.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gatewright import argtypes
from gatewright.spec import API_IDS

if TYPE_CHECKING:
    import pytest

    from gatewright.conformance.options import RunOptions

API_KEY_ENV = "GATEWRIGHT_API_KEY"
PLUGIN_PREFIX = "--gatewright-"


@dataclass(frozen=True, slots=True)
class VerifyOption:
    """One option: ``--<name>`` on ``gatewright verify``, ``--gatewright-<name>`` in pytest.

    ``help`` may say ``{default}``. ``plugin_help`` replaces it in pytest where the plugin means
    something else by the option.
    """

    name: str
    help: str
    value: Any = None  # the default: None leaves it to RunOptions
    parse: Callable[[str], Any] | None = None  # None: the text as given
    kind: Literal["value", "flag", "repeat"] = "value"
    field: str = ""  # the RunOptions field, when it is not the name with "_" for "-"
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    required: bool = False  # by the command; the plugin's items are enabled by --gatewright-base-url
    plugin_help: str | None = None

    @property
    def dest(self) -> str:
        return self.field or self.name.replace("-", "_")

    @property
    def default(self) -> Any:
        """What the shells hand on when the option is not given."""
        return False if self.kind == "flag" else self.value  # a repeat: None, argparse makes the list

    def arguments(self, *, plugin: bool = False) -> dict[str, Any]:
        """Keyword arguments for argparse's ``add_argument`` (pytest's ``addoption`` with ``plugin``)."""
        text = self.plugin_help if plugin and self.plugin_help else self.help
        kwargs: dict[str, Any] = {
            "dest": ("gatewright_" if plugin else "") + self.dest,
            "default": self.default,
            "help": text.format(default=_shown(self.default)),
        }
        if self.kind == "flag":
            kwargs["action"] = "store_true"
            return kwargs
        if self.kind == "repeat":
            kwargs["action"] = "append"
        for key in ("metavar", "choices"):
            if getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        if self.parse is not None:
            kwargs["type"] = self.parse
        if self.required and not plugin:
            kwargs["required"] = True
        return kwargs


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


TARGET = ("api", "spec")  # exactly one: argparse enforces it, the plugin checks it when it configures

VERIFY_OPTIONS: tuple[VerifyOption, ...] = (
    VerifyOption("api", "bundled API id whose canonical spec to verify", choices=API_IDS),
    VerifyOption(
        "spec",
        "any conforming OpenAPI 3.1 document to verify instead",
        parse=Path,
        field="spec_path",
        metavar="SPEC",
    ),
    VerifyOption(
        "base-url",
        "the server to verify: an http:// or https:// URL with a host",
        parse=argtypes.http_url,
        required=True,
        plugin_help="the server to verify; enables the conformance items",
    ),
    VerifyOption("api-key", f"or set {API_KEY_ENV}; never printed"),
    VerifyOption(
        "report-dir",
        "where report.json, junit.xml and report.html go (default reports/<api>/)",
        parse=Path,
        plugin_help="also write report.json, junit.xml and report.html here",
    ),
    VerifyOption(
        "max-examples",
        "hypothesis examples per operation (default {default})",
        25,
        parse=argtypes.positive_int,
    ),
    VerifyOption("seed", "makes a run reproducible", parse=int),
    VerifyOption(
        "rate-limit",
        "at most this many requests: N, N/s, N/m or N/h",
        parse=argtypes.rate_limit,
    ),
    VerifyOption(
        "include",
        "only these operationIds, tags or 'METHOD /path' labels (repeatable)",
        kind="repeat",
        metavar="OP_OR_TAG",
    ),
    VerifyOption("exclude", "skip these (repeatable)", kind="repeat", metavar="OP_OR_TAG"),
    VerifyOption(
        "model",
        "a model the gateway serves (repeatable, e.g. a chat and an embedding model); positive requests"
        " name the ones each operation can use (default: the API's own models list, where the spec has one)",
        kind="repeat",
        field="models",
        metavar="ID",
    ),
    VerifyOption("read-only", "skip unsafe methods (staging-friendly)", kind="flag"),
    VerifyOption("request-timeout", "seconds per request (default {default})", 10.0, parse=argtypes.positive),
    VerifyOption(
        "poll-interval", "seconds between task polls (default {default})", 0.5, parse=argtypes.positive
    ),
    VerifyOption(
        "task-timeout", "seconds a task may take to finish (default {default})", 60.0, parse=argtypes.positive
    ),
    VerifyOption(
        "stream-timeout",
        "seconds a stream may take to end (default {default})",
        15.0,
        parse=argtypes.positive,
    ),
    VerifyOption(
        "phases",
        "comma-separated subset of examples,coverage,fuzzing,stateful,lifecycle,stream,compatibility"
        " (default all)",
        parse=argtypes.comma_list,
    ),
    VerifyOption(
        "budget",
        "send at most this many requests (paid gateways); units left are reported as skipped",
        parse=argtypes.positive_int,
        metavar="REQUESTS",
    ),
    VerifyOption(
        "budget-tokens",
        "stop after about this many tokens in and out (estimated: 4 bytes a token, request bodies and"
        " declared answer lengths); units left are reported as skipped",
        parse=argtypes.positive_int,
        metavar="TOKENS",
    ),
    VerifyOption(
        "shard",
        "run share K of N of the units (CI shards: the same unit always lands in the same share);"
        " join the shards' reports with `gatewright report merge`",
        parse=argtypes.shard,
        metavar="K/N",
        plugin_help="collect share K of N of the units (CI shards; join their reports with"
        " `gatewright report merge`)",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The verify options on an argparse parser; ``--api`` or ``--spec``, and ``--base-url``, required."""
    target = parser.add_mutually_exclusive_group(required=True)
    for option in VERIFY_OPTIONS:
        where = target if option.name in TARGET else parser
        where.add_argument(f"--{option.name}", **option.arguments())


def add_pytest_options(group: pytest.OptionGroup) -> None:
    """The same options in pytest, each ``--gatewright-<name>``."""
    for option in VERIFY_OPTIONS:
        group.addoption(PLUGIN_PREFIX + option.name, **option.arguments(plugin=True))


def plugin_values(config: pytest.Config) -> dict[str, Any]:
    """The parsed ``--gatewright-*`` verify options, keyed by ``RunOptions`` field."""
    return {option.dest: config.getoption(PLUGIN_PREFIX + option.name) for option in VERIFY_OPTIONS}


def run_options(values: Mapping[str, Any]) -> RunOptions:
    """``RunOptions`` from parsed values keyed by field; one not given (None) keeps the library's default.

    The API key falls back to ``$GATEWRIGHT_API_KEY``; ``ValueError`` says what ``RunOptions`` refused.
    """
    given = {
        option.dest: values[option.dest] for option in VERIFY_OPTIONS if values.get(option.dest) is not None
    }
    for option in VERIFY_OPTIONS:
        if option.kind == "repeat":
            given[option.dest] = tuple(given.get(option.dest, ()))
    given["api_key"] = given.get("api_key") or os.environ.get(API_KEY_ENV) or None
    from gatewright.conformance.options import RunOptions  # noqa: PLC0415 - keep `gatewright` quick

    return RunOptions(**given)
