"""``gatewright proxy``: argparse Namespace in, ProxyOptions out, exit code back. No logic lives here."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gatewright.conformance.preflight import PreflightError, check_report_dir
from gatewright.proxy.engine import Proxy
from gatewright.proxy.options import ProxyOptions
from gatewright.proxy.server import serve

EXIT_USAGE = 2


def options_from_args(args: argparse.Namespace) -> ProxyOptions:
    return ProxyOptions(
        upstream=args.upstream,
        api=args.api,
        spec_path=Path(args.spec) if args.spec else None,
        host=args.host,
        port=args.port,
        allow_hosts=tuple(args.allow_host or ()),
        record_dir=args.record,
        report_dir=args.report_dir,
        fail_on_violation=args.fail_on_violation,
        secret_headers=frozenset(args.secret_header or ()),
        read_timeout=args.upstream_timeout,
        client_timeout=args.read_timeout or None,
        capture_limit=args.capture_bytes,
        queue_bytes=args.judge_queue_bytes,
    )


def main(args: argparse.Namespace) -> int:
    """Run ``gatewright proxy`` until SIGINT/SIGTERM; exit 1 on findings only with ``--fail-on-violation``."""
    options = options_from_args(args)
    try:
        check_report_dir(options.default_report_dir())
        if options.record_dir is not None:
            options.record_dir.mkdir(parents=True, exist_ok=True)
    except PreflightError as exc:
        sys.stderr.write(f"gatewright proxy: error: {exc}\n")
        return EXIT_USAGE
    except OSError as exc:
        sys.stderr.write(
            f"gatewright proxy: error: cannot record to {options.record_dir}: {exc.strerror or exc}\n"
        )
        return EXIT_USAGE
    proxy = Proxy(options, out=sys.stderr)
    try:
        return serve(proxy)
    except OSError as exc:  # cannot listen: the port is in use, the host is not this machine's, ...
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        sys.stderr.write(
            f"gatewright proxy: error: cannot listen on {options.host}:{options.port}: {reason}\n"
        )
        return EXIT_USAGE
