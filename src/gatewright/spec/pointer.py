"""JSON pointers (RFC 6901): the one way gatewright names a place in a document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(*tokens: str | int) -> str:
    return "".join("/" + escape(str(t)) for t in tokens)


def child(pointer: str, *tokens: str | int) -> str:
    return pointer + join(*tokens)


def split(pointer: str) -> list[str]:
    if pointer in ("", "#"):
        return []
    pointer = pointer.removeprefix("#")
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [unescape(t) for t in pointer[1:].split("/")]


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer``; raises ``KeyError`` when there is none."""
    node = document
    for token in split(pointer):
        if isinstance(node, dict):
            if token not in node:
                raise KeyError(pointer)
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise KeyError(pointer)
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


def lookup(document: Any, pointer: str, default: Any = None) -> Any:
    """The value at ``pointer``, or ``default`` when there is none (for reading optional fields)."""
    try:
        return resolve(document, pointer)
    except (KeyError, ValueError):
        return default


def deref(document: Any, node: Any) -> Any:
    """Follow local ``$ref``s to the node they name; a dangling ref or a cycle stops at the ref itself."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        seen.add(node["$ref"])
        try:
            node = resolve(document, node["$ref"])
        except (KeyError, ValueError):
            return node
    return node


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (pointer, value) below and including ``node``, depth first, in document order."""
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, pointer + "/" + escape(str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")
