"""The one door every request of a run leaves by: pooled, gated, charged, its errors redacted.

Schemathesis cases go out with ``call`` (``Case.call`` over the calling thread's keep-alive session,
``sessions.py``); bodies read as they arrive (the stream and compatibility phases' event streams) go
out with ``open``, over the same sessions. Either way the request first passes the run's gate
(``limiter.py``: rate limit, request and token budget, stop), which raises ``GateClosed`` before
anything is sent, and the answer's estimated tokens are charged to ``--budget-tokens`` once its
headers are in. The credentials every request carries come from here too (``headers_for``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from gatewright.conformance.limiter import RateLimiter
from gatewright.conformance.redact import Redactor
from gatewright.conformance.sessions import Sessions

Auth = Callable[[str], tuple[dict[str, str], dict[str, str]]]  # operationId -> (headers, query)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A case ready to leave by ``Sender.open``: its headers and query (credentials included) and
    the ``requests`` keyword arguments it is sent with (``method``, ``url``, body)."""

    case: Any
    headers: dict[str, str]
    query: dict[str, str]
    kwargs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Opened:
    """What ``Sender.open`` got: the response (None when none came, ``error`` then says why, redacted)
    and when the request passed the gate (``time.monotonic``), where its deadlines count from."""

    response: requests.Response | None
    error: str | None
    sent_at: float


class Sender:
    """Sends a run's requests to one base URL with credentials, a timeout and the run's gate."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: Auth,
        timeout: float,
        limiter: RateLimiter,
        redactor: Redactor,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.auth = auth
        self.timeout = timeout
        self.limiter = limiter
        self.redactor = redactor
        self.extra_headers = dict(extra_headers or {})
        self.sessions = Sessions()  # keep-alive connections, one per thread
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)  # operationId -> status -> times
        self._count_lock = threading.Lock()

    def headers_for(
        self, case: Any, extra: dict[str, str] | None = None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """What ``case`` is sent with: the ``--header``s, its operation's credentials, then ``extra``."""
        operation_id = case.operation.definition.raw.get("operationId", "")
        headers, query = self.auth(operation_id)
        return {**self.extra_headers, **headers, **(extra or {})}, query

    def call(self, case: Any, *, past_budget: bool = False, **kwargs: Any) -> Any:
        """``case.call(**kwargs)`` through the gate (``past_budget``: ``RateLimiter.wait``), over this
        thread's session; the tokens charged. Raises ``GateClosed`` before sending, and whatever the
        transport raises after."""
        self.limiter.wait(past_budget=past_budget)
        response = self.sessions.call(case, **kwargs)
        self.charge(response)
        return response

    def send(
        self, case: Any, headers: dict[str, str], query: dict[str, str] | None, *, past_budget: bool = False
    ) -> Any:
        """``case`` to the base URL with these headers and query, within the run's timeout (``call``)."""
        return self.call(
            case,
            past_budget=past_budget,
            base_url=self.base_url,
            headers=headers,
            params=query or None,
            timeout=self.timeout,
        )

    def prepare(self, case: Any, extra_headers: dict[str, str] | None = None) -> Outgoing:
        """``case`` with its credentials as ``requests`` sends it, for a caller that reads the body itself."""
        headers, query = self.headers_for(case, extra_headers)
        kwargs = dict(case.as_transport_kwargs(base_url=self.base_url, headers=headers))
        if query:
            kwargs["params"] = {**(kwargs.get("params") or {}), **query}
        return Outgoing(case, headers, query, kwargs)

    def open(self, outgoing: Outgoing, *, stream: bool, timeout: float | tuple[float, float]) -> Opened:
        """Send ``outgoing`` through the gate over this thread's session, the body left to read
        (``stream``); the caller closes the response. Raises ``GateClosed`` before sending; a
        transport error is an ``Opened`` without a response."""
        self.limiter.wait()
        sent_at = time.monotonic()
        try:
            response = self.sessions.request(**outgoing.kwargs, stream=stream, timeout=timeout)
        except requests.RequestException as exc:
            return Opened(None, self.redactor.text(str(exc)), sent_at)
        self.charge(response)
        return Opened(response, None, sent_at)

    def charge(self, response: Any) -> None:
        """Spend the exchange's estimated tokens from ``--budget-tokens`` (when there is one)."""
        if self.limiter.budget_tokens is not None:
            self.limiter.charge(_sent_bytes(response), _declared_length(response))

    def count(self, case: Any, response: Any) -> None:
        """Tally the status an operation answered (``verify`` warns when nearly all are 404)."""
        operation_id = str(case.operation.definition.raw.get("operationId", case.path))
        with self._count_lock:  # lifecycle units count from their own threads
            self.statuses[operation_id][int(response.status_code)] += 1

    def close(self) -> None:
        """Close the run's HTTP connections (they reopen on demand)."""
        self.sessions.close()


def _sent_bytes(response: Any) -> int:
    """The size of the request body that went out (0 when there was none)."""
    body = getattr(getattr(response, "request", None), "body", None)
    if isinstance(body, str):
        return len(body.encode("utf-8", "replace"))
    return len(body) if isinstance(body, bytes | bytearray) else 0


def _declared_length(response: Any) -> int:
    """The answer's size as its ``Content-Length`` declares it (0 for a stream that does not say)."""
    try:
        return max(0, int(response.headers.get("Content-Length", 0)))
    except (TypeError, ValueError):
        return 0
