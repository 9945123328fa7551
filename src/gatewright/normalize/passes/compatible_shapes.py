"""Free-form success bodies of SDK-compatible routes get the shape the SDKs parse."""

from __future__ import annotations

import re
from typing import Any

from gatewright.normalize.compatible_shapes import ANTHROPIC_ERROR, SHAPES
from gatewright.normalize.compatible_wires import claims, compatible_routes
from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref, escape

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


@repair_pass("compatible_shapes")
def compatible_shapes(document: Document, context: Context, log: RepairLog) -> None:
    """Declare OpenAI/Anthropic response shapes where the document claims compatibility but leaves it open."""
    wires = compatible_routes(document, context.prose)
    for path, method, op, pointer in operations(document):
        shape = next((v for (m, suffix), v in SHAPES.items() if m == method and path.endswith(suffix)), None)
        if shape is None:
            continue
        name, schema, vendor = shape
        if pointer not in wires and not claims(document, op, vendor, context.prose):
            continue
        for status, response in op.get("responses", {}).items():
            if not status.startswith("2") or "$ref" in response:
                continue
            media = response.get("content", {}).get(JSON)
            if not isinstance(media, dict) or not is_free_form(document, media.get("schema")):
                continue
            document.setdefault("components", {}).setdefault("schemas", {}).setdefault(name, schema)
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
            document.setdefault("components", {}).setdefault("schemas", {}).setdefault(
                "AnthropicError", ANTHROPIC_ERROR
            )
            ref = {"$ref": "#/components/schemas/AnthropicError"}
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
