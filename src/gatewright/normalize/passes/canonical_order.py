"""A stable key order, so that the canonical JSON reads well and diffs stay small."""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.repairs import RepairLog

TOP_LEVEL = (
    "openapi",
    "info",
    "jsonSchemaDialect",
    "servers",
    "security",
    "tags",
    "paths",
    "webhooks",
    "components",
    "externalDocs",
)


def _sorted(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}


@repair_pass("canonical_order")
def canonical_order(document: Document, context: Context, log: RepairLog) -> None:
    """Top-level keys in specification order, paths and components sorted by name. Not a repair: no log."""
    ordered = {key: document[key] for key in TOP_LEVEL if key in document}
    ordered.update({key: document[key] for key in sorted(document) if key not in ordered})
    ordered["paths"] = _sorted(ordered.get("paths", {}))
    components = ordered.get("components", {})
    ordered["components"] = {section: _sorted(components[section]) for section in sorted(components)}
    document.clear()
    document.update(ordered)
