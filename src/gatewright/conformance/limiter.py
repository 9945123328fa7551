"""The gate every request of a run passes: a rate limit, a request and token budget, and the stop."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and JSON; an estimate, said as such


class GateClosed(Exception):
    """Nothing more goes out: the gate stopped a request before it was sent."""


class BudgetSpent(GateClosed):
    """``--budget`` requests (or ``--budget-tokens`` estimated tokens) are spent: nothing more goes out."""


class RunStopped(GateClosed):
    """The run is stopping (Ctrl-C): units still working in the background send nothing more."""


class RateLimiter:
    """The gate every request passes: at most ``per_second`` requests per second across threads
    (None: unlimited), at most ``budget`` requests in all and at most ``budget_tokens`` estimated
    tokens in and out (None: no budget; ``BudgetSpent``). Tokens are estimated from the bytes
    sent and the answer's declared length (``CHARS_PER_TOKEN``), charged after each answer.

    ``close`` shuts the gate for good (``RunStopped``), and ``pause`` is how a waiting unit sleeps,
    so a unit polling in the background stops as soon as the run does.
    """

    def __init__(
        self, per_second: float | None, budget: int | None = None, budget_tokens: int | None = None
    ) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.budget = budget
        self.budget_tokens = budget_tokens
        self.sent = 0
        self.tokens = 0

    @property
    def budgeted(self) -> bool:
        return self.budget is not None or self.budget_tokens is not None

    @property
    def spent(self) -> bool:
        return (self.budget is not None and self.sent >= self.budget) or (
            self.budget_tokens is not None and self.tokens >= self.budget_tokens
        )

    def describe(self) -> str:
        """The budget as the report names it (``--budget of 12 requests``)."""
        parts = [f"--budget of {self.budget} requests"] if self.budget is not None else []
        if self.budget_tokens is not None:
            parts.append(f"--budget-tokens of {self.budget_tokens} estimated tokens")
        return " / ".join(parts)

    def charge(self, sent: int, received: int) -> None:
        """Count the estimated tokens of one exchange (``sent`` and ``received`` are byte counts)."""
        with self._lock:
            self.tokens += (sent + received + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        self._closed.set()

    def pause(self, seconds: float) -> None:
        if self._closed.wait(seconds):
            raise RunStopped("the run is stopping")

    def wait(self, *, past_budget: bool = False) -> None:
        """Let one request go (counted), at the rate limit; ``past_budget``: even when the budget is
        spent (the deletes of what verify made: ``made_cleanup``), never once the run is stopping."""
        if self._closed.is_set():
            raise RunStopped("the run is stopping")
        with self._lock:
            if self.spent and not past_budget:
                raise BudgetSpent(f"the {self.describe()} is spent")
            self.sent += 1
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            self.pause(delay)


@contextmanager
def closed_by_ctrl_c(limiter: RateLimiter) -> Iterator[None]:
    """While the run lasts, the first Ctrl-C closes the gate instead of raising where it lands.

    A ``KeyboardInterrupt`` raised at an arbitrary bytecode can land where nobody can hear it: in a
    garbage-collector callback (hypothesis keeps one), whose exceptions Python prints and drops,
    leaving the run going and hypothesis's own bookkeeping half-done. Closed, the gate stops every
    unit at its next request or pause (``RunStopped``) and the run ends there, its reports marked
    interrupted; a second Ctrl-C interrupts outright. Only the main thread can set a handler, and
    a SIGINT a parent chose to ignore (a background job) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return

    def close(signum: int, frame: FrameType | None) -> None:
        limiter.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, close)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
