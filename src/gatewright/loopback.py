"""Who may talk to a server on a developer's machine: the mock's and the proxy's front door.

Both servers run on a laptop next to a browser. Two browser tricks reach a loopback server
from any web page, and this module closes both:

- **DNS rebinding**: a page at ``evil.example`` re-resolves its own name to 127.0.0.1 and then
  reads the server as if it were its own origin. The browser still sends ``Host: evil.example``,
  so every route accepts only loopback names (``localhost``, ``*.localhost``, 127.0.0.0/8,
  ``::1``), the name the server binds, and names the developer allowed (``--allow-host``). When
  the server binds every interface (``0.0.0.0``/``::``) an IP literal is accepted too: a page
  cannot rebind a name that is an address.
- **Simple cross-origin writes**: a form or ``fetch`` with ``Content-Type: text/plain`` is sent
  without a preflight, and carries the page's ``Origin``. The control routes (``/__gatewright/``)
  refuse any ``Origin`` that is not this server's own loopback origin. curl, the SDKs, the pytest
  plugin and ``gatewright.testing`` send no ``Origin`` and are not affected.

CORS is never granted: no ``Access-Control-Allow-*`` header is ever added.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

CONTROL_PREFIX = "/__gatewright"
_SEEN_HOSTS = 64  # distinct accepted ``Host`` values remembered (loopback spellings are few)
# How a refusal is answered: the request, 421 or 403, and why (None: ``json_refusal``).
Refuse = Callable[[web.Request, int, str], web.StreamResponse] | None
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "*"})


def host_name(authority: str) -> str:
    """``Host`` header text without its port, lower case, IPv6 brackets removed."""
    text = authority.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text[1:]
    if text.count(":") == 1:
        text = text.partition(":")[0]
    return text.rstrip(".")


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def is_loopback(name: str) -> bool:
    """``localhost``, a ``*.localhost`` name (RFC 6761: always loopback), 127.0.0.0/8 or ``::1``."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _address(name)
    return address is not None and address.is_loopback


@dataclass(frozen=True, slots=True)
class HostGuard:
    """The names a server answers to; ``bind`` is the host it listens on."""

    bind: str = "127.0.0.1"
    allowed: frozenset[str] = frozenset()
    # ``Host`` values already accepted, as sent: the hot path's whole check is one set lookup.
    _seen: set[str] = field(default_factory=set, compare=False, repr=False)

    @classmethod
    def of(cls, bind: str, allow: Iterable[str] = ()) -> HostGuard:
        return cls(bind=host_name(bind), allowed=frozenset(host_name(name) for name in allow))

    def accepts(self, name: str) -> bool:
        if name in self.allowed or name == self.bind or is_loopback(name):
            return True
        return self.bind in WILDCARD_BINDS and _address(name) is not None

    def host_refusal(self, request: web.Request) -> str | None:
        """Why this request's ``Host`` is refused, or None. No ``Host`` (HTTP/1.0) is accepted. An
        absolute-form target (``GET http://name/path``) names the host instead (RFC 9112 3.2.2)."""
        origin_form = request.raw_path.startswith("/")
        raw = request.headers.get("Host") if origin_form else request.url.host or ""
        if raw is None or (origin_form and raw in self._seen):
            return None
        if self.accepts(host_name(raw)):
            if origin_form and len(self._seen) < _SEEN_HOSTS:
                self._seen.add(raw)
            return None
        return (
            f"Host {raw!r} is not served here: this server answers to loopback names, "
            f"{self.bind or 'its bound address'} and names given with --allow-host"
        )

    def origin_refusal(self, request: web.Request) -> str | None:
        """Why this request's ``Origin`` may not drive the control routes, or None (no ``Origin``)."""
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        parts = urllib.parse.urlsplit(origin.strip())
        try:
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            port = None
        name = host_name(parts.hostname or "")
        if parts.scheme in ("http", "https") and port == _server_port(request) and self.accepts(name):
            return None
        return (
            f"Origin {origin!r} may not use the control API: only this server's own origin may "
            "(curl, the SDKs and the pytest plugin send no Origin)"
        )

    def refusal(self, request: web.Request) -> tuple[int, str] | None:
        """(status, why) when this server must not answer the request: 421 for a foreign ``Host``,
        403 for a foreign ``Origin`` on the control routes; None to answer it."""
        why = self.host_refusal(request)
        if why is not None:
            return 421, why
        if request.path.startswith(CONTROL_PREFIX):
            why = self.origin_refusal(request)
            if why is not None:
                return 403, why
        return None

    def guarded(self, handler: Handler, refuse: Refuse = None) -> Handler:
        """``handler`` behind this guard: a route that checks for itself, without a middleware layer."""
        refuse_with = refuse or json_refusal

        async def checked(request: web.Request) -> web.StreamResponse:
            refused = self.refusal(request)
            if refused is not None:
                return refuse_with(request, *refused)
            return await handler(request)

        checked.guarded = True  # type: ignore[attr-defined]  # what ``is_guarded`` looks for
        return checked

    def middleware(self, refuse: Refuse = None) -> Middleware:
        """The same checks as an aiohttp middleware, for a server whose every route needs them (the proxy)."""
        refuse_with = refuse or json_refusal

        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            refused = self.refusal(request)
            if refused is not None:
                return refuse_with(request, *refused)
            return await handler(request)

        return guard


def is_guarded(handler: object) -> bool:
    """Whether a route handler checks ``Host`` and ``Origin`` itself (``HostGuard.guarded``, or a
    handler that calls ``HostGuard.refusal`` first and says so with a ``guarded`` attribute)."""
    return getattr(handler, "guarded", False) is True


def _server_port(request: web.Request) -> int | None:
    sockname = request.transport.get_extra_info("sockname") if request.transport is not None else None
    if isinstance(sockname, tuple) and len(sockname) >= 2 and isinstance(sockname[1], int):
        return sockname[1]
    return request.url.port


def json_refusal(request: web.Request, status: int, message: str) -> web.Response:
    """The control API's error shape (OpenAI's envelope), for servers without an API of their own."""
    kind = "misdirected_request" if status == 421 else "forbidden"
    return web.json_response({"error": {"message": message, "type": kind, "code": kind}}, status=status)
