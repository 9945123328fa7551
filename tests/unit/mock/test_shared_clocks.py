"""Replicas on machines whose clocks differ: a change made after seeing another replica's is the later one.

Versions are nanoseconds of the writing replica's clock. Without more, a replica whose clock runs behind
stamped its change, made after it had taken another replica's, with an older version than that one: the
other replica and Redis kept the change it had seen, and the two replicas answered differently until the
slow clock passed the fast one's stamp. A replica's clock now moves past every version it takes (a
Lamport clock), so what it writes next comes after what it has seen. Two real Ledgers, a real redis-server.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from ledgers import Keys, Pair, ledger_pair

from gatewright.mock import shared
from gatewright.mock.shared import Ledger

AHEAD_NS = 5_000_000_000  # A's clock runs 5 s ahead of B's


@pytest_asyncio.fixture
async def pair(redis_url: str) -> AsyncIterator[Pair]:
    async with ledger_pair(redis_url, "test-clocks") as made:
        yield made


@pytest.mark.asyncio
@pytest.mark.parametrize("change", ["put", "delete"])
async def test_a_change_made_after_seeing_another_replicas_wins_on_a_replica_whose_clock_runs_behind(
    pair: Pair, redis_url: str, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    a, keys_a, b, keys_b, prefix = pair
    real = time.time_ns
    monkeypatch.setattr(shared.time, "time_ns", lambda: real() + AHEAD_NS)
    keys_a.put("file-1", {"bytes": 3})  # written on A, stamped by its clock
    monkeypatch.undo()
    await a.flush()
    await b.sync()
    assert keys_b.items == {"file-1": {"bytes": 3}}
    if change == "put":  # B, having seen A's value, changes it (its clock says 5 s earlier)
        keys_b.put("file-1", {"bytes": 4})
    else:
        keys_b.delete("file-1")
    await b.flush()
    await a.sync()
    expected = {"file-1": {"bytes": 4}} if change == "put" else {}
    assert keys_a.items == keys_b.items == expected
    keys_c = Keys()  # a replica started now reads Redis: it holds B's change too
    c = Ledger(redis_url, prefix, 2, journal_bytes=1 << 20, journal_size=10)
    c.register(keys_c)
    try:
        await c.sync()
        assert keys_c.items == expected
    finally:
        await c.close()


@pytest.mark.asyncio
async def test_a_change_after_a_derived_note_on_a_replica_whose_clock_runs_behind_is_later_than_the_note(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A derived note (time moved a task on) is versioned just after the value it came from; on a replica
    whose clock runs behind, that value's version is where its Lamport clock stands, so without the note
    moving the clock the replica's next change to the key got the note's very version (same nanoseconds,
    same replica): the others, holding the note, took the change as no newer and kept the note (a cancel
    after time moved the task, lost everywhere but where it was made)."""
    a, keys_a, b, keys_b, _ = pair
    real = time.time_ns
    monkeypatch.setattr(shared.time, "time_ns", lambda: real() + AHEAD_NS)
    keys_a.put("task-1", {"status": "queued"})  # made on A, stamped by its clock, 5 s ahead of B's
    monkeypatch.undo()
    await a.flush()
    await b.sync()
    keys_b.items["task-1"] = {"status": "running"}  # time moved it on B: a derived note, published
    b.note(keys_b.shared_name, "task-1", {"status": "running"}, derived=True)
    await b.flush()
    await a.sync()
    assert keys_a.items == {"task-1": {"status": "running"}}
    keys_b.put("task-1", {"status": "cancelled"})  # then a client cancels it on B
    await b.flush()
    await a.sync()
    assert keys_a.items == keys_b.items == {"task-1": {"status": "cancelled"}}
