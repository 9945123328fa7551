"""Proxy: stand between a client and a live gateway, forward every exchange unchanged, and say,
exchange by exchange, where the gateway (or the client) departs from the contract.

``Proxy(ProxyOptions(...))`` is the library object: ``create_app(proxy)`` serves it from any
aiohttp runner (tests), ``serve(proxy)`` runs it until SIGINT/SIGTERM and writes the reports.
It judges with the conformance stage's own checks and renders with its report renderers; it
never imports the mock.
"""

from __future__ import annotations

from gatewright.loopback import CONTROL_PREFIX
from gatewright.proxy.engine import Proxy
from gatewright.proxy.models import Violation
from gatewright.proxy.options import CAPTURE_LIMIT, DEFAULT_PORT, ProxyOptions
from gatewright.proxy.server import create_app, run, serve

__all__ = [
    "CAPTURE_LIMIT",
    "CONTROL_PREFIX",
    "DEFAULT_PORT",
    "Proxy",
    "ProxyOptions",
    "Violation",
    "create_app",
    "run",
    "serve",
]
