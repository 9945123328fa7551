"""Which routes of a document speak an OpenAI- or Anthropic-compatible wire.

A document may say a route is compatible with a vendor's API (``claims``). The
``compatibility`` pass marks such a route with its wire name and widens its schemas
until the official shapes validate: the request bodies the official ``openai`` and
``anthropic`` Python SDKs send and the response bodies they parse. The wires, their
official routes and their data (official schemas, SDK samples: ``specs/wires/``) are
registered in the spec layer (``spec.wires.WIRES``); this module only reads documents.
"""

from __future__ import annotations

from typing import Any

from gatewright.spec.pointer import escape
from gatewright.spec.wires import wire_of_route

# Request and response fields whose value is the gateway's own choice (its model catalogue):
# samples take a value the document accepts, and the field is never widened.
VENDOR_FIELDS = ("model",)


def wire_of(method: str, path: str) -> tuple[str, str] | None:
    """(wire, vendor) of a compatible route, by method and path suffix."""
    wire = wire_of_route(method, path)
    return None if wire is None or wire.vendor is None else (wire.name, wire.vendor)


def claims(document: dict[str, Any], op: dict[str, Any], vendor: str, prose: str = "") -> bool:
    """Whether the operation, the document or its prose says it is compatible with ``vendor``'s API."""
    texts = [
        op.get("summary"),
        op.get("description"),
        document.get("info", {}).get("description"),
        prose,
    ]
    return any(
        isinstance(t, str) and (f"{vendor} SDK" in t or (vendor in t and "compatible" in t.lower()))
        for t in texts
    )


def compatible_routes(document: dict[str, Any], prose: str = "") -> dict[str, tuple[str, str]]:
    """Operation pointer -> (wire, vendor) of every wire route the document claims compatible.

    A route is claimed by its own text or by the document's (``claims``). A document that
    claims a vendor's compatibility for one of its routes of that vendor's wires claims it
    for its other routes of those wires too: imarouter says its chat and Responses routes are
    OpenAI-compatible and documents ``/v1/embeddings`` with OpenAI's parameters, unannounced.
    """
    routes: dict[str, tuple[str, str, bool]] = {}
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            found = wire_of(method, path) if isinstance(op, dict) else None
            if found is not None:
                pointer = f"/paths/{escape(path)}/{method}"
                routes[pointer] = (*found, claims(document, op, found[1], prose))
    vendors = {vendor for _, vendor, claimed in routes.values() if claimed}
    return {pointer: (wire, vendor) for pointer, (wire, vendor, _) in routes.items() if vendor in vendors}
