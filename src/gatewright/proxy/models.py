"""An exchange as the proxy saw it, and a violation found in one: plain values, no aiohttp."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Side = Literal["gateway", "client"]
_OVERHEAD = 1024  # bytes an exchange costs besides its bodies and headers (objects, the time, ...)


@dataclass(slots=True)
class Captured:
    """A body as far as the proxy kept it: the first ``limit`` bytes and how much really went by."""

    limit: int
    data: bytearray = field(default_factory=bytearray)
    size: int = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    @property
    def truncated(self) -> bool:
        return self.size > len(self.data)


@dataclass(slots=True)
class Observed:
    """One forwarded exchange: what the client sent and what the upstream answered.

    ``status`` is None when the upstream never answered (``error`` says why); ``complete`` is
    False when its body ended early (a reset, a timeout mid-stream, a client that left before the
    upstream finished, or the proxy stopping meanwhile: then ``client_left`` or ``stopped`` says
    the end was on this side, not the upstream's).
    """

    method: str
    path: str
    query: str
    request_headers: list[tuple[str, str]]
    request_body: Captured
    time: str
    elapsed_ms: float = 0.0
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: Captured | None = None
    complete: bool = True
    error: str | None = None
    client_left: bool = False  # the client closed its connection before the answer was relayed whole
    stopped: bool = False  # the proxy shut down before the answer was relayed whole

    @property
    def cut_here(self) -> bool:
        """Whether the answer ended early on this side of the proxy (never the upstream's fault)."""
        return (self.client_left or self.stopped) and not self.complete

    def request_header(self, name: str) -> str | None:
        return _first(self.request_headers, name)

    def size(self) -> int:
        """About the bytes this exchange holds in memory: its captured bodies and its headers."""
        headers = sum(len(n) + len(v) for n, v in (*self.request_headers, *self.response_headers))
        answer = len(self.response_body.data) if self.response_body is not None else 0
        return _OVERHEAD + len(self.path) + len(self.query) + headers + len(self.request_body.data) + answer

    def response_header(self, name: str) -> str | None:
        return _first(self.response_headers, name)


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule of the contract in one exchange, credentials already hidden.

    ``side`` says whose problem it is: the gateway's answer, or the client's request.
    ``message`` is one line; ``detail`` is the whole explanation a check gave.
    """

    operation: str  # operationId, or "-" when the request matched no operation
    check: str
    message: str
    method: str
    path: str
    status: int | None
    time: str
    side: Side
    title: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "check": self.check,
            "message": self.message,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "time": self.time,
            "side": self.side,
            "title": self.title,
            "detail": self.detail,
        }

    def line(self) -> str:
        """The one line printed while the proxy runs."""
        status = self.status if self.status is not None else "no answer"
        return (
            f"[{self.side}] {self.operation} {self.check}: {self.message} "
            f"({self.method} {self.path} -> {status})"
        )
