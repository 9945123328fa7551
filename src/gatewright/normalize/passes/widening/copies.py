"""Where a compatible operation may change a schema it shares: in place, or in a logged copy.

A component also reached by operations that are not compatible (or by any part of the document
outside ``paths`` and ``components``) is not widened in place: the compatible operation's ref is
pointed at a copy, ``<Name>Compatible``, made once per component and logged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from gatewright.normalize.passes.base import Document
from gatewright.normalize.passes.widening.kinds import ANNOTATIONS
from gatewright.spec.model import HTTP_METHODS
from gatewright.spec.pointer import escape, lookup, resolve, split, walk

DEPTH = 12

Changed = Callable[..., None]  # (pointer, change, **before/after): log a change to the document


def ref_targets(node: Any) -> list[str]:
    return [
        value[1:]
        for pointer, value in walk(node)
        if pointer.endswith("/$ref") and isinstance(value, str) and value.startswith("#/")
    ]


def seen_outside(document: Document, compatible: set[str]) -> set[str]:
    """Every place an operation that is not compatible (or any non-operation part) reaches through refs."""
    seen: set[str] = set()
    pending: list[str] = []
    for key, value in document.items():
        if key not in ("paths", "components"):
            pending.extend(ref_targets(value))
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            pointer = f"/paths/{escape(path)}/{key}"
            if key in HTTP_METHODS and pointer in compatible:
                continue
            if key in HTTP_METHODS:
                seen.add(pointer)
            pending.extend(ref_targets(value))
    while pending:
        target = pending.pop()
        if target in seen:
            continue
        seen.add(target)
        node = lookup(document, target)
        if node is not None:
            pending.extend(ref_targets(node))
    return seen


class Copies:
    """The schemas the compatible operations (``compatible``: their pointers) may change, and the
    ``<Name>Compatible`` copies made for the ones they share; ``changed`` logs each copy and ref."""

    def __init__(self, document: Document, compatible: set[str], changed: Changed) -> None:
        self.document = document
        self.outside = seen_outside(document, compatible)
        self.copies: dict[str, str] = {}
        self._changed = changed

    def writable_target(self, pointer: str, node: dict[str, Any]) -> str | None:
        """The pointer to widen behind ``node``'s ref: the target itself, or a copy if others use it."""
        ref = str(node["$ref"])
        if not ref.startswith("#/") or lookup(self.document, ref[1:]) is None:
            return None
        target = ref[1:]
        if target in self.copies:
            target_copy = self.copies[target]
        elif not any(
            target == seen or target.startswith(seen + "/") or seen.startswith(target + "/")
            for seen in self.outside
        ):
            return target
        else:
            target_copy = self._copy(target)
        node["$ref"] = "#" + target_copy
        self._changed(
            f"{pointer}/$ref",
            f"pointed at `{split(target_copy)[-1]}`, the copy of `{split(target)[-1]}` that is widened",
            before=ref,
            after=node["$ref"],
        )
        return target_copy

    def _copy(self, target: str) -> str:
        schemas = self.document.setdefault("components", {}).setdefault("schemas", {})
        base = split(target)[-1]
        name = f"{base}Compatible"
        suffix = 2
        while name in schemas:
            name, suffix = f"{base}Compatible{suffix}", suffix + 1
        schemas[name] = copy.deepcopy(resolve(self.document, target))
        target_copy = f"/components/schemas/{escape(name)}"
        self.copies[target] = target_copy
        self._changed(
            target_copy,
            f"added `{name}`, a copy of `{base}` to widen for the compatible operations "
            f"(`{base}` is also used by operations that are not compatible, which keep it as it is)",
        )
        return target_copy

    def own(self, pointer: str) -> str:
        """The pointer of the schema to change for the one at ``pointer``: behind its local refs, and a
        ``<Name>Compatible`` copy where operations that are not compatible share the target."""
        for _ in range(DEPTH):
            node = lookup(self.document, pointer)
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                break
            if set(node) - ANNOTATIONS - {"$ref"}:
                break  # the ref has siblings of its own: change the node itself
            target = self.writable_target(pointer, node)
            if target is None:
                break
            pointer = target
        return pointer
