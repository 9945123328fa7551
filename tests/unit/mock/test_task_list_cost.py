"""A task list page touches about ``limit`` tasks, and ``tick`` only the tasks that are due, however many
the engine holds (counted, not timed: ``machine.advance`` is wrapped with a counter)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gatewright.mock import create_app
from gatewright.mock.keys import EXTENSIONS
from gatewright.mock.paging import ListPage
from gatewright.mock.tasks import ManualClock, Outcome, Task, TaskEngine, TaskTiming, machine
from gatewright.mock.tasks.extension import TaskExtension
from gatewright.mock.tasks.listing import ListQuery
from gatewright.mock.tasks.responses import TaskBodies
from gatewright.spec.tasks import TaskSpec

JOB = TaskSpec.from_extension(
    {
        "poll": "getJob",
        "id": "$response.body#/id",
        "status": "/status",
        "states": {
            "running": ["processing"],
            "succeeded": ["completed"],
            "failed": ["failed"],
            "cancelled": ["cancelled"],
        },
    }
)
AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}


class Counter:
    def __init__(self) -> None:
        self.calls = 0


@pytest.fixture
def advances(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    """Counts every ``machine.advance`` call (the engine looks at a task through it)."""
    counter = Counter()
    real = machine.advance

    def counting(task: Task, now: float) -> Task:
        counter.calls += 1
        return real(task, now)

    monkeypatch.setattr(machine, "advance", counting)
    yield counter


def _filled(count: int) -> tuple[TaskEngine, ManualClock]:
    clock = ManualClock()
    engine = TaskEngine(clock=clock, seed=3)
    for n in range(count):  # two listed operations and one other, interleaved; some in another API
        operation = ("createVideo", "createImage", "createFile")[n % 3]
        engine.create("empiriolabs" if n % 10 else "other", operation, JOB)
    return engine, clock


def test_a_page_visits_about_limit_tasks(advances: Counter) -> None:
    engine, clock = _filled(15_000)
    clock.advance(5)  # all finished; nobody has looked at them yet
    query = ListQuery({}, ListPage(limit=20))
    advances.calls = 0
    page, more = query.page(engine, "empiriolabs", ("createVideo", "createImage"))
    assert len(page) == 20 and more
    assert advances.calls <= 21
    assert [t.seq for t in page] == sorted(t.seq for t in page)  # creation order across operations
    assert {t.operation_id for t in page} == {"createVideo", "createImage"}


def test_a_filtered_page_stops_once_it_is_full(advances: Counter) -> None:
    engine, clock = _filled(3_000)
    cancelled = engine.list_tasks("empiriolabs", ["createVideo"], limit=30)
    for task in cancelled:
        engine.cancel("empiriolabs", task.id)
    clock.advance(5)
    advances.calls = 0
    page, more = ListQuery({}, ListPage((("status", ("failed",)),), limit=5)).page(
        engine, "empiriolabs", ("createVideo",)
    )
    assert page == [] and not more  # no task failed: every one is looked at once, none twice
    assert advances.calls <= len(engine)
    advances.calls = 0
    page, _ = ListQuery({}, ListPage((("status", ("completed",)),), limit=5)).page(
        engine, "empiriolabs", ("createVideo",)
    )
    assert len(page) == 5
    assert advances.calls <= 5 + 1 + len(cancelled)  # the cancelled ones come first and are skipped


def test_tick_looks_only_at_tasks_that_are_due(advances: Counter) -> None:
    clock = ManualClock()
    engine = TaskEngine(clock=clock, timing=TaskTiming(duration=10, queued=1), retention=100, seed=1)
    for _ in range(5_000):
        engine.create("a", "op", JOB)
    engine.create("a", "op", JOB, outcome=Outcome.HANG)
    advances.calls = 0
    assert engine.tick() == []
    assert advances.calls == 0  # nothing due yet
    clock.advance(1)
    engine.tick()  # queued -> running for each
    assert advances.calls == 5_001
    advances.calls = 0
    clock.advance(0.5)
    engine.tick()
    assert advances.calls == 0
    clock.advance(9)
    finished = engine.tick()
    assert len(finished) == 5_000 and advances.calls == 5_000  # the hanging task is never due
    advances.calls = 0
    clock.advance(50)
    engine.tick()
    assert advances.calls == 0
    clock.advance(51)  # past retention: each finished task is dropped, the hanging one stays
    engine.tick()
    assert len(engine) == 1


def test_expired_tasks_leave_the_lists_and_the_indexes() -> None:
    engine, clock = _filled(300)
    clock.advance(1 + 3600 + 1)
    assert engine.list_tasks("empiriolabs", ["createVideo"], limit=5) == []
    engine.tick()
    assert len(engine) == 0
    assert engine.list_tasks() == []


def test_a_poll_driven_task_finishes_on_its_polls_and_expires_on_time() -> None:
    clock = ManualClock()
    engine = TaskEngine(clock=clock, timing=TaskTiming(duration=math.inf, queued=0, polls=2), retention=5)
    task = engine.create("a", "op", JOB)
    assert engine.tick() == []
    engine.poll("a", task.id)
    polled = engine.poll("a", task.id)
    assert polled is not None and polled.terminal
    clock.advance(6)
    engine.tick()
    assert len(engine) == 0


@pytest.mark.asyncio
async def test_the_list_route_renders_only_its_page(
    advances: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(["empiriolabs"], seed=1, access_log=False)
    tasks = next(e for e in app[EXTENSIONS] if isinstance(e, TaskExtension))
    renders = Counter()
    real_render = TaskBodies.render

    def counting(self: TaskBodies, *args: Any, **kwargs: Any) -> Any:
        renders.calls += 1
        return real_render(self, *args, **kwargs)

    monkeypatch.setattr(TaskBodies, "render", counting)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        created = await client.post(
            "/v1/videos/generations", json={"model": "m", "prompt": "x"}, headers=AUTH
        )
        assert created.status < 300
        first = tasks.engine.list_tasks("empiriolabs")[0]
        never = TaskTiming(duration=math.inf, queued=math.inf)  # never due: the background tick skips them
        for _ in range(2_000):
            tasks.engine.create(
                "empiriolabs", first.operation_id, first.states, context=first.context, timing=never
            )
        advances.calls = renders.calls = 0
        response = await client.get("/v1/jobs", params={"limit": "3"}, headers=AUTH)
        assert response.status == 200
        assert len((await response.json())["data"]) == 3
        assert advances.calls <= 3 + 1 + 1  # the page, one more for has_more, the first task's own tick
        assert renders.calls <= 3
        renders.calls = 0
        await client.get("/v1/jobs", params={"limit": "3"}, headers=AUTH)
        assert renders.calls <= 3  # unchanged tasks are not rendered again
