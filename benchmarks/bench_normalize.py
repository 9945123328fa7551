"""Time a full normalize of all five sources (parse, every repair pass, serialization).

Run: python benchmarks/bench_normalize.py [--repeat N]. Prints the best and median of N runs,
and the time per stage of the fastest run, so a regression shows where it came from.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from gatewright.normalize.lifecycles import lifecycles_beside, load_lifecycles
from gatewright.normalize.passes import PASSES
from gatewright.normalize.passes.base import Context
from gatewright.normalize.pipeline import find_sources
from gatewright.spec.loader import load_source

SOURCES = Path(__file__).resolve().parents[1] / "specs" / "sources"


def one_run() -> dict[str, float]:
    timings: dict[str, float] = {"load": 0.0, "serialize": 0.0}
    for api_id, path in find_sources(SOURCES).items():
        started = time.perf_counter()
        source = load_source(path)
        lifecycles = load_lifecycles(lifecycles_beside(path))
        timings["load"] += time.perf_counter() - started
        document = source.document
        context = Context(api_id=api_id, prose=source.prose, lifecycles=lifecycles)
        repairs = []
        for repair_pass in PASSES:
            started = time.perf_counter()
            document, found = repair_pass.apply(document, context)
            repairs.extend(found)
            timings[repair_pass.name] = timings.get(repair_pass.name, 0.0) + time.perf_counter() - started
        started = time.perf_counter()
        from gatewright.normalize.pipeline import NormalizeResult

        result = NormalizeResult(api_id, document, tuple(repairs))
        result.spec_bytes()
        result.repairs_bytes()
        timings["serialize"] += time.perf_counter() - started
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.repeat)]
    totals = [sum(run.values()) for run in runs]
    best = runs[totals.index(min(totals))]
    print(
        f"normalize all five: best {min(totals):.2f} s, median {statistics.median(totals):.2f} s "
        f"over {args.repeat} runs (target < 5 s)"
    )
    for stage, seconds in sorted(best.items(), key=lambda item: -item[1])[:8]:
        print(f"  {stage:<24} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
