"""Security is explicit on every operation, and public operations do not promise 401/402."""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog

AUTH_STATUSES = ("401", "402")


@repair_pass("public_operations")
def explicit_security(document: Document, context: Context, log: RepairLog) -> None:
    """Mark operations with no security anywhere as public, and drop auth errors from public ones."""
    has_global = bool(document.get("security"))
    for _path, _method, op, pointer in operations(document):
        if "security" not in op and not has_global:
            op["security"] = []
            log.add(
                f"{pointer}/security",
                "declared the operation public (security: [])",
                "it has no security requirement and the document has no global one; "
                "canonical specs say so explicitly",
                after=[],
            )
        security = op.get("security", document.get("security", []))
        if security:
            continue
        for status in AUTH_STATUSES:
            if status in op.get("responses", {}):
                removed = op["responses"].pop(status)
                log.add(
                    f"{pointer}/responses/{status}",
                    f"removed the {status} response from a public operation",
                    "the operation requires no credentials, so it cannot answer for missing or unpaid ones",
                    before=removed.get("description") if isinstance(removed, dict) else None,
                )
