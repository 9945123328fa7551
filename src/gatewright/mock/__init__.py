"""The mock gateway: serves canonical specs as a stateful aiohttp server.

``create_app(...)`` builds the application (library first); ``serve(...)`` runs it. Both take their
options as one ``MockOptions`` (``gatewright.mock_options``, the table ``gatewright mock`` is built from)
or its fields as keywords.
"""

from __future__ import annotations

from gatewright.mock.app import create_app, load_apis
from gatewright.mock.extensions import Extension, MockCall, OperationHook
from gatewright.mock.keys import APIS, EXTENSIONS, STORE
from gatewright.mock.negotiation import Decision, negotiate
from gatewright.mock.preferences import Preferences, parse_prefer
from gatewright.mock.server import serve
from gatewright.mock.state import ResourceStore
from gatewright.mock_options import MockOptions

__all__ = [
    "APIS",
    "EXTENSIONS",
    "STORE",
    "Decision",
    "Extension",
    "MockCall",
    "MockOptions",
    "OperationHook",
    "Preferences",
    "ResourceStore",
    "create_app",
    "load_apis",
    "negotiate",
    "parse_prefer",
    "serve",
]
