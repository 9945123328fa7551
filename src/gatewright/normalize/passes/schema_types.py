"""Schemas that contradict themselves: enum members of another type than the declared one."""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, all_schemas, repair_pass
from gatewright.normalize.repairs import RepairLog

JSON_TYPES: dict[type, str] = {bool: "boolean", str: "string", int: "integer", float: "number"}


def json_type(value: Any) -> str | None:
    if value is None:
        return "null"
    return JSON_TYPES.get(type(value))


@repair_pass("enum_types")
def enum_types(document: Document, context: Context, log: RepairLog) -> None:
    """When every enum member has one type and it is not the declared type, declare that type."""
    for pointer, schema in list(all_schemas(document)):
        enum, declared = schema.get("enum"), schema.get("type")
        if not isinstance(enum, list) or not enum or not isinstance(declared, str):
            continue
        kinds = {json_type(v) for v in enum if v is not None}
        if len(kinds) != 1:
            continue
        (kind,) = kinds
        if kind is None or kind == declared or (kind == "integer" and declared == "number"):
            continue
        schema["type"] = kind
        log.add(
            pointer + "/type",
            f"declared type {kind!r} to match the enum",
            f"no value can be both a {declared} and one of {enum}: the schema admitted nothing",
            before=declared,
            after=kind,
        )
