"""Typed application state (``web.AppKey``s) shared by the mock's modules."""

from __future__ import annotations

from aiohttp import web

from gatewright.loopback import HostGuard
from gatewright.mock.control_store import ControlStore
from gatewright.mock.extensions import Extension
from gatewright.mock.operations import MockApi
from gatewright.mock.pipeline import ApiHandler
from gatewright.mock.rules.book import RuleBook
from gatewright.mock.shared import Ledger
from gatewright.mock.state import ResourceStore

APIS = web.AppKey("gatewright_apis", dict[str, MockApi])
STORE = web.AppKey("gatewright_store", ResourceStore)
EXTENSIONS = web.AppKey("gatewright_extensions", list[Extension])
CONTROL = web.AppKey("gatewright_control", ControlStore)
RULES = web.AppKey("gatewright_rules", RuleBook)
GUARD = web.AppKey("gatewright_guard", HostGuard)  # every route checks Host (and Origin on control) with it
API_HANDLERS = web.AppKey("gatewright_api_handlers", list[ApiHandler])  # one per API (``mock.front``)
LEDGER = web.AppKey("gatewright_ledger", Ledger)  # only with a shared store (``--store redis://…``)
