"""Milliseconds per page of a task list as tasks accumulate, in one run.

The mock (``empiriolabs`` only, at the root) runs in-process on 127.0.0.1; one job is
created over HTTP (so the list shows tasks, not the documented examples), then the
task engine is filled directly to 1,000 and 15,000 tasks with the same context. At
each size ``GET /v1/jobs?limit=20`` is timed (median and p95 of ``--pages``
requests) and so is the engine's own page lookup without HTTP. A page should cost
about the same at every size: the list touches the page's tasks, not all of them.

    python benchmarks/bench_task_list.py [--pages 200] [--limit 20] [--sizes 0,1000,15000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gatewright.mock import create_app
from gatewright.mock.keys import EXTENSIONS
from gatewright.mock.tasks.extension import TaskExtension

AUTH = {"Authorization": "Bearer sk-bench", "x-api-key": "sk-bench"}
CREATE = ("/v1/videos/generations", {"model": "bench-model", "prompt": "a cat"})


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _fill(client: TestClient[web.Request, web.Application], tasks: TaskExtension, count: int) -> None:
    """Bring the engine to ``count`` live tasks, like the one made over HTTP."""
    engine = tasks.engine
    model = next(iter(engine.list_tasks("empiriolabs")), None)
    if model is None:
        response = await client.post(CREATE[0], json=CREATE[1], headers=AUTH)
        assert response.status < 300, (response.status, await response.text())
        model = next(iter(engine.list_tasks("empiriolabs")))
    while len(engine) < count:
        engine.create(
            "empiriolabs",
            model.operation_id,
            model.states,
            outcome=model.outcome,
            context=model.context,
            timing=model.timing,
            retention=model.retention,
        )


async def _time_pages(
    client: TestClient[web.Request, web.Application], pages: int, limit: int
) -> list[float]:
    timings = []
    for _ in range(pages):
        started = time.perf_counter()
        response = await client.get("/v1/jobs", params={"limit": str(limit)}, headers=AUTH)
        body = await response.read()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (response.status, body[:200])
    return timings


def _time_engine(tasks: TaskExtension, pages: int, limit: int) -> float:
    creates = tuple({task.operation_id for task in tasks.engine.list_tasks("empiriolabs")}) or ("none",)
    started = time.perf_counter()
    for _ in range(pages):
        tasks.engine.list_tasks("empiriolabs", creates, limit=limit)
    return (time.perf_counter() - started) * 1000 / pages


async def main(pages: int, limit: int, sizes: list[int]) -> list[dict[str, Any]]:
    app = create_app(["empiriolabs"], seed=1, access_log=False)
    tasks = next(e for e in app[EXTENSIONS] if isinstance(e, TaskExtension))
    rows = []
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        for size in sizes:
            if size:
                await _fill(client, tasks, size)
            await _time_pages(client, 10, limit)  # warm up
            timings = await _time_pages(client, pages, limit)
            rows.append(
                {
                    "tasks": len(tasks.engine),
                    "median_ms": statistics.median(timings),
                    "p95_ms": _percentile(timings, 0.95),
                    "engine_ms": _time_engine(tasks, pages, limit),
                }
            )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="requests timed at each size")
    parser.add_argument("--limit", type=int, default=20, help="page size")
    parser.add_argument("--sizes", default="0,1000,15000", help="comma-separated task counts")
    options = parser.parse_args()
    results = asyncio.run(main(options.pages, options.limit, [int(s) for s in options.sizes.split(",")]))
    print(f"GET /v1/jobs?limit={options.limit} (empiriolabs, in-process on 127.0.0.1)")
    print(f"{'tasks':>7}  {'median ms':>9}  {'p95 ms':>7}  {'engine ms':>9}")
    for row in results:
        print(f"{row['tasks']:>7}  {row['median_ms']:>9.2f}  {row['p95_ms']:>7.2f}  {row['engine_ms']:>9.3f}")
