"""A reset one replica missed while Redis was away is not undone when Redis comes back empty.

Redis restarted without its data; every replica publishes what it holds again (nothing stored is
lost). A replica that had not yet seen a reset made just before the outage held what that reset
cleared, and published it back: a rule's old match count came back under a new rule of the same
id, which then never fired. The reset's time is kept (``PREFIX:floor``); what was written before it
is dropped, and the replica that missed it resets when it learns of it. Two real Ledgers, a real
redis-server.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from ledgers import Pair, ledger_pair

from gatewright.mock import shared
from gatewright.mock.shared import Ledger


@pytest_asyncio.fixture
async def pair(redis_url: str) -> AsyncIterator[Pair]:
    async with ledger_pair(redis_url, "test-missed-reset") as made:
        yield made


async def _lose_data(ledger: Ledger, prefix: str) -> None:
    """Redis restarted without persistence: the namespace is gone."""
    names = [key async for key in ledger.redis.scan_iter(match=f"{prefix}:*")]
    if names:
        await ledger.redis.delete(*names)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "first", ["missed", "knew"], ids=["missing-replica-first", "resetting-replica-first"]
)
async def test_a_reset_missed_during_an_outage_is_not_undone(pair: Pair, first: str) -> None:
    a, keys_a, b, keys_b, prefix = pair
    keys_b.put("matched:rule-1", 4)
    await b.flush()
    await a.sync()
    assert keys_a.items == {"matched:rule-1": 4}
    keys_a.reset()
    await a.reset()  # b has not caught up when Redis goes away
    await _lose_data(a, prefix)
    order = (b, a, b) if first == "missed" else (a, b, a)
    for ledger in order:
        await ledger.sync()
        await ledger.flush()
    await a.sync()
    await b.sync()
    assert keys_a.items == {} and keys_b.items == {}  # the old count stayed cleared, everywhere
    assert keys_b.resets == 1  # the replica that missed the reset made it when it learned of it
    assert await a.redis.hgetall(f"{prefix}:state") == {}
    keys_a.put("matched:rule-1", 1)  # a new rule of the same id counts from its own start
    await a.flush()
    await b.sync()
    assert keys_b.items == {"matched:rule-1": 1}


@pytest.mark.asyncio
async def test_a_redis_restart_without_a_reset_still_loses_nothing(
    pair: Pair,
) -> None:
    a, keys_a, b, keys_b, prefix = pair
    keys_a.put("file-1", {"bytes": 3})
    await a.flush()
    await b.sync()
    await _lose_data(a, prefix)
    await b.sync()  # b notices first and publishes what it holds
    await a.sync()
    assert keys_a.items == keys_b.items == {"file-1": {"bytes": 3}}
    assert keys_a.resets == keys_b.resets == 0


@pytest.mark.asyncio
async def test_a_replica_whose_clock_runs_behind_still_writes_after_a_reset(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Versions are each replica's clock; a write made just after a reset by a replica whose clock
    runs 5 ms behind the resetting one's must not fall below the reset's time and be dropped."""
    a, keys_a, b, keys_b, _prefix = pair
    keys_a.reset()
    await a.reset()
    await b.sync()  # b learns of the reset
    real = time.time_ns
    monkeypatch.setattr(shared.time, "time_ns", lambda: real() - 5_000_000)
    keys_b.put("file-1", {"bytes": 3})
    monkeypatch.undo()
    await b.flush()
    await a.sync()
    assert keys_a.items == {"file-1": {"bytes": 3}}
