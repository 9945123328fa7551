"""Compiled JSON Schema validators for places in one OpenAPI document.

Every schema in a canonical spec is named by its JSON pointer. The document is
registered once under a private URI, so a validator for any pointer is a
``$ref`` into it and all local ``$ref``s resolve (Draft 2020-12, jsonschema-rs).
Validators are compiled on first use and cached; the app compiles the ones it
needs at startup so the request path only looks them up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import jsonschema_rs

from gatewright.spec.pointer import follow, join, resolve

_BASE = "urn:gatewright:spec"
_SAFE = "/~-._!$&'()*+,;=:@"


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One way an instance fails its schema: where in the instance, and why."""

    path: str  # JSON pointer into the instance
    message: str


class SchemaSet:
    """Validators and ``$ref`` resolution for schemas inside one document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry = jsonschema_rs.Registry([(_BASE, document)])
        self._cache: dict[tuple[str, bool], Any] = {}

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

    def errors(
        self, pointer: str, instance: Any, *, formats: bool = False, limit: int = 5
    ) -> list[SchemaError]:
        found: list[SchemaError] = []
        for error in self._iter(pointer, instance, formats):
            found.append(SchemaError(join(*error.instance_path), str(error.message)))
            if len(found) >= limit:
                break
        return found

    def _iter(self, pointer: str, instance: Any, formats: bool) -> Iterator[Any]:
        yield from self.validator(pointer, formats=formats).iter_errors(instance)
