"""String inputs as the values their schemas type: what OpenAPI serialisation says a path, query,
header or form field means (``"3"`` for an integer is 3, ``"true"`` for a boolean is true)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gatewright.mock.json_depth import loads
from gatewright.mock.schemas import SchemaSet

__all__ = ["coerce", "type_of"]

_INTEGER = re.compile(r"-?\d+\Z")
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")


def coerce(raw: str, kind: str | None) -> Any:
    if kind == "integer" and _INTEGER.match(raw):
        return int(raw)
    if kind == "number" and _NUMBER.match(raw):
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    if kind == "null" and raw in ("", "null"):
        return None
    if kind in ("object", "array") and raw[:1] in ("{", "["):
        try:
            return loads(raw)
        except ValueError:
            return raw
    return raw


def type_of(schema: Mapping[str, Any], schemas: SchemaSet) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return str(kinds[0]) if kinds else None
    if isinstance(kind, str):
        return kind
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []) or []:
            resolved, _ = schemas.deref(branch, None)
            if isinstance(resolved, dict):
                found = type_of(resolved, schemas)
                if found and found != "null":
                    return found
    return None
