"""Mark OpenAI/Anthropic-compatible operations with their wire; widen their schemas to the official shapes.

Where a document says a route is compatible with a vendor's API (``compatible_routes``:
the route's own text, the document's, or the document's claim for its other routes of
that vendor's wires), the route gets ``x-gatewright-compatible: {"wire": ...}``; the mock
and the runner read the wire from it. Then each official body of that wire (its data file,
``spec.wires.WIRES[wire].data``: what the official SDKs send and parse) is validated against
the route's request or 2xx response schema, and every keyword that rejects it is widened,
minimally, by one logged repair (``widening.Widener``: a new branch for a kind of item the
schema does not know, else the keyword itself). A component also used by operations that
are not compatible is not widened in place: the compatible operation is pointed at a copy
(``<Name>Compatible``), and the widenings inside it are logged with pointers into that copy.
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.compatible_wires import claims, compatible_routes
from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.passes.widening import Widener
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import COMPATIBLE_EXTENSION
from gatewright.spec.pointer import escape
from gatewright.spec.wires import WIRES

EXTENSION = COMPATIBLE_EXTENSION  # the mark this pass writes
JSON = "application/json"


def _json_schema(holder: Any) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(holder, dict) or "$ref" in holder:
        return None
    media = holder.get("content", {}).get(JSON)
    if isinstance(media, dict) and isinstance(media.get("schema"), dict):
        return f"/content/{escape(JSON)}/schema", media["schema"]
    return None


def _claim(document: Document, op: dict[str, Any], route: str, vendor: str, prose: str) -> str:
    """Why the operation is compatible, in words for the repair log."""
    if claims(document, op, vendor, prose):
        return f"the document declares {route} {vendor}-compatible"
    return (
        f"the document declares its other {vendor} routes {vendor}-compatible and serves {route} "
        f"at the official path without a claim of its own"
    )


@repair_pass("compatibility")
def compatibility(document: Document, context: Context, log: RepairLog) -> None:
    """Mark OpenAI/Anthropic-compatible operations with their wire; widen their schemas to fit the SDKs."""
    routes = compatible_routes(document, context.prose)
    marked = [
        (path, method, op, pointer, *routes[pointer])
        for path, method, op, pointer in operations(document)
        if pointer in routes
    ]
    if not marked:
        return
    widener = Widener(document, {pointer for _, _, _, pointer, _, _ in marked}, log)
    for path, method, op, pointer, wire, vendor in marked:
        claim = _claim(document, op, f"`{method.upper()} {path}`", vendor, context.prose)
        mark = {"wire": wire}
        if op.get(EXTENSION) != mark:
            before = op.get(EXTENSION)
            op[EXTENSION] = mark
            log.add(
                f"{pointer}/{EXTENSION}",
                f"marked the operation as the {wire!r} wire",
                f"{claim}; the mock and the runner read the wire's shapes from this mark",
                before=before,
                after=mark,
            )
        data = WIRES[wire].data
        found_request = _json_schema(op.get("requestBody"))
        if found_request is not None and data.request is not None:
            widener.fit_samples(
                f"{pointer}/requestBody{found_request[0]}",
                data.request,
                data.request_samples,
                f"{claim}: the official {vendor} SDK sends",
            )
        for status, response in op.get("responses", {}).items():
            found_response = _json_schema(response) if status.startswith("2") else None
            if found_response is not None and data.response is not None:
                widener.fit_samples(
                    f"{pointer}/responses/{escape(status)}{found_response[0]}",
                    data.response.schema,
                    data.response_samples,
                    f"{claim}: the official {vendor} SDK parses",
                )
