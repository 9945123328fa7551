"""Relabel OpenAPI 3.0.x documents as 3.1.0 (the schema rewrites are separate passes)."""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.repairs import RepairLog

TARGET = "3.1.0"


@repair_pass("openapi_version")
def upgrade_openapi_version(document: Document, context: Context, log: RepairLog) -> None:
    """Declare OpenAPI 3.1.0; the canonical specs are all 3.1."""
    version = str(document.get("openapi", ""))
    if version != TARGET:
        document["openapi"] = TARGET
        log.add(
            "/openapi",
            "set the OpenAPI version to 3.1.0",
            "canonical specs are OpenAPI 3.1; 3.0 constructs are rewritten by the passes that follow",
            before=version,
            after=TARGET,
        )
