"""Reading the JSON Schemas inside one OpenAPI document: the one schema walker.

Every function takes the document the schema lives in, so local ``$ref``s resolve
(``pointer.follow``). ``resolved`` and the readers built on it lay a ref's sibling keys
over its target and treat the ``allOf``/``anyOf``/``oneOf`` branches of a schema as part
of it: the properties, types and required names a body valid against the schema can
show. ``locate`` instead returns the very node that declares a value (with its pointer),
for a caller that edits the document there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gatewright.spec.pointer import RefError, escape, follow, split

__all__ = ["branches", "locate", "properties", "required", "resolved", "schema_at", "types"]

Schema = Mapping[str, Any]
_COMPOSITIONS = ("allOf", "anyOf", "oneOf")
_MAX_DEPTH = 64


def resolved(document: Any, schema: Any) -> Schema | None:
    """``schema`` with its ``$ref``s followed; None when it is not a schema or a ref dangles."""
    try:
        node, _ = follow(document, schema, merge=True)
    except RefError:
        return None
    return node if isinstance(node, Mapping) else None


def branches(document: Any, schema: Any, depth: int = 0) -> Iterator[Schema]:
    """The schema and every ``allOf``/``anyOf``/``oneOf`` branch below it, resolved."""
    node = resolved(document, schema)
    if node is None or depth > _MAX_DEPTH:
        return
    yield node
    for keyword in _COMPOSITIONS:
        for branch in node.get(keyword) or ():
            yield from branches(document, branch, depth + 1)


def types(document: Any, schema: Any) -> set[str]:
    """The JSON types the schema's branches name (``properties`` counts as ``object``)."""
    found: set[str] = set()
    for branch in branches(document, schema):
        kind = branch.get("type")
        if isinstance(kind, str):
            found.add(kind)
        elif isinstance(kind, list):
            found.update(k for k in kind if isinstance(k, str))
        if "properties" in branch:
            found.add("object")
    return found


def properties(document: Any, schema: Any) -> dict[str, Any]:
    """Every property any branch declares (the first declaration of a name wins), unresolved."""
    found: dict[str, Any] = {}
    for branch in branches(document, schema):
        props = branch.get("properties")
        for name, value in props.items() if isinstance(props, Mapping) else ():
            found.setdefault(name, value)
    return found


def required(document: Any, schema: Any) -> set[str]:
    names: set[str] = set()
    for branch in branches(document, schema):
        names.update(branch.get("required") or ())
    return names


def schema_at(document: Any, schema: Any, tokens: Sequence[str]) -> Schema | None:
    """The schema of the value at ``tokens`` in a body valid against ``schema`` (a digit: an array item)."""
    node = resolved(document, schema)
    for token in tokens:
        if node is None:
            return None
        props = properties(document, node)
        if token in props:
            node = resolved(document, props[token])
        elif token.isdigit():
            items = next((b.get("items") for b in branches(document, node) if "items" in b), None)
            node = resolved(document, items)
        else:  # a key the object does not name: a map's values (``additionalProperties``), if it has one
            extra = next(
                (
                    b["additionalProperties"]
                    for b in branches(document, node)
                    if b.get("additionalProperties")
                ),
                None,
            )
            node = resolved(document, extra) if isinstance(extra, dict) else None
    return node


def locate(document: Any, schema: Any, where: str, pointer: str) -> tuple[str, dict[str, Any]] | None:
    """The schema node that declares the value at ``pointer`` in bodies valid against ``schema``.

    ``schema`` is found at ``where``. Follows ``$ref`` (without merging siblings: the node
    returned is the document's own), looks into every ``allOf``/``anyOf``/``oneOf`` branch
    and reads a numeric token as "an item of this array". Returns (its JSON pointer, the
    node) or None.
    """
    return _locate(document, schema, where, split(pointer), 0)


def _locate(
    document: Any, node: Any, where: str, tokens: list[str], depth: int
) -> tuple[str, dict[str, Any]] | None:
    try:
        node, found_at = follow(document, node, where)
    except RefError:
        return None
    where = found_at if found_at is not None else where
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return None
    if not tokens:
        return where, node
    head, rest = tokens[0], tokens[1:]
    props = node.get("properties")
    if isinstance(props, dict) and head in props:
        found = _locate(document, props[head], f"{where}/properties/{escape(head)}", rest, depth + 1)
        if found is not None:
            return found
    if head.isdigit() and isinstance(node.get("items"), dict):
        found = _locate(document, node["items"], f"{where}/items", rest, depth + 1)
        if found is not None:
            return found
    for keyword in _COMPOSITIONS:
        listed = node.get(keyword)
        for index, branch in enumerate(listed if isinstance(listed, list) else []):
            found = _locate(document, branch, f"{where}/{keyword}/{index}", tokens, depth + 1)
            if found is not None:
                return found
    return None
