"""Lay a body the mock wants to send over one the spec allows, keeping only what stays valid.

The one keep-if-valid writer of the mock: LLM answers, SDK shape filling, stateful
resources and task bodies all write through it.

``fit`` merges a dict of wanted top-level parts over a base: the whole merge when the
schema accepts it, else the parts one at a time, each kept only if the body stays valid.
``merge`` says how a part meets the base's value: ``overlay`` (deeply: dicts key by key,
each list item over the base's first item, so an API's own required extras survive under
an SDK shape; an item of another ``type`` is taken whole) or ``replace``. ``Edits`` makes
pointer-addressed edits (token lists) on one body in place, each kept only if the body
stays valid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["Edits", "fit", "overlay", "replace", "string_fields", "write_at"]

Valid = Callable[[Any], bool]
_MISSING: Any = object()


def overlay(base: Any, top: Any) -> Any:
    """``top`` merged over ``base``; neither is changed, and parts of ``top`` are taken as they are
    (pass a ``top`` built for this call: the result shares its nodes)."""
    if isinstance(base, dict) and isinstance(top, dict):
        if not base or _other_kind(base, top):
            return top
        merged = dict(base)
        for key, part in top.items():
            merged[key] = overlay(merged[key], part) if key in merged else part
        return merged
    if isinstance(base, list) and isinstance(top, list) and base and isinstance(base[0], dict):
        return [overlay(base[0], item) for item in top]
    return top


def _other_kind(base: dict[str, Any], top: dict[str, Any]) -> bool:
    """Two members of a tagged union (``type: message`` under ``type: function_call``): the top one
    keeps exactly its own fields, as the wire defines that kind (no ``role``/``content`` on a call)."""
    kind = top.get("type")
    return isinstance(kind, str) and isinstance(base.get("type"), str) and base["type"] != kind


def replace(_base: Any, top: Any) -> Any:
    """A part that takes the place of the base's value."""
    return top


def fit(
    base: Any, top: dict[str, Any], is_valid: Valid, *, merge: Callable[[Any, Any], Any] = overlay
) -> tuple[Any, bool]:
    """``top`` merged over ``base`` if valid (True), else the valid part of it (False).

    Neither argument is changed; the result is a new top-level dict.
    """
    start = dict(base) if isinstance(base, dict) else {}
    if start:
        merged = dict(start)
        for key, part in top.items():
            merged[key] = merge(merged[key], part) if key in merged else part
    else:  # nothing required to lay it over (most compatible answers): ``top`` is the whole body
        merged = dict(top)
    if is_valid(merged):
        return merged, True
    edits = Edits(start, is_valid)
    for key, part in top.items():
        current = start.get(key, _MISSING)
        value = part if current is _MISSING else merge(current, part)
        if value != current:
            edits.set((key,), value)
    return edits.body, False


class Edits:
    """Pointer-addressed edits on ``body``, in place, each kept only if the body stays valid.

    Without ``is_valid`` every edit is kept. ``lenient`` guards only a body that was valid
    to begin with: edits to a body the schema already rejects are all kept.
    """

    __slots__ = ("_guard", "body", "is_valid")

    def __init__(self, body: Any, is_valid: Valid | None = None, *, lenient: bool = False) -> None:
        self.body = body
        self.is_valid = is_valid
        self._guard = is_valid is not None and (not lenient or is_valid(body))

    def get(self, tokens: Sequence[str], default: Any = None) -> Any:
        node: Any = self.body
        for token in tokens:
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return default
        return node

    def has(self, tokens: Sequence[str]) -> bool:
        return self.get(tokens, _MISSING) is not _MISSING

    def force(self, tokens: Sequence[str], value: Any) -> None:
        """Write whether or not the body stays valid (creating the containers on the way)."""
        write_at(self.body, tokens, value)

    def set(self, tokens: Sequence[str], value: Any) -> bool:
        """Write ``value`` at ``tokens``; undone (False) when it makes the body invalid."""
        old = self.get(tokens, _MISSING)
        write_at(self.body, tokens, value)
        return self._keep(tokens, old)

    def set_all(self, writes: Sequence[tuple[Sequence[str], Any]]) -> None:
        """``set`` for each write, checked together first: one ``is_valid`` when the body with all of
        them is valid (the usual case), else undone and written one at a time, each kept only if the
        body stays valid."""
        if not self._guard or self.is_valid is None or len(writes) < 2:
            for tokens, value in writes:
                self.set(tokens, value)
            return
        undo: list[tuple[Sequence[str], Any]] = []
        for tokens, value in writes:
            undo.append((tokens, self.get(tokens, _MISSING)))
            write_at(self.body, tokens, value)
        if self.is_valid(self.body):
            return
        for tokens, old in reversed(undo):
            self._restore(tokens, old)
        for tokens, value in writes:
            self.set(tokens, value)

    def remove(self, tokens: Sequence[str]) -> bool:
        """Drop the field at ``tokens``; put back (False) when the body needs it."""
        old = self.get(tokens, _MISSING)
        if old is _MISSING:
            return True
        self._restore(tokens, _MISSING)
        return self._keep(tokens, old)

    def _keep(self, tokens: Sequence[str], old: Any) -> bool:
        if not self._guard or self.is_valid is None or self.is_valid(self.body):
            return True
        self._restore(tokens, old)
        return False

    def _restore(self, tokens: Sequence[str], old: Any) -> None:
        if old is not _MISSING:
            write_at(self.body, tokens, old)
            return
        parent = self.get(tokens[:-1])
        if isinstance(parent, dict):
            parent.pop(tokens[-1], None)


def write_at(body: Any, tokens: Sequence[str], value: Any) -> None:
    """``value`` at ``tokens`` in ``body``, in place, the objects (or arrays, for a digit token) on the way
    made: the one pointer writer of the mock (``Edits``; a rerank's results at its declared pointer)."""
    node = body
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        nxt: Any = value if last else ([] if tokens[index + 1].isdigit() else {})
        if isinstance(node, list):
            position = int(token)
            while len(node) <= position:
                node.append({} if not last else None)
            if last:
                node[position] = value
            elif not isinstance(node[position], dict | list):
                node[position] = nxt
            node = node[position]
        else:
            if last:
                node[token] = value
            elif not isinstance(node.get(token), dict | list):
                node[token] = nxt
            if not last:
                node = node[token]


def string_fields(body: Any, tokens: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """Every string field of ``body`` as (its token path for ``Edits``, its key, its value); list
    items by index."""
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, str):
                yield (*tokens, key), key, value
            else:
                yield from string_fields(value, (*tokens, key))
    elif isinstance(body, list):
        for index, item in enumerate(body):
            yield from string_fields(item, (*tokens, str(index)))
