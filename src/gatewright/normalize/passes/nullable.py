"""Rewrite OpenAPI 3.0 ``nullable`` into 3.1 JSON Schema (a ``null`` type or branch)."""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, all_schemas, repair_pass
from gatewright.normalize.repairs import RepairLog

WHY = (
    "`nullable` is not a keyword in OpenAPI 3.1 (JSON Schema 2020-12): it is ignored there, "
    "so null values the document means to allow would be rejected"
)


def make_nullable(schema: dict[str, Any]) -> str:
    """Allow null in ``schema`` in place; returns how, for the log."""
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"].append(None)
        return f"type {kind!r} -> [{kind!r}, 'null']"
    if isinstance(kind, list):
        if "null" not in kind:
            kind.append("null")
            if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
                schema["enum"].append(None)
        return "added 'null' to the type list"
    for combinator in ("oneOf", "anyOf"):
        branches = schema.get(combinator)
        if isinstance(branches, list):
            if not any(isinstance(b, dict) and b.get("type") == "null" for b in branches):
                branches.append({"type": "null"})
            return f"added a {{type: 'null'}} branch to {combinator}"
    constrained = {k: schema.pop(k) for k in ("$ref", "allOf", "enum", "const") if k in schema}
    if constrained:
        schema["anyOf"] = [constrained, {"type": "null"}]
        return "wrapped the schema in anyOf with a {type: 'null'} branch"
    return "dropped: the schema has no type, so it already accepts null"


@repair_pass("nullable")
def rewrite_nullable(document: Document, context: Context, log: RepairLog) -> None:
    """Turn ``nullable: true`` into a null type or branch, and drop ``nullable`` everywhere."""
    for pointer, schema in list(all_schemas(document)):
        if "nullable" not in schema:
            continue
        flag = schema.pop("nullable")
        how = make_nullable(schema) if flag is True else "dropped `nullable: false` (the default)"
        log.add(pointer + "/nullable", how, WHY, before=flag)
