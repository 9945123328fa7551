"""What replicas must agree on exactly, decided in Redis rather than replicated (``mock.shared``).

A replicated value keeps the later of two writes made at the same instant, so a rule's ``times`` or
the ``--rpm`` quota counted that way lets requests that reach several replicas at once each take the
last slot. These are decided in Redis instead, one atomic Lua script per request, kept beside this
module: ``lua/claim.lua`` counts a rule's matches (or a recorded sequence's plays) within a limit,
``lua/window.lua`` spends a quota in a sliding window on Redis's own clock, and ``first`` (Redis's
``SET NX``) lets one replica alone do what may be done once (continue an Anthropic thread's reply).
Their keys are scoped to the namespace's epoch, so a reset starts them afresh and an old epoch's keys
expire on their own.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import redis

from gatewright.mock.shared_values import KEY_SEP

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

__all__ = ["SharedCounts"]

_COUNTS_KEPT = 7 * 24 * 3600  # seconds an epoch's counts outlive their last change


class SharedCounts:
    """One replica's side of the counts and quotas every replica shares."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._spent = 0  # quota requests this replica spent (each one's member in a window)
        # Names this process's requests in a quota window: replica numbers start again at 0 after
        # Redis lost its data, so the number alone could name another process's request.
        self._spender = f"{ledger.replica}:{uuid.uuid4().hex[:12]}"

    async def claim(self, key: str, held: int, limit: int | None) -> int | None:
        """One more of the count ``key`` unless it has reached ``limit`` (None: no limit): the new
        count, or None. Decided in Redis, so requests to several replicas at once never pass the
        limit together; ``held`` (this replica's count) is where a count lost with Redis's data goes
        on from."""
        count = await self._decide("claim", self._scoped("counts"), [key, held, limit or 0, _COUNTS_KEPT])
        return None if count < 0 else int(count)

    async def current(self) -> dict[str, int]:
        """Every count ``claim`` keeps in this epoch, by key."""
        try:
            held = await self._ledger.redis.hgetall(self._scoped("counts"))
        except redis.RedisError as exc:
            raise self._ledger.unavailable(exc) from None
        return {key.decode(): int(count) for key, count in held.items()}

    async def spend(self, key: str, limit: int, seconds: float) -> tuple[bool, int, float]:
        """One request of ``limit`` per ``seconds`` from the quota ``key``, shared by every replica:
        (allowed, remaining, seconds until a request leaves the window)."""
        self._spent += 1
        member = f"{self._spender}:{self._spent}"
        scoped = f"{self._scoped('window')}{KEY_SEP}{key}"
        allowed, remaining, wait = await self._decide(
            "window", scoped, [member, limit, max(1, int(seconds * 1000))]
        )
        return bool(allowed), int(remaining), max(0.0, int(wait) / 1000)

    async def first(self, key: str, seconds: int) -> bool:
        """Whether this is the first ``first`` of ``key`` (of several replicas asking at the same
        instant, one is; Redis's ``SET NX``, one atomic step). The mark expires after ``seconds``: it
        need only last until the replica that made it has published what it did (the replicated state
        then tells the others), so its keys never pile up in Redis."""
        try:
            scoped = f"{self._scoped('first')}{KEY_SEP}{key}"
            marked = await self._ledger.redis.set(scoped, 1, nx=True, ex=seconds)
        except redis.RedisError as exc:
            raise self._ledger.unavailable(exc) from None
        return bool(marked)

    async def _decide(self, script: str, key: str, args: list[Any]) -> Any:
        """Run a deciding script (``claim``, ``window``) on ``key``: ``StoreUnavailable`` if Redis is away."""
        try:
            return await self._ledger.script(script)(keys=[key], args=args)
        except redis.RedisError as exc:
            raise self._ledger.unavailable(exc) from None

    def _scoped(self, name: str) -> str:
        """A key of this epoch: a reset (a new epoch) starts every count and quota afresh, and the
        keys of an old epoch expire on their own."""
        return f"{self._ledger.prefix}:{name}:{(self._ledger.epoch or b'').decode()}"
