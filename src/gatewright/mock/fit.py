"""Lay a body the mock wants to send over one the spec allows, keeping only what stays valid.

``overlay`` merges deeply (dicts key by key, each list item over the base's first
item), so an API's own required extras survive under an SDK shape. ``fit`` returns the
merged body when the schema accepts it, else adds the wanted top-level keys one at a
time, keeping each only if the body stays valid: the one keep-if-valid writer the
mock's shape filling and LLM answers share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["fit", "overlay"]


def overlay(base: Any, top: Any) -> Any:
    """``top`` merged over ``base``; neither is changed, and parts of ``top`` are taken as they are
    (pass a ``top`` built for this call: the result shares its nodes)."""
    if isinstance(base, dict) and isinstance(top, dict):
        if not base:
            return top
        merged = dict(base)
        for key, part in top.items():
            merged[key] = overlay(merged[key], part) if key in merged else part
        return merged
    if isinstance(base, list) and isinstance(top, list) and base and isinstance(base[0], dict):
        return [overlay(base[0], item) for item in top]
    return top


def fit(
    base: Any,
    top: dict[str, Any],
    is_valid: Callable[[Any], bool],
    *,
    merge: Callable[[Any, Any], Any] = overlay,
) -> tuple[Any, bool]:
    """``top`` merged over ``base`` if valid (True), else the valid part of it (False)."""
    merged = merge(base, top)
    if is_valid(merged):
        return merged, True
    value = dict(base) if isinstance(base, dict) else {}
    for key, part in top.items():
        candidate = dict(value)
        candidate[key] = merge(value[key], part) if key in value else part
        if candidate != value and is_valid(candidate):
            value = candidate
    return value, False
