"""The JSON Schema files that describe gatewright's own input documents, and the one way to judge one.

Lifecycle files, rules documents and recordings are written by people (or by ``proxy --record``) and
read at start-up; their structure is data, ``spec/schemas/<kind>.schema.json`` (JSON Schema 2020-12),
not field-by-field checks in code. ``problem(kind, document)`` gives the most relevant violation as a
message and a JSON pointer into the document, for the caller to raise in its own error type (the
loaders add what a schema cannot say: references into the spec, values that must agree).

Two engines, each for what it does best: jsonschema-rs answers whether a document is valid (a rules
document of 10,000 rules in milliseconds, where python-jsonschema takes seconds), and only a document
it refuses is read again by python-jsonschema, whose ``best_match`` words the refusal. The mock's
per-request validators are jsonschema-rs as well (``mock/schemas.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from gatewright.spec.pointer import child, split
from gatewright.spec.schemas import schema_at

__all__ = ["SCHEMAS_DIR", "Problem", "problem", "schema"]

SCHEMAS_DIR = Path(__file__).with_name("schemas")
_MESSAGE = 300  # characters of a refusal's message (python-jsonschema quotes the offending value whole)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a document is not of its kind: the message, where (a JSON pointer into the document), and
    what belongs there as the schema describes it (its ``description``, if it has one)."""

    message: str
    pointer: str
    expected: str | None = None

    def explained(self) -> str:
        """The message, and what was expected at that place when the schema says."""
        return self.message if self.expected is None else f"{self.message} (expected {self.expected})"


@cache
def schema(kind: str) -> dict[str, Any]:
    """``spec/schemas/<kind>.schema.json``, read and checked once."""
    loaded: dict[str, Any] = json.loads((SCHEMAS_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(loaded)
    return loaded


@cache
def _fast(kind: str) -> Any:
    return jsonschema_rs.Draft202012Validator(schema(kind))


@cache
def _wording(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema(kind))


def problem(kind: str, document: Any) -> Problem | None:
    """The most relevant way ``document`` breaks the ``kind`` schema, or None when it is valid."""
    try:
        if _fast(kind).is_valid(document):
            return None
    except ValueError:  # a value JSON has no type for (YAML's !!binary, !!set): python-jsonschema words it
        pass
    error = best_match(_wording(kind).iter_errors(document))
    if error is None:  # the engines disagree: trust the one that words refusals, which found none
        return None
    message = error.message if len(error.message) <= _MESSAGE else error.message[: _MESSAGE - 1] + "…"
    pointer = child("", *error.absolute_path)
    place = schema_at(schema(kind), schema(kind), split(pointer))
    description = place.get("description") if isinstance(place, dict) else None
    return Problem(message, pointer, description if isinstance(description, str) else None)
