"""Error responses that describe a body but declare none get the document's error schema."""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import escape

CANDIDATES = ("ErrorResponse", "Error")


@repair_pass("error_bodies")
def error_bodies(document: Document, context: Context, log: RepairLog) -> None:
    """Give description-only component error responses the document's own error envelope."""
    components = document.get("components", {})
    schema_name = next((n for n in CANDIDATES if n in components.get("schemas", {})), None)
    if schema_name is None:
        return
    for name, response in components.get("responses", {}).items():
        if "content" in response or "error" not in name.lower():
            continue
        response["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        }
        log.add(
            f"/components/responses/{escape(name)}/content",
            f"declared a {schema_name} body",
            "an error response with no declared body cannot be mocked or checked; the document's own "
            "error envelope is what its other errors use",
            after=response["content"],
        )
