"""What kind of value a schema node describes, and which branch of an official union a value is.

The widening walk asks these questions of the document's schemas and of the official ones; none
of them reads the document (``Widener`` answers the questions that follow its refs).
"""

from __future__ import annotations

from typing import Any

from gatewright.spec.validation import DocumentValidators

DISCRIMINATORS = ("type", "role")
ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "externalDocs"}
)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def declared_types(schema: dict[str, Any]) -> list[str] | None:
    """The JSON types a schema node declares (``properties``/``items`` imply object/array); None: any."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    if "properties" in schema or "required" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return None


def describe(schema: Any) -> str:
    """A short name for a schema's shape, for the repair log: ``array of integer``, ``null``."""
    if not isinstance(schema, dict):
        return "value"
    kinds = declared_types(schema) or []
    if kinds == ["array"] and isinstance(schema.get("items"), dict):
        return f"array of {describe(schema['items'])}"
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not kinds and isinstance(branches, list):
        kinds = list(dict.fromkeys(describe(branch) for branch in branches))
    return " or ".join(kinds) or "value"


def accepts_type(kinds: list[str], kind: str) -> bool:
    return kind in kinds or (kind == "integer" and "number" in kinds)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON Schema compares values (``const``, ``enum``): ``3`` is ``3.0``, ``1`` is not ``True``."""
    kinds = {json_type(a), json_type(b)}
    return (len(kinds) == 1 or kinds == {"integer", "number"}) and a == b


def union(official: Any) -> tuple[list[dict[str, Any]], str | None] | None:
    """The branches of an official union, and the property that tells them apart (if any)."""
    if not isinstance(official, dict):
        return None
    branches = official.get("anyOf") or official.get("oneOf")
    if not isinstance(branches, list) or not branches:
        return None
    for name in DISCRIMINATORS:
        if all(
            isinstance(branch.get("properties", {}).get(name), dict)
            and {"const", "enum"} & set(branch["properties"][name])
            for branch in branches
        ):
            return branches, name
    return branches, None


def _standalone_valid(schema: dict[str, Any], value: Any) -> bool:
    return DocumentValidators({}).is_valid(schema, value)


def official_branch(branches: list[dict[str, Any]], disc: str | None, value: Any) -> dict[str, Any] | None:
    """The official branch the value is (valid against it), else the one its discriminator names."""
    for branch in branches:
        if _standalone_valid(branch, value):
            return branch
    if disc is not None and isinstance(value, dict) and disc in value:
        for branch in branches:
            if _standalone_valid(branch["properties"][disc], value[disc]):
                return branch
    return None


def replace_key(node: dict[str, Any], old: str, new: str, value: Any) -> None:
    """Rename a key in place, keeping its position (the canonical JSON keeps key order)."""
    items = [(new if key == old else key, value if key == old else item) for key, item in node.items()]
    node.clear()
    node.update(items)
