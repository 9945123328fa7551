"""The ``gatewright`` command: parses options and calls the library. No logic lives here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gatewright._version import __version__
from gatewright.argtypes import (
    http_url,
    non_negative,
    port,
    positive,
    positive_int,
    probability,
    store_prefix,
    store_url,
)
from gatewright.spec import API_IDS, SpecError
from gatewright.verify_options import add_arguments as add_verify_arguments

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _normalize(args: argparse.Namespace) -> int:
    try:
        return _run_normalize(args)
    except OSError as exc:  # an --out that is a file, a read-only directory, a full disk, ...
        reason = exc.strerror or type(exc).__name__
        if exc.filename is not None and str(exc.filename) != str(args.out):
            reason += f" ({exc.filename})"
        verb = "read" if args.check else "write to"
        print(f"gatewright normalize: error: cannot {verb} {args.out}: {reason}", file=sys.stderr)
        return EXIT_USAGE


def _run_normalize(args: argparse.Namespace) -> int:
    from gatewright.normalize import check_canonical, normalize_all

    if args.check:
        stale = check_canonical(args.sources, args.out)
        for name in stale:
            print(f"stale: {name}", file=sys.stderr)
        if stale:
            print("canonical specs are stale: run `gatewright normalize`", file=sys.stderr)
            return EXIT_FAILED
        print(f"canonical specs in {args.out} are up to date")
        return EXIT_OK
    results = normalize_all(args.sources, args.out)
    for result in results:
        for note in result.notes:
            print(f"{result.api_id}: {note}")
        print(f"{result.api_id}: {len(result.repairs)} repairs -> {result.spec_path}")
    return EXIT_OK


def _add_allow_host(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-host",
        action="append",
        metavar="NAME",
        help="also answer requests whose Host is NAME, e.g. a DNS name the server is shared under "
        "(repeatable; loopback names and --host always are)",
    )


def _add_byte_budget(parser: argparse.ArgumentParser, flag: str, default: int, what: str) -> None:
    """A byte budget option: a positive count, its default said in bytes and MiB."""
    parser.add_argument(
        flag,
        type=positive_int,
        default=default,
        metavar="N",
        help=f"{what} (default {default}: {default // (1024 * 1024)} MiB)",
    )


def _add_normalize(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("normalize", help="rebuild specs/canonical/ from specs/sources/")
    parser.add_argument("--sources", type=Path, default=Path("specs/sources"), help="where the sources are")
    parser.add_argument("--out", type=Path, default=Path("specs/canonical"), help="where to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed specs are stale")
    parser.set_defaults(run=_normalize)


def _mock(args: argparse.Namespace) -> int:
    from gatewright.mock import serve
    from gatewright.mock.replay import ReplaySettings
    from gatewright.mock.rules import FaultSettings, RuleError
    from gatewright.mock.shared import StoreUnavailable
    from gatewright.mock.workers import WorkersExited

    if args.replay is None and (args.replay_strict or args.replay_nonconformant):
        flag = "--replay-strict" if args.replay_strict else "--replay-nonconformant"
        print(f"gatewright mock: error: {flag} needs --replay DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.workers > 1 and args.store is None:
        print("gatewright mock: error: --workers needs a shared store (--store redis://…)", file=sys.stderr)
        return EXIT_USAGE
    replay = (
        ReplaySettings(
            args.replay,
            strict=args.replay_strict,
            nonconformant=args.replay_nonconformant,
            budget=args.replay_bytes,
        )
        if args.replay is not None
        else None
    )
    try:
        serve(
            apis=args.api or None,
            spec_path=args.spec,
            host=args.host,
            port=args.port,
            seed=args.seed,
            access_log=not args.quiet,
            task_duration=args.task_duration,
            task_polls=args.task_polls,
            task_retention=args.task_retention,
            allow_callback_hosts=args.allow_callback_hosts,
            rules=args.rules or (),
            faults=FaultSettings(latency_ms=args.latency, error_rate=args.error_rate, rpm=args.rpm),
            read_timeout=args.read_timeout or None,
            replay=replay,
            allow_hosts=args.allow_host or (),
            upload_budget=args.max_upload_bytes,
            journal_bytes=args.journal_bytes,
            journal_entry_bytes=args.journal_entry_bytes,
            store=args.store,
            store_prefix=args.store_prefix,
            workers=args.workers,
        )
    except (RuleError, StoreUnavailable) as exc:  # a rules file refused; Redis does not answer at start
        print(f"gatewright mock: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkersExited as exc:  # --workers N: every worker died on its own (each logged)
        print(f"gatewright mock: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # cannot listen: the port is in use, the host is not this machine's, ...
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        print(f"gatewright mock: error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _add_mock(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("mock", help="serve the canonical specs as a stateful mock gateway")
    parser.add_argument("--api", action="append", choices=API_IDS, help="serve this API (repeatable)")
    parser.add_argument("--spec", type=Path, help="serve another OpenAPI 3.1 document instead")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port, default=8080)
    _add_allow_host(parser)
    _add_byte_budget(
        parser,
        "--max-upload-bytes",
        256 * 1024 * 1024,
        "bytes of uploads kept at once; an upload past it is a 413",
    )
    _add_byte_budget(
        parser,
        "--journal-bytes",
        64 * 1024 * 1024,
        "bytes the request journal keeps; the oldest requests go first",
    )
    _add_byte_budget(
        parser,
        "--journal-entry-bytes",
        1024 * 1024,
        "bytes of one request's body the journal keeps; a longer one is kept as its beginning, "
        "marked truncated",
    )
    parser.add_argument("--seed", type=int, default=None, help="make generated data and ids reproducible")
    parser.add_argument("--quiet", action="store_true", help="no request log")
    parser.add_argument(
        "--task-duration",
        type=non_negative,
        default=1.0,
        metavar="SECONDS",
        help="seconds from creating a task to its success state (default 1.0)",
    )
    parser.add_argument(
        "--task-polls",
        type=positive_int,
        default=None,
        metavar="N",
        help="also finish a task at its N-th poll, whichever comes first",
    )
    parser.add_argument(
        "--task-retention",
        type=non_negative,
        default=None,
        metavar="SECONDS",
        help="how long a finished task stays readable (default 3600)",
    )
    parser.add_argument(
        "--allow-callback-hosts",
        action="store_true",
        help="deliver task callbacks to any host, not only loopback",
    )
    parser.add_argument(
        "--rules", action="append", type=Path, metavar="FILE", help="a rules file, YAML or JSON (repeatable)"
    )
    parser.add_argument(
        "--latency", type=non_negative, default=0.0, metavar="MS", help="added to every API request"
    )
    parser.add_argument(
        "--error-rate",
        type=probability,
        default=0.0,
        metavar="P",
        help="this share of API requests fail with a 500 in the API's envelope",
    )
    parser.add_argument(
        "--rpm",
        type=positive_int,
        default=None,
        metavar="N",
        help="requests per minute per API; beyond it 429 with Retry-After and x-ratelimit-* headers",
    )
    parser.add_argument(
        "--read-timeout",
        type=non_negative,
        default=30.0,
        metavar="SECONDS",
        help="seconds a client may take to send a request's headers, and its body (default 30; "
        "0: aiohttp's defaults, 75 s for headers and none for the body)",
    )
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="DIR",
        help="answer recorded requests with their recorded answers first (`gatewright proxy --record DIR`)",
    )
    parser.add_argument(
        "--replay-strict",
        action="store_true",
        help="with --replay: a request nothing recorded gets 404 in the API's error envelope",
    )
    parser.add_argument(
        "--replay-nonconformant",
        action="store_true",
        help="with --replay: also replay recorded answers that break the spec",
    )
    _add_byte_budget(
        parser,
        "--replay-bytes",
        256 * 1024 * 1024,
        "with --replay: bytes of fixture files read at most; past it the mock does not start",
    )
    parser.add_argument(
        "--store",
        type=store_url,
        default=None,
        metavar="URL",
        help="where the mock keeps its state: 'memory' (the default: this process) or "
        "redis://HOST:PORT/DB, shared by every mock pointed at it",
    )
    parser.add_argument(
        "--store-prefix",
        type=store_prefix,
        default="gatewright",
        metavar="NAME",
        help="with --store redis://…: the namespace of the mock's keys, so several mocks can share one "
        "Redis apart (letters, digits, -_.:; default gatewright)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="serve with N processes on one port (N > 1 needs --store redis://…)",
    )
    parser.set_defaults(run=_mock)


def _verify(args: argparse.Namespace) -> int:
    from gatewright.verify import main as verify_main

    return verify_main(args)


def _add_verify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("verify", help="check a live gateway against a canonical spec")
    add_verify_arguments(parser)  # shared with the pytest plugin (gatewright.verify_options)
    parser.add_argument(
        "--diff",
        type=Path,
        metavar="OLD_REPORT_JSON",
        help="compare with an earlier report.json; exit 1 only on new findings (regressions)",
    )
    parser.set_defaults(run=_verify)


def _report_merge(args: argparse.Namespace) -> int:
    from gatewright.conformance.redact import Redactor
    from gatewright.conformance.reporting import REPORT_FILES, ReportWriter
    from gatewright.conformance.reporting.merge import MergeError, load_report, merge_shards

    try:
        reports = [load_report(path) for path in args.reports]
        merged = merge_shards(reports, [str(path) for path in args.reports])
    except MergeError as exc:
        print(f"gatewright report merge: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        ReportWriter(args.out, Redactor()).write(merged)  # the shards' reports are redacted already
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        print(f"gatewright report merge: error: cannot write to {args.out}: {reason}", file=sys.stderr)
        return EXIT_USAGE
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(merged.outcome_counts().items()))
    print(
        f"merged {len(reports)} reports: {len(merged.units)} units ({counts or 'none'}), "
        f"{len(merged.findings)} findings -> {args.out}/ ({', '.join(REPORT_FILES)})"
    )
    return EXIT_FAILED if merged.failed else EXIT_OK


def _add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="work with verify's reports (merge CI shards)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    merge = actions.add_parser(
        "merge",
        help="join the reports of `verify --shard K/N` runs into one",
        description="Join shard reports (report.json) into one report.json, junit.xml and report.html "
        "with the totals of one unsharded run. Exit 0 when nothing failed, 1 when something did, "
        "2 when the reports cannot be merged (different specs, targets or seeds, a shard missing or "
        "given twice, a unit in two reports).",
    )
    merge.add_argument(
        "reports", nargs="+", type=Path, metavar="DIR", help="a shard's report directory (or its report.json)"
    )
    merge.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the merged reports go")
    merge.set_defaults(run=_report_merge)


def _proxy(args: argparse.Namespace) -> int:
    from gatewright.proxy.cli import main as proxy_main

    return proxy_main(args)


def _add_proxy(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("proxy", help="forward to a live gateway and judge every exchange")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--api", choices=API_IDS)
    target.add_argument("--spec", type=Path)
    parser.add_argument("--upstream", type=http_url, required=True, help="the gateway to forward to")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port, default=8081)
    _add_allow_host(parser)
    parser.add_argument("--record", type=Path, metavar="DIR", help="write each exchange as a fixture")
    parser.add_argument("--report-dir", type=Path, default=None, help="default reports/proxy-<api>/")
    parser.add_argument(
        "--fail-on-violation", action="store_true", help="exit 1 on exit if any violation was found"
    )
    parser.add_argument(
        "--secret-header",
        action="append",
        metavar="NAME",
        help="also redact this header in recordings and reports (repeatable)",
    )
    parser.add_argument(
        "--upstream-timeout",
        type=positive,
        default=300.0,
        metavar="SECONDS",
        help="seconds of upstream silence before an exchange fails with a 502 (default 300)",
    )
    parser.add_argument(
        "--read-timeout",
        type=non_negative,
        default=30.0,
        metavar="SECONDS",
        help="seconds a client may take to send a request's headers (also how long an idle connection "
        "stays open), and its body (default 30; 0: aiohttp's defaults)",
    )
    _add_byte_budget(
        parser,
        "--capture-bytes",
        8 * 1024 * 1024,
        "bytes of each body (decoded) kept for judging and recording; a longer one passes whole, "
        "judged as cut",
    )
    _add_byte_budget(
        parser,
        "--judge-queue-bytes",
        64 * 1024 * 1024,
        "bytes of exchanges waiting to be judged; past it exchanges pass unjudged and the reports count them",
    )
    parser.set_defaults(run=_proxy)


# What ``gatewright --help`` says: what the tool is for, then one example per command.
DESCRIPTION = """\
Contract testing and a stateful mock for AI gateway APIs, driven by their OpenAPI documents:
serve an API as a mock, check a live gateway against its spec, or sit between a client and a
gateway and judge every exchange."""
EXAMPLES = """examples:
  gatewright normalize --check
      exit 1 when specs/canonical/ is stale against specs/sources/
  gatewright mock --api empiriolabs --port 8080 --seed 1
      serve one API's spec at http://127.0.0.1:8080/v1/... with reproducible answers
  gatewright verify --api empiriolabs --base-url https://gateway.example --model gpt-4o-mini
      check a live gateway (key in GATEWRIGHT_API_KEY); reports in reports/empiriolabs/
  gatewright report merge shard-1/ shard-2/ --out reports/empiriolabs/
      join the reports of `verify --shard 1/2` and `--shard 2/2` into one
  gatewright proxy --api empiriolabs --upstream https://gateway.example --record fixtures/
      forward 127.0.0.1:8081 to the gateway, judge each exchange, record fixtures for mock --replay
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gatewright",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gatewright {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_normalize(sub)
    _add_mock(sub)
    _add_verify(sub)
    _add_report(sub)
    _add_proxy(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except SpecError as exc:
        print(f"gatewright {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
