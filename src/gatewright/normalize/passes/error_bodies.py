"""Error responses that describe a body but declare none get the document's error schema.

A gateway answers its errors in its envelope; an error response left without content (ipop's audio
routes declare their 400 and 401 so) is mocked as an empty body, which an SDK shows as a bare
status with no message. Such a response takes the operation's own error schema, else the one the
document's operations use most (``implied_errors``); a ``HEAD`` answer stays without a body.
"""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.passes.implied_errors import common_error_schema, own_error_schema
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import escape

CANDIDATES = ("ErrorResponse", "Error")


@repair_pass("error_bodies")
def error_bodies(document: Document, context: Context, log: RepairLog) -> None:
    """Give description-only error responses the document's own error envelope."""
    _component_responses(document, log)
    _operation_responses(document, log)


def _component_responses(document: Document, log: RepairLog) -> None:
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


def _operation_responses(document: Document, log: RepairLog) -> None:
    common = common_error_schema(document)
    for _path, method, op, pointer in operations(document):
        if method.lower() == "head":
            continue
        responses = op.get("responses")
        if not isinstance(responses, dict):
            continue
        bodiless = [
            status
            for status, response in responses.items()
            if status[:1] in "45"
            and isinstance(response, dict)
            and "$ref" not in response
            and "content" not in response
        ]
        schema = (own_error_schema(document, op) or common) if bodiless else None
        if schema is None:
            continue
        for status in bodiless:
            content = {"application/json": {"schema": dict(schema)}}
            responses[status]["content"] = content
            log.add(
                f"{pointer}/responses/{escape(status)}/content",
                "declared the error envelope as its body",
                "an error response with no declared body is mocked empty and cannot be checked; the "
                "operation's other errors (else the document's) use this envelope",
                after=content,
            )
