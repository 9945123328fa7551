"""The mock's options, declared once: ``MockOptions`` for the library, and ``gatewright mock`` built from it.

Each field of ``MockOptions`` is one option of a mock run with its default. Its ``Flag``s (the field's
metadata) say how ``gatewright mock`` spells it: flag, help (``{default}`` in it is the default shown),
parser. A field spelled by several flags, or by a flag that means its opposite, names the ``build`` that
turns their parsed values into its value (``--quiet`` is ``access_log=False``; ``--latency``,
``--error-rate`` and ``--rpm`` are one ``FaultSettings``). ``add_arguments`` generates the command's
options and ``mock_options`` reads the parsed values back; ``create_app``, ``serve`` and
``default_extensions`` take a ``MockOptions`` or its fields as keywords (``options_of``).

Importing this module does not load the mock (the command builds its parser without aiohttp); the
mock's own budgets (``blobs``, ``item_budget``, ``journal``) take their defaults from ``DEFAULTS``.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gatewright import argtypes
from gatewright.spec import API_IDS
from gatewright.spec.recording import DEFAULT_READ_BUDGET

if TYPE_CHECKING:
    from gatewright.mock.replay import ReplaySettings
    from gatewright.mock.rules import FaultSettings

MIB = 1024 * 1024
_FLAGS, _BUILD = "flags", "build"


@dataclass(frozen=True, slots=True)
class Flag:
    """``--<name>`` on ``gatewright mock``. ``value`` is what argparse hands on when it is not given, for a
    flag that is one of several spelling a field (a single flag's is the field's default). A ``budget``
    flag is a byte count whose help ends with its default in bytes and MiB."""

    name: str
    help: str | None = None
    parse: Callable[[str], Any] | None = None  # None: the text as given
    kind: Literal["value", "flag", "repeat"] = "value"
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    value: Any = None
    budget: bool = False

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def add_to(self, parser: argparse.ArgumentParser, default: Any = None) -> None:
        """``--<name>`` on ``parser``, defaulting to ``default`` (a repeat's is always None: argparse
        makes the list; a ``flag``'s False)."""
        kwargs: dict[str, Any] = {}
        if self.budget:
            kwargs["help"] = f"{self.help} (default {default}: {default // MIB} MiB)"
        elif self.help is not None:
            kwargs["help"] = self.help.format(default=default)
        if self.kind == "flag":
            parser.add_argument(f"--{self.name}", action="store_true", **kwargs)
            return
        kwargs["default"] = None if self.kind == "repeat" else default
        if self.kind == "repeat":
            kwargs["action"] = "append"
        if self.choices is not None:
            kwargs["choices"] = self.choices
        parse = argtypes.positive_int if self.budget else self.parse
        if parse is not None:
            kwargs["type"] = parse
        metavar = "N" if self.budget else self.metavar
        if metavar is not None:
            kwargs["metavar"] = metavar
        parser.add_argument(f"--{self.name}", **kwargs)


def spelled(*flags: Flag, build: Callable[..., Any] | None = None) -> dict[str, Any]:
    """A ``MockOptions`` field's metadata: the flags that spell it, and how their parsed values make its
    value (None: the one flag's value is the field's)."""
    return {_FLAGS: flags, _BUILD: build}


def _budget(name: str, what: str) -> Flag:
    return Flag(name, what, budget=True)


def _listed(values: list[Any] | None) -> tuple[Any, ...]:
    return tuple(values or ())  # a repeat not given is None


def _not(value: bool) -> bool:
    return not value


def _or_none(value: float) -> float | None:
    return value or None  # 0: aiohttp's own timeouts


def _faults(latency: float | None, error_rate: float | None, rpm: int | None) -> FaultSettings | None:
    """The run-wide faults given, each one not given left to ``FaultSettings``; None when none is."""
    given: dict[str, Any] = {"latency_ms": latency, "error_rate": error_rate, "rpm": rpm}
    given = {name: value for name, value in given.items() if value is not None}
    if not given:
        return None
    from gatewright.mock.rules import FaultSettings  # noqa: PLC0415 - the command starts without the mock

    return FaultSettings(**given)


def _replay(directory: Path | None, strict: bool, nonconformant: bool, budget: int) -> ReplaySettings | None:
    if directory is None:
        if strict or nonconformant:
            raise ValueError(f"--replay-{'strict' if strict else 'nonconformant'} needs --replay DIR")
        return None
    from gatewright.mock.replay import ReplaySettings  # noqa: PLC0415 - the command starts without the mock

    return ReplaySettings(directory, strict=strict, nonconformant=nonconformant, budget=budget)


ALLOW_HOST = Flag(  # the proxy's too
    "allow-host",
    "also answer requests whose Host is NAME, e.g. a DNS name the server is shared under "
    "(repeatable; loopback names and --host always are)",
    kind="repeat",
    metavar="NAME",
)

# What is served (``create_app``'s and ``serve``'s positional arguments): ``--api`` and ``--spec``.
SERVED = (
    Flag("api", "serve this API (repeatable)", kind="repeat", choices=API_IDS),
    Flag("spec", "serve another OpenAPI 3.1 document instead", parse=Path),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MockOptions:
    """How a mock serves (``create_app``, ``serve``), in the order ``gatewright mock --help`` lists them.

    ``max_body`` has no flag (the library's only). ``port`` and ``workers`` are ``serve``'s. ``ValueError``
    for a ``read_timeout`` that is not positive (None: none), ``workers`` < 1, or > 1 without a ``store``.
    """

    host: str = field(default="127.0.0.1", metadata=spelled(Flag("host")))
    port: int = field(default=8080, metadata=spelled(Flag("port", parse=argtypes.port)))
    allow_hosts: Sequence[str] = field(default=(), metadata=spelled(ALLOW_HOST, build=_listed))
    upload_budget: int = field(
        default=256 * MIB,
        metadata=spelled(
            _budget("max-upload-bytes", "bytes of uploads kept at once; an upload past it is a 413")
        ),
    )
    store_budget: int = field(
        default=64 * MIB,
        metadata=spelled(
            _budget(
                "max-store-bytes",
                "bytes of resources kept at once (what creates, upserts and updates keep, as JSON); a write "
                "past it is a 413",
            )
        ),
    )
    conversation_bytes: int = field(
        default=64 * MIB,
        metadata=spelled(
            _budget(
                "conversation-bytes",
                "bytes of kept conversations, for stored Responses answers and for Anthropic message threads "
                "each (a sixteenth of it more for the ids of thread replies already continued); the oldest "
                "go first",
            )
        ),
    )
    journal_bytes: int = field(
        default=64 * MIB,
        metadata=spelled(
            _budget("journal-bytes", "bytes the request journal keeps; the oldest requests go first")
        ),
    )
    journal_entry_bytes: int = field(
        default=MIB,
        metadata=spelled(
            _budget(
                "journal-entry-bytes",
                "bytes of one request's body the journal keeps; a longer one is kept as its beginning, "
                "marked truncated",
            )
        ),
    )
    seed: int | None = field(
        default=None, metadata=spelled(Flag("seed", "make generated data and ids reproducible", parse=int))
    )
    access_log: bool = field(
        default=True, metadata=spelled(Flag("quiet", "no request log", kind="flag"), build=_not)
    )
    task_duration: float = field(
        default=1.0,
        metadata=spelled(
            Flag(
                "task-duration",
                "seconds from creating a task to its success state (default {default})",
                parse=argtypes.non_negative,
                metavar="SECONDS",
            )
        ),
    )
    task_polls: int | None = field(
        default=None,
        metadata=spelled(
            Flag(
                "task-polls",
                "also finish a task at its N-th poll, whichever comes first",
                parse=argtypes.positive_int,
                metavar="N",
            )
        ),
    )
    task_retention: float | None = field(  # None: the task's declared retention_seconds, else the engine's
        default=None,
        metadata=spelled(
            Flag(
                "task-retention",
                "how long a finished task stays readable (default 3600)",
                parse=argtypes.non_negative,
                metavar="SECONDS",
            )
        ),
    )
    allow_callback_hosts: bool = field(
        default=False,
        metadata=spelled(
            Flag("allow-callback-hosts", "deliver task callbacks to any host, not only loopback", kind="flag")
        ),
    )
    rules: Sequence[Path | str] = field(
        default=(),
        metadata=spelled(
            Flag(
                "rules", "a rules file, YAML or JSON (repeatable)", parse=Path, kind="repeat", metavar="FILE"
            ),
            build=_listed,
        ),
    )
    faults: FaultSettings | None = field(  # None: no run-wide faults
        default=None,
        metadata=spelled(
            Flag("latency", "added to every API request", parse=argtypes.non_negative, metavar="MS"),
            Flag(
                "error-rate",
                "this share of API requests fail with a 500 in the API's envelope",
                parse=argtypes.probability,
                metavar="P",
            ),
            Flag(
                "rpm",
                "requests per minute per API; beyond it 429 with Retry-After and x-ratelimit-* headers",
                parse=argtypes.positive_int,
                metavar="N",
            ),
            build=_faults,
        ),
    )
    read_timeout: float | None = field(  # None: aiohttp's own
        default=30.0,
        metadata=spelled(
            Flag(
                "read-timeout",
                "seconds a client may take to send a request's headers, and its body (default {default:g}; "
                "0: aiohttp's defaults, 75 s for headers and none for the body)",
                parse=argtypes.non_negative,
                metavar="SECONDS",
            ),
            build=_or_none,
        ),
    )
    replay: ReplaySettings | None = field(
        default=None,
        metadata=spelled(
            Flag(
                "replay",
                "answer recorded requests with their recorded answers first "
                "(`gatewright proxy --record DIR`)",
                parse=Path,
                metavar="DIR",
            ),
            Flag(
                "replay-strict",
                "with --replay: a request nothing recorded gets 404 in the API's error envelope",
                kind="flag",
            ),
            Flag(
                "replay-nonconformant",
                "with --replay: also replay recorded answers that break the spec",
                kind="flag",
            ),
            Flag(
                "replay-bytes",
                "with --replay: bytes of fixture files read at most; past it the mock does not start",
                value=DEFAULT_READ_BUDGET,
                budget=True,
            ),
            build=_replay,
        ),
    )
    store: str | None = field(  # None: this process's memory
        default=None,
        metadata=spelled(
            Flag(
                "store",
                "where the mock keeps its state: 'memory' (the default: this process) or "
                "redis://HOST:PORT/DB, shared by every mock pointed at it",
                parse=argtypes.store_url,
                metavar="URL",
            )
        ),
    )
    store_prefix: str = field(
        default="gatewright",
        metadata=spelled(
            Flag(
                "store-prefix",
                "with --store redis://…: the namespace of the mock's keys, so several mocks can share one "
                "Redis apart (letters, digits, -_.:; default {default})",
                parse=argtypes.store_prefix,
                metavar="NAME",
            )
        ),
    )
    workers: int = field(
        default=1,
        metadata=spelled(
            Flag(
                "workers",
                "serve with N processes on one port (N > 1 needs --store redis://…)",
                parse=argtypes.positive_int,
                metavar="N",
            )
        ),
    )
    max_body: int = 16 * MIB  # bytes of one request's body (no flag); past it a 413

    def __post_init__(self) -> None:
        if self.read_timeout is not None and not self.read_timeout > 0:
            raise ValueError("read_timeout must be positive (or None)")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.workers > 1 and self.store is None:
            raise ValueError("--workers needs a shared store (--store redis://…)")


DEFAULTS = MockOptions()


def options_of(options: MockOptions | None, overrides: Mapping[str, Any]) -> MockOptions:
    """What a library call was given: ``options`` (None: the defaults) with the fields it was given as
    keywords laid over them (``TypeError`` names a keyword that is no field)."""
    chosen = DEFAULTS if options is None else options
    return dataclasses.replace(chosen, **overrides) if overrides else chosen


def flags(option: dataclasses.Field[Any]) -> tuple[Flag, ...]:
    """The flags that spell a ``MockOptions`` field (none: the library's only)."""
    return tuple(option.metadata.get(_FLAGS, ()))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``gatewright mock``'s options: what is served, then each field's flags in the table's order."""
    for flag in SERVED:
        flag.add_to(parser)
    for option in dataclasses.fields(MockOptions):
        spelling = flags(option)
        for flag in spelling:
            flag.add_to(parser, option.default if len(spelling) == 1 else flag.value)


def mock_options(values: Mapping[str, Any]) -> MockOptions:
    """``MockOptions`` from parsed values keyed by flag (``vars(args)``); ``ValueError`` says which
    options cannot go together."""
    given: dict[str, Any] = {}
    for option in dataclasses.fields(MockOptions):
        spelling = flags(option)
        if spelling:
            build = option.metadata[_BUILD]
            parsed = [values[flag.dest] for flag in spelling]
            given[option.name] = build(*parsed) if build is not None else parsed[0]
    return MockOptions(**given)
