"""Callback (webhook) delivery when a task ends, and the background loop that drives it.

A mock that POSTs wherever a request says would be an SSRF tool, so the default
``CallbackPolicy`` allows loopback hosts only; ``allow_any_host`` is the explicit opt-in.
Redirects are never followed (a loopback receiver answering 307 to another host would
otherwise carry the POST past the policy): a 3xx is recorded as the delivery's status.
The payload is the caller's business (usually the rendered poll body, which is what
e.g. beatra documents as "the body of customer callback POSTs").
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from gatewright.mock.tasks.engine import TaskEngine
from gatewright.mock.tasks.models import Task

__all__ = [
    "CALLBACK_FIELDS",
    "CallbackDispatcher",
    "CallbackPolicy",
    "Delivery",
    "find_callback_url",
    "run_engine",
]

log = logging.getLogger("gatewright.mock.tasks")

# Request-body fields that carry a callback URL in the APIs we know (top level or nested under "callback").
CALLBACK_FIELDS = (
    "callback_url",
    "callbackUrl",
    "webhook_url",
    "webhookUrl",
    "notify_hook",
    "notifyHook",
    "callBackUrl",
    "callback",
)


def find_callback_url(body: Any, fields: tuple[str, ...] = CALLBACK_FIELDS) -> str | None:
    """The callback URL a create request carries, if any (``callback`` may be a URL or ``{"url": ...}``)."""
    if not isinstance(body, Mapping):
        return None
    for name in fields:
        value = body.get(name)
        if isinstance(value, Mapping):
            value = value.get("url")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """Where the mock may POST: loopback only unless ``allow_any_host``."""

    allow_any_host: bool = False
    timeout: float = 5.0

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be called, or None when it may."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"not an http(s) URL: {url!r}"
        if self.allow_any_host or _is_loopback(parts.hostname):
            return None
        return f"host {parts.hostname!r} is not loopback (allow other hosts explicitly)"


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one callback: ``status`` is the HTTP status, or None with ``error`` set."""

    task_id: str
    url: str
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class CallbackDispatcher:
    """POSTs ``payload(task)`` as JSON to each finished task's callback URL, within the policy."""

    def __init__(
        self,
        payload: Callable[[Task], Mapping[str, Any]],
        policy: CallbackPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.payload = payload
        self.policy = policy if policy is not None else CallbackPolicy()
        self._session = session
        self.deliveries: list[Delivery] = []

    async def deliver(self, task: Task) -> Delivery:
        url = task.callback_url or ""
        refusal = self.policy.refusal(url)
        if refusal is not None:
            log.warning("callback for task %s not sent: %s", task.id, refusal)
            return self._record(Delivery(task.id, url, None, refusal))
        timeout = aiohttp.ClientTimeout(total=self.policy.timeout)
        try:
            async with contextlib.AsyncExitStack() as stack:
                session = self._session
                if session is None:
                    session = await stack.enter_async_context(aiohttp.ClientSession())
                async with session.post(
                    url, json=dict(self.payload(task)), timeout=timeout, allow_redirects=False
                ) as response:
                    await response.read()
                    if 300 <= response.status < 400:
                        log.warning(
                            "callback for task %s to %s answered %d: redirects are not followed",
                            task.id,
                            url,
                            response.status,
                        )
                    return self._record(Delivery(task.id, url, response.status))
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("callback for task %s to %s failed: %s", task.id, url, exc)
            return self._record(Delivery(task.id, url, None, f"{type(exc).__name__}: {exc}"))

    async def deliver_pending(self, engine: TaskEngine) -> list[Delivery]:
        """Advance the engine, then deliver every callback it has queued, concurrently."""
        engine.tick()
        tasks = engine.take_callbacks()
        return list(await asyncio.gather(*(self.deliver(t) for t in tasks)))

    def _record(self, delivery: Delivery) -> Delivery:
        self.deliveries.append(delivery)
        return delivery


async def run_engine(
    engine: TaskEngine,
    dispatcher: CallbackDispatcher | None = None,
    *,
    interval: float = 0.05,
) -> None:
    """Tick the engine forever so tasks finish (and call back) even when nobody polls.

    Run it as a background task (e.g. from an aiohttp ``cleanup_ctx``); cancel it to stop.
    """
    pending: set[asyncio.Task[Delivery]] = set()
    try:
        while True:
            engine.tick()
            if dispatcher is not None:
                for task in engine.take_callbacks():
                    job = asyncio.create_task(dispatcher.deliver(task))
                    pending.add(job)
                    job.add_done_callback(pending.discard)
            await asyncio.sleep(interval)
    finally:
        for job in pending:
            job.cancel()


@contextlib.asynccontextmanager
async def engine_running(
    engine: TaskEngine, dispatcher: CallbackDispatcher | None = None, *, interval: float = 0.05
) -> AsyncIterator[None]:
    """``async with engine_running(engine):`` — the background loop for the block's duration."""
    runner = asyncio.create_task(run_engine(engine, dispatcher, interval=interval))
    try:
        yield
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
