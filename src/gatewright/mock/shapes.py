"""Well-known response shapes the official SDKs parse, used to fill open schemas.

Some specs document ``/v1/chat/completions`` as ``{"type": "object"}``; a
client SDK still needs ``choices[0].message``. When a generated body lacks
these fields, ``fill_shape`` adds them key by key, keeping only additions the
schema accepts, so the body stays valid against the spec.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

_USAGE = {"prompt_tokens": 8, "completion_tokens": 8, "total_tokens": 16}
_TEXT = "This is a mock response from gatewright."
_MODEL = "mock-model"  # stands for the API's own model id where the spec declares one

SHAPES: dict[str, dict[str, Any]] = {
    "/chat/completions": {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": _TEXT},
            }
        ],
        "usage": _USAGE,
    },
    "/completions": {
        "object": "text_completion",
        "choices": [{"index": 0, "text": _TEXT, "finish_reason": "stop", "logprobs": None}],
        "usage": _USAGE,
    },
    "/embeddings": {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    },
    "/models": {
        "object": "list",
        "data": [{"id": _MODEL, "object": "model", "created": 1735689600, "owned_by": "gatewright"}],
    },
    "/images/generations": {"data": [{"url": "https://mock.gatewright.dev/files/image.png"}]},
    "/messages": {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": _TEXT}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 8, "output_tokens": 8},
    },
    "/responses": {
        "object": "response",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "msg_mock",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": _TEXT, "annotations": []}],
            }
        ],
    },
}
_PER_REQUEST = ("id", "created", "model")


def shape_for(path: str) -> dict[str, Any] | None:
    for suffix, shape in SHAPES.items():
        if path.endswith(suffix):
            return shape
    return None


def _overlay(value: Any, shape: Any) -> Any:
    if isinstance(value, dict) and isinstance(shape, dict):
        merged = dict(value)
        for key, part in shape.items():
            merged[key] = _overlay(merged[key], part) if key in merged else copy.deepcopy(part)
        return merged
    if isinstance(value, list) and isinstance(shape, list) and shape:
        if not value:
            return copy.deepcopy(shape)
        return [_overlay(item, shape[0]) for item in value]
    if isinstance(value, str) and value.startswith("mock") and isinstance(shape, str | int | float):
        return shape
    return value


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
    for key, part in shape.items():
        candidate = dict(value)
        candidate[key] = _overlay(value[key], part) if key in value else copy.deepcopy(part)
        if candidate != value and is_valid(candidate):
            value = candidate
    return value


def apply_request_echo(value: Any, request: Any, is_valid: Callable[[Any], bool]) -> Any:
    """Echo ``model`` from the request into a top-level ``model`` field when the schema allows it."""
    if not isinstance(value, dict) or not isinstance(request, dict):
        return value
    model = request.get("model")
    if not isinstance(model, str) or value.get("model") == model:
        return value
    if "model" not in value and not any(k in value for k in _PER_REQUEST):
        return value
    candidate = {**value, "model": model}
    return candidate if is_valid(candidate) else value
