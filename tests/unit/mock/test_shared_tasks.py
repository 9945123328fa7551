"""Task lifecycles and stored responses shared by mock replicas (``mock.shared``).

Two engines stand for two replicas. Most tests join them in process (``_Wire``: a change one notes is
taken by the other's store of that name at once, through the wire encoding ``Ledger.flush`` uses); the
last ones go through real ``Ledger``s and a real ``redis-server`` (tests/conftest.py; skipped with the
reason without it). A twin engine that sees every request alone says what a single mock would answer.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import given, settings
from hypothesis import strategies as st

from gatewright.mock.answers.response_store import IssuedIds, ResponseStore, Stored
from gatewright.mock.shared import Ledger
from gatewright.mock.shared_values import decode, encode
from gatewright.mock.tasks import ManualClock, Outcome, Phase, Task, TaskEngine, TaskError, TaskTiming
from gatewright.mock.tasks.facts import Facts, FactsRef
from gatewright.mock.tasks.hooks import Started
from gatewright.mock.tasks.models import task_from_shared
from gatewright.mock.tasks.render import render_task
from gatewright.spec.tasks import States, TaskSpec

API, OP = "voxvey", "createVideo"
VIDEO = States(
    initial=("queued",),
    running=("processing",),
    succeeded=("done",),
    failed=("error",),
    cancelled=("cancelled",),
)
SPEC = TaskSpec(poll="getVideo", id="$response.body#/id", status="/status", states=VIDEO, result="/url")
TIMING = TaskTiming(duration=10.0, queued=1.0)
RESULT = "http://mock/__gatewright/files/v.mp4"
HOOK = "http://127.0.0.1:9/hook"


class _Wire:
    """One replica's ledger, joined in process to another's (``join``): what a store notes here is
    encoded as ``Ledger.flush`` would publish it and taken at once by the other replica's store of the
    same name, as its ``Ledger.sync`` would."""

    def __init__(self) -> None:
        self.stores: dict[str, Any] = {}
        self.peer: _Wire | None = None
        self.noted: list[tuple[str, str, Any]] = []

    def register(self, store: Any) -> None:
        self.stores[store.shared_name] = store
        store.ledger = self

    def note(self, store: str, key: str, value: Any, *, derived: bool = False) -> None:
        self.noted.append((store, key, value))
        target = self.peer.stores.get(store) if self.peer is not None else None
        if target is not None:
            target.shared_apply(key, None if value is None else decode(encode(value)))


def _join(*stores: tuple[Any, Any]) -> tuple[_Wire, _Wire]:
    a, b = _Wire(), _Wire()
    a.peer, b.peer = b, a
    for mine, theirs in stores:
        a.register(mine)
        b.register(theirs)
    return a, b


def _states_of(api: str, operation_id: str) -> States | None:
    """The spec's words, as ``LifecycleIndex.states_of`` gives a replica that never saw the create."""
    return VIDEO if (api, operation_id) == (API, OP) else None


def _spec_words(api: str, operation_id: str) -> States:
    return _states_of(api, operation_id) or States()


def _engine(clock: ManualClock, replica: str, seed: int = 7) -> TaskEngine:
    return TaskEngine(clock=clock, timing=TIMING, seed=seed, replica=replica, states_of=_states_of)


def _replicas(clock: ManualClock) -> tuple[TaskEngine, TaskEngine, _Wire, _Wire]:
    a, b = _engine(clock, "0"), _engine(clock, "1", seed=8)
    wire_a, wire_b = _join((a, b))
    return a, b, wire_a, wire_b


def _body(task: Task) -> dict[str, Any]:
    """The fields a poll answer states of the task (``render_task`` over a body that has them)."""
    base = {
        "id": "",
        "status": "",
        "progress": 0,
        "created_at": 0,
        "completed_at": None,
        "url": None,
        "error": None,
    }
    return render_task(task, base, SPEC)


def _create(engine: TaskEngine, context: Mapping[str, Any] | None = None) -> Task:
    context = {"model": "v1"} if context is None else context
    task = engine.create(API, OP, SPEC, id_prefix="video_", callback_url=HOOK, context=context)
    return engine.with_results(API, task.id, [RESULT]) or task


# --- the codec ---------------------------------------------------------------------------------------

_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
_times = st.floats(min_value=0, max_value=4e9, allow_nan=False)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _finite | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)
_words = st.lists(st.text(min_size=1, max_size=8), max_size=2).map(tuple)


@st.composite
def _timings(draw: st.DrawFn) -> TaskTiming:
    duration = draw(st.one_of(st.just(math.inf), st.floats(min_value=0, max_value=1e6)))
    queued = draw(st.one_of(st.just(duration), st.floats(min_value=0, max_value=min(duration, 1e6))))
    return TaskTiming(duration, queued, draw(st.none() | st.integers(min_value=1, max_value=50)))


@st.composite
def _tasks(draw: st.DrawFn) -> Task:
    return Task(
        id=draw(st.text(min_size=1)),
        api=draw(st.text(min_size=1)),
        operation_id=draw(st.text(min_size=1)),
        states=States(*(draw(_words) for _ in range(5))),
        timing=draw(_timings()),
        created_at=draw(_times),
        seq=draw(st.integers(min_value=0)),
        phase=draw(st.sampled_from(Phase)),
        outcome=draw(st.sampled_from(Outcome)),
        started_at=draw(st.none() | _times),
        completed_at=draw(st.none() | _times),
        progress=draw(st.floats(min_value=0, max_value=1)),
        polls=draw(st.integers(min_value=0, max_value=10**6)),
        results=tuple(draw(st.lists(st.text(), max_size=3))),
        callback_url=draw(st.none() | st.text()),
        error=draw(st.none() | st.builds(TaskError, st.text(), st.text())),
        cancel_requested=draw(st.booleans()),
        retention=draw(st.none() | st.just(math.inf) | _times),
        context=draw(st.dictionaries(st.text(), _json, max_size=4)),
        replica=draw(st.text(max_size=4)),
    )


@pytest.mark.slow  # a hypothesis property
@settings(max_examples=300, deadline=None)
@given(_tasks())
def test_a_task_survives_the_wire_as_it_was(task: Task) -> None:
    shared = decode(encode(task.to_shared()))  # what another replica reads
    back = task_from_shared(
        shared, lambda api, op: task.states if (api, op) == (task.api, task.operation_id) else States()
    )
    assert back == task
    assert back.context == task.context  # not part of ``==``
    assert back.to_shared() == task.to_shared()


def test_the_status_words_come_from_the_receiving_replicas_spec() -> None:
    task = Task("t1", API, OP, States(), TIMING, 0.0, 1)
    assert task_from_shared(task.to_shared(), _spec_words).states == VIDEO
    assert "states" not in task.to_shared()


# --- tasks across two replicas -----------------------------------------------------------------------


def test_a_task_created_on_a_is_polled_to_success_on_b_as_a_single_mock_would_answer() -> None:
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    alone = _engine(clock, "0")  # the twin: one mock that sees every request
    created, twin = _create(a), _create(alone)
    assert created.id == twin.id and _body(created) == _body(twin)
    statuses = []
    for step in (0.5, 1.0, 2.0, 3.0, 5.0):  # polls on B while time moves on: queued, processing..., done
        clock.advance(step)
        polled, expected = b.poll(API, created.id), alone.poll(API, twin.id)
        assert polled is not None and expected is not None
        assert _body(polled) == _body(expected)
        assert polled.summary() == expected.summary()
        statuses.append(polled.status)
    assert statuses == ["queued", "processing", "processing", "processing", "done"]
    done = b.poll(API, created.id)
    assert done is not None and done.progress == 1.0 and done.results == (RESULT,)
    seen_on_a = a.get(API, created.id)  # and A, which created it, agrees, polls counted on B included
    assert seen_on_a is not None and seen_on_a.summary() == done.summary()


def test_polls_counted_on_either_replica_move_a_poll_driven_task_on() -> None:
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    task = a.create(API, OP, SPEC, timing=TaskTiming(duration=math.inf, queued=0, polls=3))
    assert [t.status for t in (b.poll(API, task.id), a.poll(API, task.id), b.poll(API, task.id)) if t] == [
        "processing",
        "processing",
        "done",
    ]
    finished = a.get(API, task.id)
    assert finished is not None and finished.polls == 3 and finished.phase is Phase.SUCCEEDED


def test_cancel_on_b_is_seen_on_a_and_only_a_calls_back() -> None:
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    task = _create(a)
    clock.advance(2)
    result = b.cancel(API, task.id)
    assert result is not None and result.changed
    seen = a.get(API, task.id)
    assert seen is not None and seen.status == "cancelled" and seen.cancel_requested
    assert seen.error is not None and seen.error.code == "task_cancelled"
    assert b.take_callbacks() == []  # B did not create it
    assert [t.id for t in a.take_callbacks()] == [task.id]  # its creator calls back, once
    clock.advance(100)
    a.tick()
    assert a.take_callbacks() == []


def test_a_task_finishing_by_time_calls_back_from_its_creator_only_and_once() -> None:
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    task = _create(a)
    clock.advance(9.99)
    assert b.poll(API, task.id) is not None  # B notes the task still running...
    clock.advance(0.02)
    assert [t.id for t in b.tick()] == [task.id]  # ...B sees it end (its wake-ups came with it)
    assert b.take_callbacks() == []
    a.tick()
    assert [t.id for t in a.take_callbacks()] == [task.id]
    b.poll(API, task.id)  # nothing counts a finished task's poll: nothing noted, no second callback
    late = task_from_shared(a.shared_items()[0][1], _spec_words)
    a.shared_apply(f"{API}\x1f{task.id}", {**late.to_shared(), "phase": "running", "completed": None})
    a.tick()  # a late note from before it ended does not reopen it (``machine.merged``): not called twice
    assert a.take_callbacks() == []
    assert (a.get(API, task.id) or task).status == "done"


def test_delete_on_a_is_a_404_on_b() -> None:
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    task = _create(a)
    seen = b.get(API, task.id)
    assert seen is not None and (seen.id, seen.status) == (task.id, task.status)
    deleted = a.delete(API, task.id)
    assert deleted is not None and deleted.id == task.id
    assert b.poll(API, task.id) is None and b.cancel(API, task.id) is None
    assert b.list_tasks(API, [OP]) == [] and len(b) == 0


def test_time_notes_a_task_only_when_it_moves_it_to_another_phase_and_each_client_change_notes_it() -> None:
    clock = ManualClock()
    a, _, wire_a, _ = _replicas(clock)
    task = a.create(API, OP, SPEC)
    a.with_results(API, task.id, [RESULT])
    a.with_context(API, task.id, note="more")
    assert len(wire_a.noted) == 3
    clock.advance(5)
    a.tick()  # queued -> running: noted once, whichever read saw it first
    a.get(API, task.id)
    a.list_tasks(API, [OP])
    clock.advance(1)
    a.get(API, task.id)  # progress alone: every replica computes it alike, nothing noted
    assert [value["phase"] for _, _, value in wire_a.noted[3:]] == ["running"]
    a.poll(API, task.id)
    a.cancel(API, task.id)
    a.poll(API, task.id)  # a finished task's poll does not count
    a.delete(API, task.id)
    kinds = [value if value is None else value["phase"] for _, _, value in wire_a.noted[4:]]
    assert kinds == ["running", "cancelled", None]


def test_a_phase_one_replica_showed_is_shown_by_another_whose_clock_runs_behind() -> None:
    # Replicas on two machines: B's clock runs 2 s ahead of A's. A client that saw the task running,
    # then done, on B must not see it queued, then running, on A (each phase time brought is noted).
    clock_a = ManualClock()
    clock_b = ManualClock(clock_a.now() + 2.0)
    a, b = _engine(clock_a, "0"), _engine(clock_b, "1", seed=8)
    _join((a, b))
    task = _create(a)
    for clock in (clock_a, clock_b):
        clock.advance(0.5)  # A: 0.5 s in (queued), B: 2.5 s in (processing)
    seen_on_b = b.get(API, task.id)  # a poll's lookup reads the task before the poll counts
    assert seen_on_b is not None and seen_on_b.status == "processing"
    assert (a.get(API, task.id) or task).status == "processing"
    for clock in (clock_a, clock_b):
        clock.advance(8.0)  # A: 8.5 s in, B: 10.5 s in (done)
    assert [t.id for t in b.tick()] == [task.id]  # B's timer sees it end
    finished = b.poll(API, task.id)
    assert finished is not None and finished.status == "done"
    on_a = a.poll(API, task.id)
    assert on_a is not None and on_a.summary() == finished.summary()
    assert _body(on_a) == _body(finished)


def test_a_note_that_crossed_another_in_flight_loses_no_poll_and_does_not_reopen_a_finished_task() -> None:
    # Through Redis, notes reach the other replica a moment later: A's note that time moved the task on
    # (made before A had taken B's polls) can arrive after them. It must not take back the polls B
    # counted, nor reopen a task B saw end.
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    by_polls = TaskTiming(duration=math.inf, queued=1.0, polls=3)
    task = a.create(API, OP, SPEC, timing=by_polls)
    key = f"{API}\x1f{task.id}"
    stale = (a.get(API, task.id) or task).to_shared()  # A's view before B's polls: none counted
    clock.advance(2.0)
    b.poll(API, task.id)
    b.poll(API, task.id)
    b.shared_apply(key, {**stale, "phase": "running", "started": stale["created"] + 1.0})  # A's late note
    third = b.poll(API, task.id)
    assert third is not None and third.polls == 3 and third.status == "done"
    b.shared_apply(key, {**stale, "phase": "running", "started": stale["created"] + 1.0, "polls": 2})
    again = b.get(API, task.id)
    assert again is not None and again.status == "done" and again.polls == 3


def test_expired_tasks_are_forgotten_everywhere() -> None:
    clock = ManualClock()
    a, b, wire_a, _ = _replicas(clock)
    task = a.create(API, OP, SPEC, retention=5)
    clock.advance(TIMING.duration + 6)
    a.tick()
    assert wire_a.noted[-1] == ("tasks", f"{API}\x1f{task.id}", None)
    assert len(b) == 0


def test_a_replica_lists_and_wakes_the_tasks_another_created() -> None:
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    first, second = _create(a), _create(b)
    third = _create(a)
    assert [t.id for t in b.list_tasks(API, [OP])] == [first.id, second.id, third.id]
    assert [t.id for t in a.list_tasks(API, [OP])] == [first.id, second.id, third.id]
    assert third.seq > second.seq > first.seq  # numbered after what each replica had seen
    clock.advance(TIMING.duration)
    assert {t.id for t in b.tick()} == {first.id, second.id, third.id}


def test_a_reload_takes_every_task_back_and_clear_forgets_them() -> None:
    clock = ManualClock()
    a = _engine(clock, "0")
    tasks = [_create(a) for _ in range(3)]
    fresh = _engine(clock, "1", seed=9)
    for key, value in a.shared_items():
        fresh.shared_apply(key, decode(encode(value)))
    assert [t.summary() for t in fresh.list_tasks(API, [OP])] == [t.summary() for t in tasks]
    fresh.shared_clear()
    assert len(fresh) == 0 and fresh.list_tasks(API, [OP]) == [] and fresh.tick() == []


def test_facts_are_named_data_every_replica_computes_alike() -> None:
    clock = ManualClock()
    a, b, _, _ = _replicas(clock)
    facts_a, facts_b = Facts(), Facts()

    def counts(args: Mapping[str, Any], task: Task) -> Mapping[str, Any]:
        return {
            "request_counts": {"total": args["total"], "completed": args["total"] if task.terminal else 0}
        }

    for facts in (facts_a, facts_b):
        facts.register("batch", counts)
    task = a.create(API, OP, SPEC, context={"facts": FactsRef("batch", {"total": 4}).as_context()})
    on_b = b.get(API, task.id)
    assert on_b is not None and facts_b.of(on_b) == facts_a.of(task) == {
        "request_counts": {"total": 4, "completed": 0}
    }
    clock.advance(TIMING.duration)
    done = b.poll(API, task.id)
    assert done is not None and facts_b.of(done) == {"request_counts": {"total": 4, "completed": 4}}
    assert Facts().of(done) is None  # a name nobody registered states nothing


def test_which_creates_made_a_task_is_shared() -> None:
    a, b = Started(), Started()
    _join((a, b))
    a.add((API, OP))
    a.add((API, OP))
    assert (API, OP) in b and ("other", OP) not in b
    assert list(b.shared_items()) == [(f"{API}\x1f{OP}", True)]


# --- stored responses across two replicas ------------------------------------------------------------


def test_a_response_kept_on_a_is_read_on_b_byte_for_byte_and_deleted_everywhere() -> None:
    a, b = ResponseStore(), ResponseStore()
    issued_a, issued_b = IssuedIds(), IssuedIds()
    _join((a, b), (issued_a, issued_b))
    body = b'{"id":"resp_1","output":[{"text":"\xc3\xa9t\xc3\xa9"}]}' + bytes(range(256))
    stored = Stored(body, b'[{"id":"msg_1"}]', background=True)
    a.put((API, "resp_1"), stored)
    issued_a.add((API, "resp_1"))
    assert b.get((API, "resp_1")) == stored and b.used == a.used == stored.size
    assert (API, "resp_1") in issued_b
    a.pop((API, "resp_1"))
    assert b.get((API, "resp_1")) is None and b.used == 0
    assert (API, "resp_1") in issued_b  # given out once, known as such after it is gone


def test_each_replica_applies_the_bounds_to_what_it_takes() -> None:
    a, b = ResponseStore(entries=2, budget=100), ResponseStore(entries=2, budget=100)
    wire_a, _ = _join((a, b))
    for name in "xyz":
        a.put((API, name), Stored(b"x" * 30, b"", False))
    assert [a.get((API, n)) is not None for n in "xyz"] == [b.get((API, n)) is not None for n in "xyz"]
    assert len(b) == 2 and b.used == 60
    assert ("responses", f"{API}\x1fx", None) in wire_a.noted  # the drop is told too
    too_big = Stored(b"y" * 101, b"", False)
    a.put((API, "y"), too_big)  # never fits: the one it replaced goes, everywhere
    assert a.get((API, "y")) is None and b.get((API, "y")) is None and len(b) == 1


# --- through real Ledgers and a real redis-server ----------------------------------------------------


@pytest_asyncio.fixture
async def ledgers(redis_url: str) -> AsyncIterator[Callable[[str, int], Ledger]]:
    prefix = f"test-shared-tasks-{uuid.uuid4().hex[:8]}"
    made: list[Ledger] = []

    def make(_: str, replica: int) -> Ledger:
        ledger = Ledger(redis_url, prefix, replica, journal_bytes=1 << 20, journal_size=100)
        made.append(ledger)
        return ledger

    yield make
    for ledger in made:
        await ledger.close()


@pytest.mark.asyncio
async def test_through_redis_a_task_runs_on_two_replicas_and_a_response_is_read_back(
    ledgers: Callable[[str, int], Ledger],
) -> None:
    clock = ManualClock()
    a, b = _engine(clock, "0"), _engine(clock, "1", seed=8)
    kept_a, kept_b = ResponseStore(), ResponseStore()
    ledger_a, ledger_b = ledgers("a", 0), ledgers("b", 1)
    for ledger, stores in ((ledger_a, (a, kept_a)), (ledger_b, (b, kept_b))):
        for store in stores:
            ledger.register(store)
        await ledger.sync()

    async def a_to_b() -> None:
        await ledger_a.flush()
        await ledger_b.sync()

    async def b_to_a() -> None:
        await ledger_b.flush()
        await ledger_a.sync()

    alone = _engine(clock, "0")
    task, twin = (
        _create(a, context={"model": "v1", "request": {"prompt": "a cat", "n": [1, 2.5, None]}}),
        _create(alone),
    )
    body = bytes(range(256)) * 300  # larger than what the stream carries: read from the hash
    kept_a.put((API, "resp_1"), Stored(body, b"[]", background=False))
    await a_to_b()
    assert kept_b.get((API, "resp_1")) == kept_a.get((API, "resp_1"))
    statuses = []
    for step in (0.5, 1.0, 4.0, 5.0):
        clock.advance(step)
        polled, expected = b.poll(API, task.id), alone.poll(API, twin.id)
        assert polled is not None and expected is not None and polled.summary() == expected.summary()
        assert _body(polled) == _body(expected)
        statuses.append(polled.status)
    assert statuses == ["queued", "processing", "processing", "done"]
    assert (
        polled is not None
        and polled.results == (RESULT,)
        and polled.context["request"]["n"] == [1, 2.5, None]
    )
    await b_to_a()
    seen = a.get(API, task.id)
    assert seen is not None and seen.polls == 4 and seen.summary() == polled.summary()
    assert [t.id for t in a.take_callbacks()] == [task.id]  # it ended on B: its creator calls back

    other = _create(a)
    await a_to_b()
    cancelled = b.cancel(API, other.id)
    assert cancelled is not None and cancelled.changed and cancelled.task.status == "cancelled"
    await b_to_a()
    assert (a.get(API, other.id) or other).status == "cancelled"
    assert [t.id for t in a.take_callbacks()] == [other.id] and b.take_callbacks() == []

    deleted = a.delete(API, task.id)
    assert deleted is not None and deleted.id == task.id
    assert kept_a.pop((API, "resp_1")) == Stored(body, b"[]", background=False)
    await a_to_b()
    assert b.poll(API, task.id) is None and kept_b.get((API, "resp_1")) is None


@pytest.mark.asyncio
@pytest.mark.parametrize("change", ["cancel", "delete", "context"])
async def test_through_redis_a_change_made_on_a_outlives_what_b_worked_out_from_its_older_copy(
    ledgers: Callable[[str, int], Ledger], change: str
) -> None:
    # B's timer moves its copy of the task on before B has caught up with a change A made and published
    # (a replica catches up on its next request, or each second): B's note of what time did is derived from
    # the older copy, so A's change is the later one, on both replicas and in Redis. (Found by a review:
    # the note B's timer made was stamped with B's clock and undid the cancel, the delete or the context.)
    clock = ManualClock()
    a, b = _engine(clock, "0"), _engine(clock, "1", seed=8)
    ledger_a, ledger_b = ledgers("a", 0), ledgers("b", 1)
    for ledger, engine in ((ledger_a, a), (ledger_b, b)):
        ledger.register(engine)
        await ledger.sync()
    task = _create(a)
    await ledger_a.flush()
    await ledger_b.sync()
    clock.advance(TIMING.duration - 0.5)
    assert (a.get(API, task.id) or task).status == "processing"
    if change == "cancel":
        cancelled = a.cancel(API, task.id)
        assert cancelled is not None and cancelled.task.status == "cancelled"
    elif change == "delete":
        clock.advance(0.6)
        assert (a.get(API, task.id) or task).status == "done"
        a.delete(API, task.id)
    else:
        a.with_context(API, task.id, note="kept")
    await ledger_a.flush()
    clock.advance(1.0)
    b.tick()  # B's copy: still processing, now done by time
    await ledger_b.sync()
    await ledger_b.flush()
    await ledger_a.sync()
    on_a, on_b = a.get(API, task.id), b.get(API, task.id)
    if change == "cancel":
        assert on_a is not None and on_b is not None
        assert (on_a.status, on_b.status) == ("cancelled", "cancelled")
    elif change == "delete":
        assert (on_a, on_b) == (None, None)
    else:
        assert on_a is not None and on_b is not None
        assert (on_a.context.get("note"), on_b.context.get("note")) == ("kept", "kept")
