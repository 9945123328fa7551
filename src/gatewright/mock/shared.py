"""State shared by mock replicas through Redis (``gatewright mock --store redis://HOST:PORT/DB``).

Every store that must be shared (resources, uploads, tasks, stored responses, idempotent answers, runtime
rules and their counts, quota windows) keeps its state in memory exactly as with the default store, and
names each change it makes: ``ledger.note(store, key, value)`` (``None``: the key is gone). Around every
request a replica first catches up with the others' changes (``sync``: one round trip) and, once it has
answered, publishes its own (``flush``: one more) before the answer leaves: a client that got an answer
from one replica finds what it did on any other, and reads wait on Redis for that catch-up alone. In Redis,
under ``PREFIX``:

- ``PREFIX:state`` (hash): each key's latest value: what a replica reads when it starts or reloads;
  a gone key is kept as its version alone (a tombstone) for ``tombstone_seconds`` (10 minutes),
  listed by time in ``PREFIX:gone``, then dropped, here and in each replica's versions;
- ``PREFIX:ops`` (stream, trimmed to about ``_STREAM_LENGTH`` entries): the changes in the order
  they were made, each batch numbered from ``PREFIX:seq``; a replica that finds a gap in the
  numbers (it fell behind the trimmed stream) reloads from the hash;
- ``PREFIX:epoch``: a new value on every ``reset`` (each replica then reloads, which resets it).
  When it is missing, Redis has lost its data (restarted without persistence): each replica
  publishes everything it holds again, since every replica holds all the state, so a Redis restart
  loses nothing that was stored. ``PREFIX:floor`` is when the latest reset was made: what was
  written before it is dropped, and a replica that missed the reset while Redis was away resets
  then (``lua/floor.lua``), so it cannot publish back what the reset cleared. While Redis is away,
  requests get 503 in their API's envelope and changes not yet published stay pending;
- ``PREFIX:journal`` (list) and ``PREFIX:journal:bytes``: the request journal of every replica,
  within the journal's byte budget and entry count (oldest first out);
- ``PREFIX:replicas``: numbers the replicas that join, so each draws different ids;
- ``PREFIX:counts:EPOCH`` (hash) and ``PREFIX:window:EPOCH\x1fKEY`` (sorted set): rules' match counts
  and ``--rpm`` quotas, decided in Redis one atomic step per request (``shared_counts``) rather than
  replicated, so a limit holds for requests that reach several replicas at the same instant. They are
  scoped to the epoch, so a reset starts them afresh; an old epoch's keys expire.

Values (``shared_values``) are JSON, bytes or ``Packed``, never pickles: a Redis shared by two teams must not
run code in either's mock. Caches are not shared. Of two changes to a key the later is kept (of counts, the
larger); each replica's clock passes every version it takes, so a change made after seeing another's is later.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from typing import Any

import redis
import redis.asyncio

from gatewright.mock.shared_counts import SharedCounts
from gatewright.mock.shared_values import KEY_SEP, REDIS_TIMEOUT, Shared, StoreUnavailable, decode, encode

__all__ = ["Ledger"]

logger = logging.getLogger("gatewright.mock")

_BIG = 64 * 1024  # values larger than this are read from the hash, not carried in the stream
_IN_HASH = b"H"  # carried in the stream instead of a large value
_GONE = b""  # the value of a key that is gone (kept with its version, so an older write cannot revive it)
_VERSION = 32  # bytes of a version: 20 digits of nanoseconds, 12 of the replica's number
_RESET, _RESTORED = b"reset-", b"restored-"  # what made the epoch: a reset, or Redis losing its data
_STREAM_LENGTH = 10_000
_BATCH = 500  # changes per script call (Lua's unpack has a stack limit)
_READ = 1_000  # stream entries per read


# The Redis side runs as Lua scripts (atomic, one round trip each), kept in lua/ beside this module:
# flush.lua publishes a batch of changes, journal.lua appends journal entries within budget, and
# claim.lua and window.lua decide counts and quotas (``shared_counts``).
_LUA = {
    name: (resources.files("gatewright.mock") / "lua" / f"{name}.lua").read_text()
    for name in ("flush", "journal", "claim", "window", "floor")
}
_TOMBSTONE_SECONDS = 600.0  # how long a gone key's version is kept (against older writes in flight)


class Ledger:
    """One replica's side of the shared state: what it noted and has not published, each key's version,
    where it is in the stream, and the Redis calls that move them (``sync``, ``flush``, ``reset``)."""

    def __init__(
        self,
        url: str,
        prefix: str,
        replica: int,
        *,
        journal_bytes: int,
        journal_size: int,
        on_reset: Callable[[], None] = lambda: None,
        tombstone_seconds: float = _TOMBSTONE_SECONDS,
    ) -> None:
        self.url, self.prefix, self.replica = url, prefix, str(replica)
        self._keys = {
            name: f"{prefix}:{name}"
            for name in ("state", "ops", "seq", "epoch", "gone", "journal", "journal:bytes", "floor")
        }
        # A gone key's version is kept this long, in Redis (``PREFIX:gone``) and here (``_gone``), so that a
        # write older than the delete still in flight cannot revive it; then forgotten (so costs nothing).
        self._tombstone_ns = int(tombstone_seconds * 1e9)
        self._gone: OrderedDict[str, int] = OrderedDict()  # key -> when it went (ns), oldest first
        self._journal_limits = (journal_bytes, journal_size)
        self._on_reset = on_reset  # what a reset does to this replica's own (unshared) state
        self._stores: dict[str, Shared] = {}
        self._pending: dict[str, tuple[bytes, Any]] = {}  # key -> (version, value), the latest per key
        self._versions: dict[str, bytes] = {}  # the version of every key held here
        self._journal: list[bytes] = []
        self._epoch: bytes | None = None
        self._floor = b""  # when the latest reset this replica knows of was made (20-digit nanoseconds)
        self._seq = 0
        self._last_id = b"0-0"
        self._clock = 0
        self._lock = asyncio.Lock()
        self._flush_lock = asyncio.Lock()
        self._started = 0  # catch-ups started
        self._caught_up = 0  # the last one that finished without error
        self._redis: Any = None
        self._scripts: dict[str, Any] = {}  # each of ``_LUA``, registered with the connection
        self.counts = SharedCounts(self)  # what must hold exactly across replicas: decided in Redis

    # what the stores call
    def register(self, store: Shared) -> None:
        self._stores[store.shared_name] = store
        store.ledger = self

    def note(self, store: str, key: str, value: Any, *, derived: bool = False) -> None:
        """``derived`` (worked out from the value held: time moved a task on): versioned just after that
        value, so a change another replica made since is later, and kept, wherever the two meet."""
        full = f"{store}{KEY_SEP}{key}"
        version = self._version(after=self._versions.get(full) if derived else None)
        self._versions[full] = version
        self._pending[full] = (version, value)
        self._mark(full, version, gone=value is None)

    def _mark(self, key: str, version: bytes, *, gone: bool) -> None:
        """Keep track of when ``key`` went (it is forgotten a while after), or that it is back."""
        self._gone.pop(key, None)
        if gone:
            self._gone[key] = int(version[:20])

    def _forget_gone(self) -> None:
        """Forget the versions of keys gone for longer than the tombstones are kept."""
        cutoff = time.time_ns() - self._tombstone_ns
        while self._gone:
            key, went = next(iter(self._gone.items()))
            if went > cutoff:
                return
            del self._gone[key]
            self._versions.pop(key, None)

    def note_journal(self, entry: bytes) -> None:
        self._journal.append(entry)

    def _version(self, *, after: bytes | None = None) -> bytes:
        """Later than any given or taken here (``after`` one held: just after it, and the clock passes it)."""
        stamp = int(after[:20]) + 1 if after else max(time.time_ns(), self._clock + 1)
        self._clock = max(self._clock, stamp)
        return b"%020d%012d" % (stamp, int(self.replica))

    # the Redis side
    @property
    def epoch(self) -> bytes | None:
        """The namespace's epoch as this replica knows it (None before it first caught up)."""
        return self._epoch

    @property
    def redis(self) -> Any:
        if self._redis is None:
            self._redis = redis.asyncio.from_url(
                self.url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
            self._scripts = {name: self._redis.register_script(text) for name, text in _LUA.items()}
        return self._redis

    def script(self, name: str) -> Any:
        """One of the Lua scripts in ``lua/`` (``flush``, ``journal``, ``claim``, ``window``), to call."""
        self.redis  # noqa: B018 - connects and registers the scripts on first use
        return self._scripts[name]

    def unavailable(self, exc: Exception) -> StoreUnavailable:
        """What a request meets while Redis does not answer (raise it ``from None``)."""
        return StoreUnavailable(f"the shared store (Redis at {self.url}) does not answer: {exc}")

    async def keep_up(self, interval: float = 1.0) -> None:
        """Catch up and publish every ``interval`` seconds while no request does (run as a task): a replica
        no client talks to still takes others' changes, publishes its timers' and, after Redis lost its
        data, what it holds again."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sync()
                await self.flush()
            except StoreUnavailable:
                continue

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def sync(self) -> None:
        """Catch up with every change published before now (``StoreUnavailable`` if Redis is away).

        Requests that arrive together share one round trip: a request waits for a catch-up that
        started after it arrived (one already under way may have missed what it must see)."""
        wanted = self._started + 1
        async with self._lock:
            if self._started >= wanted and self._caught_up == self._started:
                return  # one that started after this request arrived has just caught up
            self._started += 1
            await self._sync()
            self._caught_up = self._started

    async def _sync(self) -> None:
        try:
            while True:
                pipe = self.redis.pipeline(transaction=False)
                pipe.get(self._keys["epoch"])
                pipe.get(self._keys["floor"])
                pipe.xread({self._keys["ops"]: self._last_id}, count=_READ)
                epoch, floor, read = await pipe.execute()
                if epoch is None:  # Redis lost its data (or never had this namespace)
                    await self._restore()
                    return
                if epoch != self._epoch:
                    if epoch.startswith(_RESTORED) and self._epoch is not None:
                        await self._merge(epoch)
                    else:
                        await self._reload(reset=self._epoch is not None)
                    return
                if (floor or b"") > self._floor:  # a reset this replica missed while Redis was away
                    self._forget_all()
                    await self._reload(reset=False)
                    return
                entries = read[0][1] if read else []
                if not await self._apply(entries) or len(entries) < _READ:
                    return
        except redis.RedisError as exc:
            raise self.unavailable(exc) from None

    async def flush(self) -> None:
        """Publish what this replica changed and journaled; what Redis does not take stays pending.
        One at a time: a request that waited finds its changes published by the flush before it, or
        publishes them with every other change noted meanwhile (one round trip for all)."""
        async with self._flush_lock:
            await self._flush()

    async def _flush(self) -> None:
        self._forget_gone()
        if not self._pending and not self._journal:
            return
        pending, self._pending = self._pending, {}
        journal, self._journal = self._journal, []
        notes = list(pending.items())
        cutoff = time.time_ns() - self._tombstone_ns
        try:
            pipe = self.redis.pipeline(transaction=False)
            for start in range(0, len(notes), _BATCH):
                args: list[Any] = [self._epoch or b"", self.replica, _STREAM_LENGTH, cutoff]
                for key, (version, value) in notes[start : start + _BATCH]:
                    raw = _GONE if value is None else encode(value)
                    args += [key, version, raw, _IN_HASH if len(raw) > _BIG else raw]
                await self.script("flush")(keys=self._flush_keys, args=args, client=pipe)
            if journal:
                budget, count = self._journal_limits
                await self.script("journal")(
                    keys=[self._keys["journal"], self._keys["journal:bytes"]],
                    args=[budget, count, *journal],
                    client=pipe,
                )
            results = await pipe.execute()
        except redis.RedisError as exc:
            self._pending = {**pending, **self._pending}  # published once Redis is back
            self._journal[:0] = journal
            raise self.unavailable(exc) from None
        if any(result == -1 for result in results[: -1 if journal else None]):
            logger.info("changes made across a reset by another replica were dropped")

    @property
    def _flush_keys(self) -> list[str]:
        return [self._keys[name] for name in ("state", "ops", "seq", "epoch", "gone", "floor")]

    async def reset(self) -> None:
        """Empty the namespace (every replica reloads, and so resets, on its next request)."""
        epoch = _RESET + uuid.uuid4().hex.encode()
        floor = b"%020d" % max(time.time_ns(), self._clock + 1)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(*(self._keys[key] for key in ("state", "ops", "seq", "gone", "journal", "journal:bytes")))
        pipe.set(self._keys["epoch"], epoch)
        pipe.set(self._keys["floor"], floor)
        await pipe.execute()
        self._learn_floor(floor)
        self._pending.clear()
        self._versions.clear()
        self._gone.clear()
        self._journal.clear()
        self._epoch, self._seq, self._last_id = epoch, 0, b"0-0"

    async def journal(self) -> list[bytes]:
        """Every replica's journal entries, oldest first."""
        return list(await self.redis.lrange(self._keys["journal"], 0, -1))

    async def _apply(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> bool:
        """Apply stream entries in order; False when a gap in their numbers made this reload instead."""
        for entry_id, fields in entries:
            seq = int(fields.pop(b"seq"))
            if seq != self._seq + 1:  # fell behind the trimmed stream
                await self._reload(reset=False)
                return False
            self._seq, self._last_id = seq, entry_id
            if fields.pop(b"r").decode() == self.replica:
                continue  # this replica's own changes, already made here
            big = [key for key, raw in fields.items() if raw[_VERSION:] == _IN_HASH]
            found = await self.redis.hmget(self._keys["state"], big) if big else []
            held = dict(zip(big, found, strict=True))
            for key, raw in fields.items():
                value = held.get(key) or raw
                if value[_VERSION:] != _IN_HASH:  # else gone since, tombstone dropped: a later entry says so
                    self._take(key, value)
        return True

    def _take(self, key: bytes, raw: bytes) -> None:
        """A key as another replica wrote it (version, then value), if newer than the one held here."""
        full = key.decode()
        version, value = raw[:_VERSION], raw[_VERSION:]
        if version <= self._versions.get(full, b"") or version[:20] < self._floor:  # (stale: before a reset)
            return
        self._versions[full] = version
        self._clock = max(self._clock, int(version[:20]))  # a Lamport clock: what it writes next is later
        self._mark(full, version, gone=value == _GONE)
        name, _, item = full.partition(KEY_SEP)
        store = self._stores.get(name)
        if store is not None:
            store.shared_apply(item, None if value == _GONE else decode(value))

    async def _restore(self) -> None:
        """Redis has no epoch: it lost its data (or the namespace is new). Name a restored epoch (the
        first replica to see it does) and merge what this replica holds into it."""
        await self.redis.set(self._keys["epoch"], _RESTORED + uuid.uuid4().hex.encode(), nx=True)
        await self._merge(await self.redis.get(self._keys["epoch"]))

    async def _merge(self, epoch: bytes) -> None:
        """Publish everything held here under ``epoch`` (each key only where newer than what Redis holds:
        every replica does this), then take the namespace as the merge left it; a replica that missed a
        reset while Redis was away (``floor.lua``) resets instead, publishing nothing that reset cleared."""
        floor_keys = [self._keys["floor"], self._keys["state"]]
        if await self.script("floor")(keys=floor_keys, args=[self._floor]) > self._floor:
            self._forget_all()
        held = [
            (f"{name}{KEY_SEP}{key}", value)
            for name, store in self._stores.items()
            for key, value in store.shared_items()
        ]
        self._epoch = epoch
        self._pending = {
            key: (self._versions.get(key, b"0" * _VERSION), value) for key, value in held
        } | self._pending
        if held:
            logger.warning("the shared store had lost its data: this replica published what it holds again")
        await self.flush()
        await self._reload(reset=False)

    def _learn_floor(self, floor: bytes) -> None:
        """The latest reset is ``floor``: later versions come after it, even from a clock running behind."""
        self._floor = floor
        self._clock = max(self._clock, int(floor or b"0"))

    def _forget_all(self) -> None:
        """A reset this replica missed, made now: its own state, its stores and unpublished changes go."""
        self._on_reset()
        self._pending.clear()
        for store in self._stores.values():
            store.shared_clear()
        self._versions.clear()

    async def _reload(self, *, reset: bool) -> None:
        """Take the namespace as it is now; after a reset elsewhere (``reset``), this replica's own
        state goes too."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.get(self._keys["epoch"])
        pipe.get(self._keys["seq"])
        pipe.xrevrange(self._keys["ops"], count=1)
        pipe.hgetall(self._keys["state"])
        pipe.get(self._keys["floor"])
        epoch, seq, last, state, floor = await pipe.execute()
        self._learn_floor(floor or b"")
        if reset and epoch != self._epoch:
            self._on_reset()
            self._pending.clear()
        for store in self._stores.values():
            store.shared_clear()
        self._versions.clear()
        self._gone.clear()
        for key, raw in state.items():
            self._take(key, raw)
        for key, (version, value) in self._pending.items():  # not yet published: still this replica's
            if version > self._versions.get(key, b""):
                self._take(key.encode(), version + (_GONE if value is None else encode(value)))
        self._epoch, self._seq = epoch, int(seq or 0)
        self._last_id = last[0][0] if last else b"0-0"
