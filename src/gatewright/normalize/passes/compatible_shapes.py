"""Free-form success bodies of SDK-compatible routes get the shape the SDKs parse.

The shapes are data: each vendor wire's response shape (``spec.wires.WIRES``, from its file in
``specs/wires/``) and those of the vendor routes that are not a wire (``specs/wires/shapes.json``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from gatewright.normalize.compatible_wires import claims, compatible_routes
from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref, escape
from gatewright.spec.wire_data import RouteShape, Shape, route_shapes
from gatewright.spec.wires import WIRES

JSON = "application/json"
_ANTHROPIC_ENVELOPE = re.compile(r"Anthropic envelope on `(/v1/messages)`", re.IGNORECASE)


def is_free_form(document: Document, schema: Any) -> bool:
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return False
    structural = {
        "properties",
        "required",
        "oneOf",
        "anyOf",
        "allOf",
        "items",
        "const",
        "enum",
        "patternProperties",
    }
    return (
        schema.get("type", "object") == "object"
        and not structural & set(schema)
        and schema.get("additionalProperties", True) not in (False,)
    )


def sdk_shapes() -> list[RouteShape]:
    """Every route whose success body an SDK parses: the vendor wires', then the other routes'."""
    wires = [
        RouteShape(*wire.route, wire.vendor, wire.data.response)
        for wire in WIRES.values()
        if wire.route and wire.vendor and wire.data.response
    ]
    return [*wires, *route_shapes()]


def _anthropic_error() -> Shape:
    error = WIRES["anthropic-messages"].data.error
    if error is None:
        raise LookupError("specs/wires/anthropic-messages.json declares no error envelope")
    return error


@repair_pass("compatible_shapes")
def compatible_shapes(document: Document, context: Context, log: RepairLog) -> None:
    """Declare OpenAI/Anthropic response shapes where the document claims compatibility but leaves it open."""
    wires = compatible_routes(document, context.prose)
    shapes = sdk_shapes()
    for path, method, op, pointer in operations(document):
        found = next((s for s in shapes if s.method == method and path.endswith(s.path)), None)
        if found is None:
            continue
        vendor, name = found.vendor, found.shape.component
        if pointer not in wires and not claims(document, op, vendor, context.prose):
            continue
        for status, response in op.get("responses", {}).items():
            if not status.startswith("2") or "$ref" in response:
                continue
            media = response.get("content", {}).get(JSON)
            if not isinstance(media, dict) or not is_free_form(document, media.get("schema")):
                continue
            document.setdefault("components", {}).setdefault("schemas", {}).setdefault(
                name, copy.deepcopy(found.shape.schema)
            )
            media["schema"] = {"$ref": f"#/components/schemas/{name}"}
            log.add(
                f"{pointer}/responses/{status}/content/{escape(JSON)}/schema",
                f"declared the {vendor} response shape ({name})",
                f"the document says the route is {vendor}-compatible but leaves the body free-form; "
                f"SDK clients parse these fields, so the mock serves and the runner checks them",
            )
    if context.prose:
        for match in _ANTHROPIC_ENVELOPE.finditer(context.prose):
            op = document.get("paths", {}).get(match.group(1), {}).get("post")
            if op is None:
                continue
            error = _anthropic_error()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.setdefault(error.component, copy.deepcopy(error.schema))
            ref = {"$ref": f"#/components/schemas/{error.component}"}
            for status, description in (
                ("400", "Invalid request (Anthropic error envelope)."),
                ("401", "Missing or invalid API key (Anthropic error envelope)."),
            ):
                wanted = {"description": description, "content": {JSON: {"schema": ref}}}
                if op.get("responses", {}).get(status) != wanted:
                    op.setdefault("responses", {})[status] = wanted
                    log.add(
                        f"{pointer_of(match.group(1))}/responses/{status}",
                        "declared the Anthropic error envelope",
                        "the page's Errors section: Anthropic envelope on " + match.group(1),
                        after=wanted,
                    )


def pointer_of(path: str, method: str = "post") -> str:
    return f"/paths/{escape(path)}/{method}"
