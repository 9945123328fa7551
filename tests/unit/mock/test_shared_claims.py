"""Counts decided in Redis (``ControlStore.claim`` through a real Ledger and redis-server): a rule's
``times`` bound, a reset starting the counts afresh even while a claim was in flight, and the count the
rules listing shows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from gatewright.mock.control_store import ControlStore
from gatewright.mock.shared import Ledger


@pytest_asyncio.fixture
async def shared(redis_url: str) -> AsyncIterator[tuple[ControlStore, Ledger]]:
    ledger = Ledger(
        redis_url, f"test-claims-{uuid.uuid4().hex[:8]}", 0, journal_bytes=1 << 20, journal_size=10
    )
    store = ControlStore()
    ledger.register(store)
    await ledger.sync()
    yield store, ledger
    await ledger.close()


@pytest.mark.asyncio
async def test_claims_stop_at_times_and_the_counts_are_redis_s(shared: tuple[ControlStore, Ledger]) -> None:
    store, _ledger = shared
    counted = [await store.claim("rule-1", 2) for _ in range(4)]
    assert counted == [1, 2, None, None]
    assert (await store.match_counts())["rule-1"] == 2


@pytest.mark.asyncio
async def test_a_claim_in_flight_across_a_reset_does_not_carry_its_count_into_the_new_epoch(
    shared: tuple[ControlStore, Ledger],
) -> None:
    store, ledger = shared
    assert await store.claim("rule-1", 2) == 1
    in_flight = asyncio.create_task(store.claim("rule-1", 2))
    await asyncio.sleep(0)  # the claim has gone to Redis
    store.reset()  # meanwhile, a reset
    await ledger.reset()
    assert await in_flight == 2  # counted in the old epoch
    assert await store.match_counts() == {}
    assert [await store.claim("rule-1", 2) for _ in range(3)] == [1, 2, None]
