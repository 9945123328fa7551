"""Cases per second of ``gatewright verify`` against plain schemathesis, same spec, same mock, one run.

The mock (``gatewright mock --quiet``: no request log) serves one API alone on a free 127.0.0.1
port in a subprocess. Plain ``st run --checks all`` and ``gatewright verify`` (all phases) then
run against it in turn, each as a subprocess with the same ``--max-examples`` and ``--seed`` and
the mock reset between them. Cases are what each tool sent: schemathesis's "N generated", and the
calls in verify's ``report.json`` (every request its units sent; ``ignored_auth`` probes count for
neither). Prints cases, seconds and cases/s for both and the verify/schemathesis ratios.

    python benchmarks/bench_verify.py [--api voxvey ...] [--max-examples 10] [--seed 1] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median

from gatewright.spec import API_IDS, canonical_path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
KEY = "sk-gatewright-bench"
# The judge's scoping of two schemathesis self-contradictions (see the file): without it
# schemathesis reports them and spends its time shrinking them, which is not what is measured.
ST_CONFIG = ROOT / ".ci" / "mock_judge.schemathesis.toml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def control(url: str, method: str, path: str) -> None:
    request = urllib.request.Request(f"{url}/__gatewright{path}", data=b"" if method == "POST" else None)
    request.method = method
    with urllib.request.urlopen(request, timeout=5) as response:
        response.read()


def wait_ready(url: str, mock: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and mock.poll() is None:
        try:
            control(url, "GET", "/health")
            return
        except OSError:
            time.sleep(0.1)
    error = mock.stderr.read().decode(errors="replace") if mock.poll() is not None and mock.stderr else ""
    raise RuntimeError(f"the mock at {url} did not start\n{error[-2000:]}")


def run_schemathesis(api: str, url: str, max_examples: int, seed: int) -> tuple[int, float]:
    st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    command = [st]
    if ST_CONFIG.exists():
        command += ["--config-file", str(ST_CONFIG)]
    command += [
        "run", str(canonical_path(api)), "--url", url, "--checks", "all",
        "--max-examples", str(max_examples), "--seed", str(seed),
        "-H", f"Authorization: Bearer {KEY}", "-H", f"x-api-key: {KEY}", "-H", f"x-admin-token: {KEY}",
    ]  # fmt: skip
    started = time.perf_counter()
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    elapsed = time.perf_counter() - started
    match = re.search(r"(\d+) generated", output)
    if match is None:
        raise RuntimeError(f"no case count in schemathesis's output:\n{output[-2000:]}")
    return int(match.group(1)), elapsed


def run_verify(api: str, url: str, max_examples: int, seed: int) -> tuple[int, float, bool]:
    with tempfile.TemporaryDirectory() as reports:
        command = [
            sys.executable, "-m", "gatewright", "verify", "--api", api, "--base-url", url,
            "--api-key", KEY, "--max-examples", str(max_examples), "--seed", str(seed),
            "--report-dir", reports,
        ]  # fmt: skip
        started = time.perf_counter()
        code = subprocess.run(command, capture_output=True, text=True, check=False).returncode
        elapsed = time.perf_counter() - started
        report = json.loads((Path(reports) / "report.json").read_text(encoding="utf-8"))
    calls = sum(int(unit["calls"]) for unit in report["units"])
    return calls, elapsed, code == 0


def bench(api: str, max_examples: int, seed: int, rounds: int) -> tuple[float, float]:
    """The two tools take turns ``rounds`` times against one mock (reset before each run); the
    figures are medians, so a machine busy with something else for one run skews neither."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    serve = ["mock", "--api", api, "--port", str(port), "--seed", "1", "--quiet"]
    mock = subprocess.Popen(
        [sys.executable, "-m", "gatewright", *serve],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # read only when it fails to start; --quiet keeps it empty otherwise
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    st_runs: list[tuple[int, float]] = []
    gw_runs: list[tuple[int, float]] = []
    passed = True
    try:
        wait_ready(url, mock)
        for _ in range(rounds):
            control(url, "POST", "/reset")
            st_runs.append(run_schemathesis(api, url, max_examples, seed))
            control(url, "POST", "/reset")
            cases, seconds, ok = run_verify(api, url, max_examples, seed)
            gw_runs.append((cases, seconds))
            passed = passed and ok
    finally:
        mock.terminate()
        mock.wait(10)
    st_cases, st_seconds = int(median(c for c, _ in st_runs)), median(s for _, s in st_runs)
    gw_cases, gw_seconds = int(median(c for c, _ in gw_runs)), median(s for _, s in gw_runs)
    st_rate = median(c / s for c, s in st_runs)
    gw_rate = median(c / s for c, s in gw_runs)
    print(f"{api} (median of {rounds}):")
    print(f"  schemathesis st run   {st_cases:6d} cases in {st_seconds:6.1f} s  {st_rate:7.1f} cases/s")
    print(
        f"  gatewright verify     {gw_cases:6d} cases in {gw_seconds:6.1f} s  {gw_rate:7.1f} cases/s"
        f"  ({'passed' if passed else 'FAILED'})"
    )
    print(f"  verify/schemathesis   rate {gw_rate / st_rate:.2f}  cases {gw_cases / st_cases:.2f}")
    return gw_rate / st_rate, gw_cases / st_cases


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api", action="append", choices=API_IDS, help="repeatable (default: voxvey)")
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each tool, taking turns")
    args = parser.parse_args()
    for api in args.api or ["voxvey"]:
        bench(api, args.max_examples, args.seed, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
