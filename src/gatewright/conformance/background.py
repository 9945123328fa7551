"""Units that mostly wait (task lifecycles polling) run on a small pool of threads beside the rest.

A run is mostly cases sent one after another; a task lifecycle instead spends seconds to minutes
asleep between polls, and a stuck task spends its whole ``--task-timeout`` there. Run one after
another, every stuck lifecycle adds a timeout; here they all wait at once while the other units
keep sending cases, so a run with stuck tasks costs about one timeout.

Only the waiting leaves the main thread: a unit's ``prepare`` (hypothesis drawing its requests; it
is only ever driven from one thread) runs on the main thread first, and a unit's findings are held
and announced, with its ``UnitFinished``, by the main thread when it is collected, so event
handlers never see two threads. Every request still passes the run's one ``RateLimiter``, so
``--rate-limit`` and ``--budget`` bound all units together; ``stop`` closes that gate when the run
ends early, and units still polling end at their next request or pause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from gatewright.conformance.events import Emitter, Event
from gatewright.conformance.limiter import RateLimiter
from gatewright.conformance.models import UnitResult
from gatewright.conformance.units import Unit, UnitContext


class UnitRunner(Protocol):
    """What the pool needs of the runner (``Conformance``): open, run and close one unit."""

    emitter: Emitter

    def begin_unit(
        self, unit: Unit, emit: Callable[[Event], None]
    ) -> tuple[UnitResult, UnitContext | None]: ...  # pragma: no cover

    def execute_unit(
        self, unit: Unit, ctx: UnitContext, step: Callable[[], None] | None = None
    ) -> None: ...  # pragma: no cover

    def finish_unit(self, result: UnitResult, into: list[UnitResult] | None) -> None: ...  # pragma: no cover


@dataclass(slots=True)
class _Running:
    result: UnitResult
    future: Future[None]
    held: list[Event] = field(default_factory=list)


class BackgroundUnits:
    """At most ``workers`` background units at once; the main thread starts and collects them."""

    def __init__(self, runner: UnitRunner, workers: int, limiter: RateLimiter) -> None:
        self._runner = runner
        self._workers = workers
        self._limiter = limiter
        self._pool: ThreadPoolExecutor | None = None
        self._running: list[_Running] = []

    def start(self, unit: Unit, *, into: list[UnitResult]) -> None:
        runner = self._runner
        held: list[Event] = []
        result, ctx = runner.begin_unit(unit, held.append)
        if ctx is not None and unit.prepare is not None:
            runner.execute_unit(unit, ctx, unit.prepare)
        if ctx is None or result.error is not None or result.skipped is not None:
            self._announce(held)
            runner.finish_unit(result, into)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="gatewright-lifecycle")
        future = self._pool.submit(self._work, unit, ctx)
        self._running.append(_Running(result, future, held))

    def _work(self, unit: Unit, ctx: UnitContext) -> None:
        if self._limiter.spent:  # it waited for a worker until the budget ran out: it never started
            ctx.result.skipped = f"{self._limiter.describe()} spent before this unit"
            return
        started = time.monotonic()
        try:
            self._runner.execute_unit(unit, ctx)
        finally:
            ctx.result.duration = round(time.monotonic() - started, 3)

    def collect(self, into: list[UnitResult], *, wait: bool = False) -> None:
        """Announce and report the units that have finished (with ``wait``, all of them, in order)."""
        for running in list(self._running):
            if wait:
                running.future.result()
            elif not running.future.done():
                continue
            self._running.remove(running)
            self._announce(running.held)
            self._runner.finish_unit(running.result, into)

    def stop(self, into: list[UnitResult]) -> None:
        """End the pool; units still running (the run was interrupted) stop at their next request
        or pause and are reported as interrupted."""
        if self._pool is None:
            return
        if self._running:
            self._limiter.close()
            self.collect(into, wait=True)
        self._pool.shutdown(wait=True)
        self._pool = None

    def _announce(self, held: list[Event]) -> None:
        for event in held:
            self._runner.emitter.emit(event)
