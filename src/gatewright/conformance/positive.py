"""Positive requests a real gateway can accept: a model it serves, and no empty required strings.

A body the spec calls valid can still be one no gateway accepts: a model it does not serve (the
spec's example ``mistral-small-4``), a ``model: ""`` or ``input: ""`` that a schema without
``minLength`` allows. A 400 to those says nothing about conformance, and a feature probed with
them reads as "not supported". So every positive request verify sends (documented examples,
coverage and fuzzed positives, stateful steps, the lifecycle, stream and compatibility phases'
requests) passes through ``PositiveBodies.fix`` first. Each change is kept only where the body
stays valid against the contract (a JSON body whole, a form field against its own schema), so
nothing sent is less valid than what was generated; negative requests are never touched.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from gatewright.conformance.served import MODEL_FIELD, ServedModels
from gatewright.spec.schemas import properties, required, resolved, schema_at
from gatewright.spec.validation import DocumentValidators

__all__ = ["FILLER", "PositiveBodies"]

FILLER = "gatewright"  # for an empty required string: plain text most string fields accept
_MODEL_TRIES = 8  # served ids tried per body, best first (a models list can name hundreds)
_MAX_DEPTH = 32


class PositiveBodies:
    """Fixes positive request bodies of one document (``fix``)."""

    def __init__(
        self, document: dict[str, Any], validators: DocumentValidators, served: ServedModels
    ) -> None:
        self.document = document
        self.validators = validators
        self.served = served

    def fix(self, words: str, schema: Any, body: Any, *, whole: bool) -> Any:
        """``body`` naming a served model and without empty required strings; ``body`` itself when
        nothing changes. ``words`` names the operation (path and operationId: which model kind it
        takes); ``whole``: the body is JSON, judged whole, else each changed field on its own."""
        if not isinstance(body, dict):
            return body
        fixed = body
        for tokens, values in self._changes(words, schema, body):
            for value in values:
                trial = _with(fixed, tokens, value)
                if self._fits(schema, fixed, trial, tokens, value, whole=whole):
                    fixed = trial
                    break
        return fixed

    def _changes(
        self, words: str, schema: Any, body: dict[str, Any]
    ) -> Iterator[tuple[list[str], list[str]]]:
        """Where a change is due and the values to try there, in order."""
        if MODEL_FIELD in body:
            served = self.served.ranked(words)
            if served and body[MODEL_FIELD] not in served:
                yield [MODEL_FIELD], list(served[:_MODEL_TRIES])
        for tokens in _empty_required(self.document, schema, body, []):
            if tokens != [MODEL_FIELD] or not self.served.known():
                yield tokens, [FILLER]

    def _fits(
        self, schema: Any, before: Any, trial: Any, tokens: list[str], value: str, *, whole: bool
    ) -> bool:
        """Whether ``trial`` is as valid as ``before``: valid whole (JSON), or, where the body was not
        valid to begin with or is judged by field (a form), its new value valid where it sits."""
        if whole:
            if self.validators.is_valid(schema, trial):
                return True
            if self.validators.is_valid(schema, before):
                return False  # the change is what broke it
        where = schema_at(self.document, schema, tokens)
        return where is None or self.validators.is_valid(dict(where), value)


def _empty_required(
    document: Any, schema: Any, value: Any, at: list[str], depth: int = 0
) -> Iterator[list[str]]:
    """The places in ``value`` holding ``""`` under a name its schema requires: the value itself, or
    an item of it (``input: [""]``)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        names = required(document, schema) - _files(document, schema)
        for key, item in value.items():
            if item == "" and key in names:
                yield [*at, key]
            elif isinstance(item, list) and key in names and "" in item:
                yield from ([*at, key, str(index)] for index, text in enumerate(item) if text == "")
            elif isinstance(item, dict | list):
                inner = schema_at(document, schema, [key])
                if inner is not None:
                    yield from _empty_required(document, inner, item, [*at, key], depth + 1)
    elif isinstance(value, list):
        inner = schema_at(document, schema, ["0"])
        if inner is not None:
            for index, item in enumerate(value):
                if isinstance(item, dict | list):
                    yield from _empty_required(document, inner, item, [*at, str(index)], depth + 1)


def _files(document: Any, schema: Any) -> set[str]:
    """Properties that hold a file's bytes, not text (``format: binary``, a ``contentMediaType``): an
    empty one is for the encoder to fill with a file, never with text."""
    return {
        name
        for name, value in properties(document, schema).items()
        if (node := resolved(document, value)) is not None
        and (
            node.get("format") in ("binary", "byte")
            or "contentMediaType" in node
            or "contentEncoding" in node
        )
    }


def _with(body: dict[str, Any], tokens: list[str], value: str) -> dict[str, Any]:
    """A copy of ``body`` with ``value`` at ``tokens`` (which exist in it)."""
    copied = copy.deepcopy(body)
    node: Any = copied
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(tokens[-1])] = value
    else:
        node[tokens[-1]] = value
    return copied
