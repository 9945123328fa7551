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


class RefError(KeyError):
    """A local ``$ref`` that does not resolve, or a chain of them that loops.

    ``node`` is the ref where following stopped and ``where`` its pointer (None when unknown).
    """

    def __init__(self, ref: str, node: Any, where: str | None, *, cycle: bool) -> None:
        super().__init__(ref)
        self.ref = ref
        self.node = node
        self.where = where
        self.cycle = cycle

    def __str__(self) -> str:
        return f"$ref cycle at {self.ref}" if self.cycle else f"$ref does not resolve: {self.ref}"


def follow(
    document: Any, node: Any, where: str | None = None, *, merge: bool = False
) -> tuple[Any, str | None]:
    """Follow local ``$ref``s from ``node`` (found at ``where``) to a node without one.

    Returns that node and its pointer. With ``merge``, the sibling keys of a ref are laid
    over its target (OpenAPI 3.1) and the pointer becomes None, the merged node living
    nowhere in the document; without it siblings are ignored and the target is returned
    as it is (so a caller may edit it in place). Raises ``RefError`` on a ref that does
    not resolve (a non-local one included) or a cycle.
    """
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if ref in seen:
            raise RefError(ref, node, where, cycle=True)
        seen.add(ref)
        try:
            target = resolve(document, ref)
        except (KeyError, ValueError):
            raise RefError(ref, node, where, cycle=False) from None
        if merge and len(node) > 1 and isinstance(target, dict):
            node, where = {**target, **{k: v for k, v in node.items() if k != "$ref"}}, None
        else:
            node, where = target, ref.removeprefix("#")
    return node, where


def deref(document: Any, node: Any) -> Any:
    """Follow local ``$ref``s to the node they name; a dangling ref or a cycle stops at the ref itself."""
    try:
        return follow(document, node)[0]
    except RefError as stopped:
        return stopped.node


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (pointer, value) below and including ``node``, depth first, in document order."""
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, pointer + "/" + escape(str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")
