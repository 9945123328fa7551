"""Well-known response shapes the official SDKs parse, used to fill open schemas.

Some specs document ``/v1/models`` as ``{"type": "object"}``; a client SDK still
needs ``data[].id``. When a generated body lacks these fields, ``fill_shape`` adds
them key by key, keeping only additions the schema accepts, so the body stays valid
against the spec. (LLM answers -- chat, messages, responses, completions,
embeddings -- are built from the request instead: ``mock.answers``.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from gatewright.mock.fit import fit

_MODEL = "mock-model"  # stands for the API's own model id where the spec declares one

SHAPES: dict[str, dict[str, Any]] = {
    "/models": {
        "object": "list",
        "data": [{"id": _MODEL, "object": "model", "created": 1735689600, "owned_by": "gatewright"}],
    },
    # Media links and transcripts are filled per request by ``mock.media_answers``.
    # (an answer's ``created`` is the time it is made, set by ``mock.media_answers``)
    "/images/generations": {"created": 0, "data": [{"url": "mock-url"}]},
    "/images/edits": {"created": 0, "data": [{"url": "mock-url"}]},
    "/images/variations": {"created": 0, "data": [{"url": "mock-url"}]},
    "/audio/transcriptions": {"text": "mock-text"},
    "/audio/translations": {"text": "mock-text"},
}


def shape_for(path: str) -> dict[str, Any] | None:
    for suffix, shape in SHAPES.items():
        if path.endswith(suffix):
            return shape
    return None


def _with_model(part: Any, model: str) -> Any:
    if isinstance(part, dict):
        return {key: _with_model(item, model) for key, item in part.items()}
    if isinstance(part, list):
        return [_with_model(item, model) for item in part]
    return model if part == _MODEL else part


def fill_shape(value: Any, path: str, is_valid: Callable[[Any], bool], *, model: str | None = None) -> Any:
    """``value`` with the SDK shape for ``path`` added where the schema allows it.

    ``model`` (one of the API's declared model ids) replaces the shape's made-up one, so a
    listed model is one the API knows.
    """
    shape = shape_for(path)
    if shape is None or not isinstance(value, dict):
        return value
    if model is not None:
        shape = _with_model(shape, model)
    filled, _ = fit(value, copy.deepcopy(shape), is_valid, merge=_keep_generated)  # the body owns its parts
    return filled


def _keep_generated(value: Any, shape: Any) -> Any:
    """Like ``fit.overlay`` but the generated body wins, except its ``mock…`` placeholder strings."""
    if isinstance(value, dict) and isinstance(shape, dict):
        merged = dict(value)
        for key, part in shape.items():
            merged[key] = _keep_generated(merged[key], part) if key in merged else copy.deepcopy(part)
        return merged
    if isinstance(value, list) and isinstance(shape, list) and shape:
        if not value:
            return copy.deepcopy(shape)
        return [_keep_generated(item, shape[0]) for item in value]
    if isinstance(value, str) and value.startswith("mock") and isinstance(shape, str | int | float):
        return shape
    return value
