"""Deleted keys of the shared store, through two real Ledgers and a real redis-server: a gone key is kept
as its version a while (so an older write still in flight cannot revive it), then forgotten in Redis and
in each replica, so deletes do not grow the namespace for ever; a key put back is not forgotten, and a
replica catching up on a large value whose tombstone is gone already skips it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import redis.asyncio
from ledgers import Pair, ledger_pair

from gatewright.mock.shared import Ledger

TOMBSTONE_SECONDS = 0.5


@pytest_asyncio.fixture
async def pair(redis_url: str) -> AsyncIterator[Pair]:
    async with ledger_pair(redis_url, "test-tombstones", tombstone_seconds=TOMBSTONE_SECONDS) as made:
        yield made


def _versions(ledger: Ledger) -> set[str]:
    return set(ledger._versions)


@pytest.mark.asyncio
async def test_a_deleted_key_is_a_tombstone_for_a_while_then_forgotten_everywhere(
    pair: Pair, redis_url: str
) -> None:
    a, keys_a, b, keys_b, prefix = pair
    client = redis.asyncio.from_url(redis_url)
    try:
        for n in range(40):
            keys_a.put(f"k{n}", n)
        await a.flush()
        await b.sync()
        assert len(keys_b.items) == 40
        for n in range(40):
            keys_a.delete(f"k{n}")
        keys_a.put("k7", "back")  # deleted, then put back: not a tombstone any more
        await a.flush()
        await b.sync()
        assert keys_b.items == {"k7": "back"}
        assert await client.hlen(f"{prefix}:state") == 40  # 39 tombstones and k7
        assert await client.zcard(f"{prefix}:gone") == 39
        assert len(_versions(b)) == 40

        await asyncio.sleep(TOMBSTONE_SECONDS + 0.2)
        keys_a.put("later", 1)  # the next flush after the cutoff drops them
        await a.flush()
        await b.sync()
        await b.flush()  # a replica forgets its own copies when it flushes (after every request)
        assert await client.zcard(f"{prefix}:gone") == 0
        assert set(await client.hkeys(f"{prefix}:state")) == {b"keys\x1fk7", b"keys\x1flater"}
        assert _versions(a) == _versions(b) == {"keys\x1fk7", "keys\x1flater"}
        assert keys_b.items == {"k7": "back", "later": 1}
    finally:
        await client.aclose()


@pytest.mark.asyncio
async def test_a_replica_behind_skips_a_large_value_gone_since_and_takes_the_rest(
    pair: Pair,
) -> None:
    a, keys_a, b, keys_b, _prefix = pair
    keys_a.put("big", "x" * (100 * 1024))  # carried in the hash, not the stream
    keys_a.put("small", 1)
    await a.flush()
    keys_a.delete("big")
    await a.flush()
    await asyncio.sleep(TOMBSTONE_SECONDS + 0.2)
    keys_a.put("later", 2)
    await a.flush()  # drops the tombstone of "big" while b has not caught up
    await b.sync()
    assert keys_b.items == {"small": 1, "later": 2}
