"""The long judges of the mock, shared by nox (full) and CI (small example counts).

    python tests/judges/run_judges.py schemathesis [API ...] [--max-examples N]
    python tests/judges/run_judges.py verify [API ...] [--max-examples N]

``schemathesis`` runs plain ``st run --checks all`` against the mock, the independent judge of
issue 3; ``verify`` runs ``gatewright verify``, which must find nothing in our own mock. Each API
is served alone, in process, at the root of a loopback port. Exit 1 when any API fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gatewright.cli import main as gatewright_main
from gatewright.spec import API_IDS, canonical_path
from gatewright.testing import running_mock

ROOT = Path(__file__).resolve().parents[2]
# Two schemathesis 4.32.5 self-contradictions, scoped to five named operations (explained in the file).
SCHEMATHESIS_CONFIG = ROOT / ".ci" / "mock_judge.schemathesis.toml"
KEY = "sk-gatewright-judge"


def judge_schemathesis(api: str, url: str, max_examples: int) -> bool:
    st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    command = [
        st, "--config-file", str(SCHEMATHESIS_CONFIG), "run", str(canonical_path(api)),
        "--url", url, "--checks", "all", "--max-examples", str(max_examples), "--seed", "1",
        "-H", f"Authorization: Bearer {KEY}", "-H", f"x-api-key: {KEY}", "-H", f"x-admin-token: {KEY}",
    ]  # fmt: skip
    return subprocess.run(command, check=False).returncode == 0


def judge_verify(api: str, url: str, max_examples: int) -> bool:
    report_dir = ROOT / "reports" / "mock" / api
    arguments = [
        "verify", "--api", api, "--base-url", url, "--api-key", KEY,
        "--max-examples", str(max_examples), "--seed", "1", "--report-dir", str(report_dir),
    ]  # fmt: skip
    return gatewright_main(arguments) == 0


JUDGES = {"schemathesis": judge_schemathesis, "verify": judge_verify}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("judge", choices=sorted(JUDGES))
    parser.add_argument("apis", nargs="*", metavar="API", help=f"any of {', '.join(API_IDS)} (default: all)")
    parser.add_argument("--max-examples", type=int, default=5)
    args = parser.parse_args()
    failed = []
    unknown = set(args.apis) - set(API_IDS)
    if unknown:
        parser.error(f"unknown API: {', '.join(sorted(unknown))}")
    for api in args.apis or API_IDS:
        started = time.monotonic()
        with running_mock([api], seed=1) as url:
            passed = JUDGES[args.judge](api, url, args.max_examples)
        sys.stdout.write(
            f"{args.judge} judge, {api}: {'passed' if passed else 'FAILED'} "
            f"in {time.monotonic() - started:.1f} s\n"
        )
        if not passed:
            failed.append(api)
    if failed:
        sys.stdout.write(f"{args.judge} judge failed for: {', '.join(failed)}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
