"""Compiled JSON Schema validators for places in one OpenAPI document.

Every schema in a canonical spec is named by its JSON pointer. The document is
registered once under a private URI, so a validator for any pointer is a
``$ref`` into it and all local ``$ref``s resolve (Draft 2020-12, jsonschema-rs).
Validators are compiled on first use and cached; the app compiles the ones it
needs at startup so the request path only looks them up.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import jsonschema_rs

from gatewright.spec.pointer import follow, join, resolve, walk

_BASE = "urn:gatewright:spec"
_SAFE = "/~-._!$&'()*+,;=:@"


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One way an instance fails its schema: where in the instance, and why."""

    path: str  # JSON pointer into the instance
    message: str


@functools.lru_cache(maxsize=64)
def string_form(pattern: str) -> Any:
    """The validator of strings of the form ``pattern``, as JSON Schema reads it (ECMA, in linear time):
    what the mock checks a client's text against, never Python's ``re``, which a pattern it does not
    compile would make raise and a crafted text could make backtrack. A pattern the engine does not
    compile takes no string."""
    try:
        return jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    except Exception:  # jsonschema_rs raises ValidationError (a ValueError) for a bad pattern
        return jsonschema_rs.validator_for(False)


class SchemaSet:
    """Validators and ``$ref`` resolution for schemas inside one document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry = jsonschema_rs.Registry([(_BASE, document)])
        self._cache: dict[tuple[str, bool], Any] = {}
        self._places: dict[int, str] | None = None  # id(schema object) -> its pointer, built on first use

    def resolve(self, pointer: str) -> Any:
        """The node at ``pointer`` (``KeyError`` when there is none)."""
        return resolve(self.document, pointer)

    def deref(self, node: Any, pointer: str | None) -> tuple[Any, str | None]:
        """``pointer.follow`` in this document, siblings merged: the node and where its children
        live (None once merged); ``pointer.RefError`` (a ``KeyError``) on a dangling ref or a cycle."""
        return follow(self.document, node, pointer, merge=True)

    def validator(self, pointer: str, *, formats: bool = False) -> Any:
        key = (pointer, formats)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = jsonschema_rs.Draft202012Validator(
                {"$ref": f"{_BASE}#{quote(pointer, safe=_SAFE)}"},
                registry=self._registry,
                validate_formats=formats,
            )
            self._cache[key] = compiled
        return compiled

    def is_valid(self, pointer: str, instance: Any, *, formats: bool = False) -> bool:
        return bool(self.validator(pointer, formats=formats).is_valid(instance))

    def holds(self, node: Any, instance: Any, pointer: str | None = None) -> bool | None:
        """Whether ``instance`` is valid against the subschema ``node`` (at ``pointer``, else found in the
        document by identity: a node of a merged ``$ref`` or ``allOf`` keeps the document's own
        subschemas); None when that cannot be told (a node of no place whose ``$ref``s need one)."""
        if isinstance(node, bool):
            return node
        if pointer is None:
            pointer = self.pointer_of(node)
        if pointer is not None:
            return self.is_valid(pointer, instance, formats=True)
        try:
            return bool(
                jsonschema_rs.validator_for(node, validate_formats=True, offline=True).is_valid(instance)
            )
        except Exception:  # a node that compiles only in its document: its $refs need the document
            return None

    def pointer_of(self, node: Any) -> str | None:
        """Where in the document this very object is (None: nowhere, it was made from parts)."""
        if self._places is None:
            self._places = {
                id(value): place for place, value in walk(self.document) if isinstance(value, dict)
            }
        return self._places.get(id(node))

    def errors(
        self, pointer: str, instance: Any, *, formats: bool = False, limit: int = 5
    ) -> list[SchemaError]:
        found: list[SchemaError] = []
        for error in self._iter(pointer, instance, formats):
            found.append(SchemaError(join(*error.instance_path), message_of(error)))
            if len(found) >= limit:
                break
        return found

    def _iter(self, pointer: str, instance: Any, formats: bool) -> Iterator[Any]:
        yield from self.validator(pointer, formats=formats).iter_errors(instance)


_BRANCHES_SAID = 3  # alternatives whose reasons an anyOf/oneOf refusal names


def message_of(error: Any) -> str:
    """What is wrong, as a client reads it. An ``anyOf``/``oneOf`` that no alternative holds says only
    that (``is not valid under any of the schemas listed``), where each alternative's own reason is what
    helps: a model is neither one of the catalog's ids nor a fine-tune's ``ft:`` id. So such a refusal
    names the first reason of each alternative (of the first few), each in its own words."""
    branches = getattr(error.kind, "context", None)
    if not branches:
        return str(error.message)
    reasons = [message_of(branch[0]) for branch in branches[:_BRANCHES_SAID] if branch]
    more = len(branches) - _BRANCHES_SAID
    said = "; or ".join(reasons) + (f"; or {more} other alternatives" if more > 0 else "")
    return f"no alternative holds: {said}" if reasons else str(error.message)
