"""The task engine, driven by a ManualClock: lifecycles, steering, cancel, expiry, concurrency, callbacks."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from aiohttp import web
from jsonschema import Draft202012Validator

from gatewright.mock.tasks import (
    TRANSITIONS,
    CallbackDispatcher,
    CallbackPolicy,
    InvalidTransition,
    ManualClock,
    Outcome,
    Phase,
    TaskEngine,
    TaskTiming,
    find_callback_url,
    render_task,
)
from gatewright.mock.tasks.machine import transition
from gatewright.spec.tasks import TaskSpec

VIDEO = TaskSpec.from_extension(
    {
        "poll": "getVideoJob",
        "cancel": "cancelVideoJob",
        "id": "$response.body#/id",
        "status": "/status",
        "states": {
            "initial": ["queued"],
            "running": ["in_progress"],
            "succeeded": ["completed"],
            "failed": ["failed"],
            "cancelled": ["cancelled"],
        },
        "result": "/video_url",
    }
)
JOBS = TaskSpec.from_extension(  # empiriolabs: no initial, no cancelled word
    {
        "poll": "getJob",
        "id": "$response.body#/job_id",
        "status": "/status",
        "states": {"running": ["processing"], "succeeded": ["completed"], "failed": ["failed"]},
        "result": "/result",
    }
)


def make_engine(**kwargs: Any) -> tuple[TaskEngine, ManualClock]:
    clock = ManualClock()
    return TaskEngine(clock=clock, seed=7, **kwargs), clock


def test_lifecycle_runs_with_monotonic_progress_and_consistent_timestamps() -> None:
    engine, clock = make_engine()
    task = engine.create("voxvey", "createVideo", VIDEO, results=["http://mock/v.mp4"])
    assert (task.phase, task.status, task.progress) == (Phase.INITIAL, "queued", 0.0)
    seen: list[tuple[str, float]] = []
    for _ in range(12):
        polled = engine.poll("voxvey", task.id)
        assert polled is not None
        seen.append((polled.status, polled.progress))
        clock.advance(0.1)
    statuses = [s for s, _ in seen]
    assert statuses[0] == "queued"
    assert "in_progress" in statuses
    assert statuses[-1] == "completed"
    assert statuses.index("completed") > statuses.index("in_progress")
    progress = [p for _, p in seen]
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    assert all(p < 1.0 for s, p in seen if s != "completed")
    done = engine.get("voxvey", task.id)
    assert done is not None and done.started_at is not None and done.completed_at is not None
    assert done.created_at <= done.started_at <= done.completed_at
    assert done.completed_at == pytest.approx(task.created_at + 1.0)  # the moment it was due, not when read


def test_poll_driven_timing() -> None:
    engine, _ = make_engine(timing=TaskTiming(duration=math.inf, queued=0.0, polls=3))
    task = engine.create("beatra", "createImage", VIDEO)
    phases = [engine.poll("beatra", task.id).phase for _ in range(3)]  # type: ignore[union-attr]
    assert phases == [Phase.RUNNING, Phase.RUNNING, Phase.SUCCEEDED]


def test_status_words_borrow_when_a_phase_has_none() -> None:
    states = JOBS.states
    assert states.status_for(Phase.INITIAL) == "processing"
    assert states.status_for(Phase.CANCELLED) == "failed"
    assert not states.can_cancel
    assert states.phase_of("completed") is Phase.SUCCEEDED


def test_transition_table_has_no_way_out_of_terminal_phases() -> None:
    engine, _ = make_engine()
    task = engine.create("x", "op", VIDEO)
    for phase in (Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED):
        assert TRANSITIONS[phase] == frozenset()
    with pytest.raises(InvalidTransition):
        transition(task, Phase.SUCCEEDED, task.created_at)  # must run first


@pytest.mark.parametrize(
    ("prefer", "phase", "status"),
    [
        ("fail", Phase.FAILED, "failed"),
        ("cancel", Phase.CANCELLED, "cancelled"),
        (None, Phase.SUCCEEDED, "completed"),
    ],
)
def test_outcome_steering(prefer: str | None, phase: Phase, status: str) -> None:
    engine, clock = make_engine()
    task = engine.create("x", "op", VIDEO, outcome=Outcome.from_prefer(prefer))
    clock.advance(5)
    final = engine.poll("x", task.id)
    assert final is not None and (final.phase, final.status) == (phase, status)
    assert (final.error is not None) == (phase is not Phase.SUCCEEDED)


def test_hang_never_finishes_and_progress_stays_below_one() -> None:
    engine, clock = make_engine()
    task = engine.create("x", "op", VIDEO, outcome=Outcome.HANG)
    clock.advance(10_000)
    final = engine.poll("x", task.id)
    assert final is not None and final.phase is Phase.RUNNING and final.progress < 1.0


def test_cancel_running_then_cancel_again_reports_already_finished() -> None:
    engine, clock = make_engine()
    task = engine.create("x", "op", VIDEO)
    clock.advance(0.5)
    first = engine.cancel("x", task.id)
    assert first is not None and first.changed and first.task.status == "cancelled"
    assert first.task.completed_at == clock.now()
    again = engine.cancel("x", task.id)
    assert again is not None and again.already_finished and again.task.status == "cancelled"
    assert engine.cancel("x", "nope") is None


def test_cancel_after_success_reports_already_finished() -> None:
    engine, clock = make_engine()
    task = engine.create("x", "op", VIDEO)
    clock.advance(2)
    result = engine.cancel("x", task.id)
    assert result is not None and result.already_finished and result.task.status == "completed"


def test_finished_tasks_expire_after_retention() -> None:
    engine, clock = make_engine(retention=3600)
    task = engine.create("empiriolabs", "createVideo", JOBS)
    clock.advance(1 + 3599)
    kept = engine.get("empiriolabs", task.id)
    assert kept is not None and (kept.id, kept.status) == (task.id, "completed")
    clock.advance(1)
    assert engine.get("empiriolabs", task.id) is None
    assert engine.list_tasks() == []


def test_list_reset_and_seeded_ids() -> None:
    engine, _ = make_engine()
    first = [engine.create("a", "op1", VIDEO).id, engine.create("b", "op2", VIDEO).id]
    assert [t.id for t in engine.list_tasks(api="a")] == first[:1]
    assert [t.id for t in engine.list_tasks(operation_ids=["op2"])] == first[1:]
    engine.reset()
    assert len(engine) == 0
    assert [engine.create("a", "op1", VIDEO).id, engine.create("b", "op2", VIDEO).id] == first
    with pytest.raises(ValueError, match="already exists"):
        engine.create("a", "op1", VIDEO, task_id=first[0])


@pytest.mark.asyncio
async def test_thousand_concurrent_creates_all_finish_without_mix_ups() -> None:
    engine, clock = make_engine()
    apis = ["voxvey", "ipop", "beatra", "imarouter", "empiriolabs"]

    async def one(n: int) -> tuple[int, str, str]:
        await asyncio.sleep(0)
        api = apis[n % 5]
        outcome = Outcome.FAIL if n % 7 == 0 else Outcome.SUCCEED
        task = engine.create(
            api, f"op{n % 3}", VIDEO, outcome=outcome, context={"n": n}, results=[f"http://mock/{n}.mp4"]
        )
        await asyncio.sleep(0)
        return n, api, task.id

    created = await asyncio.gather(*(one(n) for n in range(1000)))
    assert len({task_id for _, _, task_id in created}) == 1000
    clock.advance(2)

    async def check(n: int, api: str, task_id: str) -> None:
        await asyncio.sleep(0)
        task = engine.poll(api, task_id)
        assert task is not None and task.terminal
        assert task.context["n"] == n and task.api == api
        assert task.status == ("failed" if n % 7 == 0 else "completed")
        assert task.results == (f"http://mock/{n}.mp4",)

    await asyncio.gather(*(check(*c) for c in created))
    assert len(engine) == 1000


# --- rendering -------------------------------------------------------------------------------------

JOB_SCHEMA = {
    "type": "object",
    "properties": {
        "job_id": {"type": "string"},
        "status": {"type": "string", "enum": ["processing", "completed", "failed"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "created_at": {"type": "string", "format": "date-time"},
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
        "result": {"$ref": "#/components/schemas/Result"},
        "error": {"anyOf": [{"$ref": "#/components/schemas/Err"}, {"type": "null"}]},
    },
}
DOCUMENT = {
    "components": {
        "schemas": {
            "Result": {
                "type": ["object", "null"],
                "properties": {
                    "data": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"url": {"type": "string"}}},
                    }
                },
            },
            "Err": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
            },
        }
    }
}


def validator() -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry: Registry[Any] = Registry().with_resource(
        "urn:doc", Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
    )
    schema = {
        **JOB_SCHEMA,
        "properties": {
            k: (
                {"$ref": "urn:doc" + v["$ref"]}
                if "$ref" in v
                else {"anyOf": [{"$ref": "urn:doc" + v["anyOf"][0]["$ref"]}, {"type": "null"}]}
                if "anyOf" in v
                else v
            )
            for k, v in JOB_SCHEMA["properties"].items()  # type: ignore[attr-defined]
        },
    }
    return Draft202012Validator(schema, registry=registry)


def test_render_writes_status_progress_timestamps_and_result_and_stays_valid() -> None:
    engine, clock = make_engine()
    check = validator()
    base = {
        "job_id": "job_x",
        "status": "completed",
        "progress": 0.3,
        "created_at": "2020-01-01T00:00:00Z",
        "completed_at": "2020-01-01T00:00:00Z",
        "result": None,
        "error": None,
    }
    task = engine.create("empiriolabs", "createVideo", JOBS, task_id="job_abc", results=["http://m/a.mp4"])

    def render() -> dict[str, Any]:
        current = engine.poll("empiriolabs", task.id)
        assert current is not None
        body = render_task(current, base, JOBS, schema=JOB_SCHEMA, document=DOCUMENT, validate=check.is_valid)
        assert check.is_valid(body), list(check.iter_errors(body))
        return body

    body = render()
    assert body["job_id"] == "job_abc" and body["status"] == "processing"
    assert body["completed_at"] is None and body["result"] is None
    assert body["created_at"] == "2026-01-01T00:00:00Z"
    clock.advance(0.55)
    middle = render()
    assert 0 < middle["progress"] < 1
    clock.advance(1)
    done = render()
    assert done["status"] == "completed" and done["progress"] == 1.0
    assert done["result"] == {"data": [{"url": "http://m/a.mp4"}]}
    assert done["completed_at"] == "2026-01-01T00:00:01Z"


def test_render_failed_fills_error_and_keeps_base_unchanged() -> None:
    engine, clock = make_engine()
    check = validator()
    base = {"job_id": "j", "status": "processing", "error": None}
    task = engine.create("empiriolabs", "createVideo", JOBS, outcome=Outcome.FAIL)
    clock.advance(2)
    current = engine.poll("empiriolabs", task.id)
    assert current is not None
    body = render_task(current, base, JOBS, schema=JOB_SCHEMA, document=DOCUMENT, validate=check.is_valid)
    assert body["status"] == "failed" and body["error"]["message"] and body["error"]["code"] == "task_failed"
    assert check.is_valid(body)
    assert base == {"job_id": "j", "status": "processing", "error": None}


def test_render_nested_status_and_percent_progress_without_schema() -> None:
    spec = TaskSpec.from_extension(
        {
            "poll": "p",
            "id": "$response.body#/data/task_id",
            "status": "/data/status",
            "states": {
                "initial": ["queued"],
                "running": ["processing"],
                "succeeded": ["succeeded"],
                "failed": ["failed"],
            },
            "result": "/data/url",
        }
    )
    engine, clock = make_engine()
    task = engine.create("imarouter", "createSpeech", spec, results=["http://m/s.mp3"])
    clock.advance(0.55)
    base = {"code": 0, "data": {"task_id": "", "status": "queued", "progress": 0, "url": ""}}
    body = render_task(engine.poll("imarouter", task.id), base, spec)  # type: ignore[arg-type]
    assert body["data"]["status"] == "processing" and body["data"]["task_id"] == task.id
    assert isinstance(body["data"]["progress"], int) and 0 < body["data"]["progress"] < 100
    clock.advance(1)
    body = render_task(engine.poll("imarouter", task.id), base, spec)  # type: ignore[arg-type]
    assert body["data"]["url"] == "http://m/s.mp3" and body["data"]["progress"] == 100


# --- callbacks -------------------------------------------------------------------------------------


def test_find_callback_url() -> None:
    assert find_callback_url({"callback_url": "http://127.0.0.1:9/x"}) == "http://127.0.0.1:9/x"
    assert find_callback_url({"callback": {"url": "https://h/x"}}) == "https://h/x"
    assert find_callback_url({"callback_url": "ftp://h"}) is None
    assert find_callback_url(["x"]) is None


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000/cb", True),
        ("http://localhost/cb", True),
        ("http://[::1]:1/cb", True),
        ("http://10.0.0.1/cb", False),
        ("https://example.com/cb", False),
        ("file:///etc/passwd", False),
    ],
)
def test_callback_policy_allows_loopback_only(url: str, allowed: bool) -> None:
    assert (CallbackPolicy().refusal(url) is None) == allowed
    assert CallbackPolicy(allow_any_host=True).refusal("https://example.com/cb") is None


@pytest.mark.asyncio
async def test_callback_is_posted_to_a_loopback_server(aiohttp_server: Any) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app, host="127.0.0.1", port=0)
    url = str(server.make_url("/hook"))

    engine, clock = make_engine()
    task = engine.create("beatra", "createImage", VIDEO, callback_url=url)
    engine.create("beatra", "createImage", VIDEO)  # no callback URL: nothing sent
    dispatcher = CallbackDispatcher(lambda t: {"task_id": t.id, "status": t.status})
    assert await dispatcher.deliver_pending(engine) == []  # still running
    clock.advance(2)
    deliveries = await dispatcher.deliver_pending(engine) + await dispatcher.deliver_pending(engine)
    assert [d.status for d in deliveries] == [204]
    assert received == [{"task_id": task.id, "status": "completed"}]


@pytest.mark.asyncio
async def test_callback_to_a_non_loopback_host_is_refused() -> None:
    engine, clock = make_engine()
    engine.create("beatra", "createImage", VIDEO, callback_url="http://203.0.113.5/hook")
    clock.advance(2)
    deliveries = await CallbackDispatcher(lambda t: {}).deliver_pending(engine)
    assert (
        len(deliveries) == 1
        and deliveries[0].status is None
        and "not loopback" in (deliveries[0].error or "")
    )


@pytest.mark.asyncio
async def test_background_loop_finishes_tasks_and_calls_back_without_polls(aiohttp_server: Any) -> None:
    from gatewright.mock.tasks import engine_running

    arrived = asyncio.Event()
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        arrived.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app, host="127.0.0.1", port=0)
    engine, clock = make_engine()
    task = engine.create("beatra", "createImage", VIDEO, callback_url=str(server.make_url("/hook")))
    dispatcher = CallbackDispatcher(lambda t: {"task_id": t.id, "status": t.status})
    async with engine_running(engine, dispatcher, interval=0.01):
        clock.advance(2)
        await asyncio.wait_for(arrived.wait(), timeout=5)
    assert received == [{"task_id": task.id, "status": "completed"}]
    assert [d.ok for d in dispatcher.deliveries] == [True]
