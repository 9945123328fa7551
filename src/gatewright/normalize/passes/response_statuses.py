"""Drop responses an operation cannot give: 201/413 on reads, bodies on HEAD."""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog

READ_METHODS = ("get", "head")


@repair_pass("response_statuses")
def impossible_responses(document: Document, context: Context, log: RepairLog) -> None:
    """Remove 201 from reads, 413 from operations without a body, and content from HEAD responses."""
    for _path, method, op, pointer in operations(document):
        responses = op.get("responses", {})
        if (
            method in READ_METHODS
            and "201" in responses
            and any(s.startswith("2") and s != "201" for s in responses)
        ):
            responses.pop("201")
            log.add(
                f"{pointer}/responses/201",
                "removed the 201 response from a read",
                f"a {method.upper()} creates nothing; the document copies one response set onto every route",
            )
        if "413" in responses and "requestBody" not in op:
            responses.pop("413")
            log.add(
                f"{pointer}/responses/413",
                "removed the 413 response",
                "the operation takes no request body, so it cannot be too large",
            )
        if method == "head":
            for status, response in responses.items():
                if isinstance(response, dict) and "content" in response:
                    removed = response.pop("content")
                    log.add(
                        f"{pointer}/responses/{status}/content",
                        "removed the body of a HEAD response",
                        "HEAD responses have no body (RFC 9110 §9.3.2)",
                        before=list(removed),
                    )
