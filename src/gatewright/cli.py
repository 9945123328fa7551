"""The ``gatewright`` command: parses options and calls the library. No logic lives here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gatewright._version import __version__
from gatewright.argtypes import http_url, non_negative, port, positive
from gatewright.mock_options import ALLOW_HOST, Flag, mock_options
from gatewright.mock_options import add_arguments as add_mock_arguments
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


def _add_byte_budget(parser: argparse.ArgumentParser, flag: str, default: int, what: str) -> None:
    """A byte budget option: a positive count, its default said in bytes and MiB (as the mock's are)."""
    Flag(flag.removeprefix("--"), what, budget=True).add_to(parser, default)


def _add_normalize(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("normalize", help="rebuild specs/canonical/ from specs/sources/")
    parser.add_argument("--sources", type=Path, default=Path("specs/sources"), help="where the sources are")
    parser.add_argument("--out", type=Path, default=Path("specs/canonical"), help="where to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed specs are stale")
    parser.set_defaults(run=_normalize)


def _mock(args: argparse.Namespace) -> int:
    from gatewright.mock import serve
    from gatewright.mock.rules import RuleError
    from gatewright.mock.shared_values import StoreUnavailable
    from gatewright.mock.workers import WorkersExited

    try:
        options = mock_options(vars(args))
    except ValueError as exc:  # options that do not go together: --replay-strict without --replay, ...
        print(f"gatewright mock: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        serve(apis=args.api or None, spec_path=args.spec, options=options)
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
    add_mock_arguments(parser)  # one table with the library's MockOptions (gatewright.mock_options)
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
    ALLOW_HOST.add_to(parser)
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
