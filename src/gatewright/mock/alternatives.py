"""A payload a request may send in one of several fields: the item holds, and its answers restate, the
one sent.

ipop's KV put ("Create or update JSON values or base64 bytes") takes its value as JSON (``value``) or as
base64 bytes (``value_base64``, ``contentEncoding: base64``): its body schema requires one of them
(``anyOf: [{required: [value]}, {required: [value_base64]}]``), and the item it answers (``KvItem``) has
both fields and a ``mode`` of ``json`` or ``bytes``. Generated whole, a bytes put answered ``mode:
json`` beside a made-up ``value``, and a JSON put a made-up ``value_base64``.

The rule, over the schemas: fields are alternatives where the branches of the request body's
``anyOf``/``oneOf`` each require exactly one of them (``of``). An item that holds one of them leaves the
others out (``left_out``: in its create's answer, reads and lists, each removal kept only where the
body stays valid). A field whose schema declares ``contentEncoding`` carries bytes, any other JSON
(``KIND_WORDS``); an answer field whose value is one of those words (the generated ``mode``) is set to
the kind sent, where the schema accepts it (``answered``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gatewright.mock.fit import Edits
from gatewright.mock.schemas import SchemaSet
from gatewright.spec.model import Operation
from gatewright.spec.schemas import properties, required, resolved

__all__ = ["NONE", "Alternatives", "left_out"]

# The words an answer says a payload's kind with: bytes (a field with ``contentEncoding``), or JSON.
KIND_WORDS = {True: ("bytes", "binary"), False: ("json",)}


@dataclass(frozen=True, slots=True)
class Alternatives:
    """The groups of alternative fields of a create's request body, and which of them carry bytes."""

    groups: tuple[tuple[str, ...], ...] = ()
    encoded: frozenset[str] = frozenset()

    @classmethod
    def of(cls, schemas: SchemaSet, op: Operation) -> Alternatives:
        """The alternatives ``op``'s JSON request body declares (none: ``NONE``)."""
        body, _ = schemas.deref(op.definition.get("requestBody"), None)
        content = body.get("content") if isinstance(body, dict) else None
        media = content.get("application/json") if isinstance(content, dict) else None
        schema = resolved(schemas.document, media.get("schema") if isinstance(media, dict) else None)
        if schema is None:
            return NONE
        declared = properties(schemas.document, schema)
        groups: list[tuple[str, ...]] = []
        for word in ("anyOf", "oneOf"):
            options = schema.get(word)
            named = [required(schemas.document, branch) for branch in options or ()]
            if len(named) > 1 and all(len(names) == 1 and names <= declared.keys() for names in named):
                groups.append(tuple(next(iter(names)) for names in named))
        encoded = frozenset(
            name
            for group in groups
            for name in group
            if "contentEncoding" in (resolved(schemas.document, declared[name]) or {})
        )
        return cls(tuple(groups), encoded) if groups else NONE

    def answered(self, value: dict[str, Any], sent: Any, valid: Callable[[Any], bool]) -> dict[str, Any]:
        """A create's answer ``value`` holding the alternative ``sent`` gave (a copy where it changed):
        the others left out, and a field naming the payload's kind set to the kind sent."""
        if not self.groups or not isinstance(sent, Mapping):
            return value
        edits = Edits(dict(value), valid)
        for name in left_out(sent, self.groups):
            if name in value:
                edits.remove((name,))
        for group in self.groups:
            chosen = [name for name in group if name in sent]
            kinds = {name in self.encoded for name in group}
            if len(chosen) == 1 and len(kinds) == 2:  # the kinds differ: the answer can say which
                self._say_kind(edits, chosen[0] in self.encoded)
        body: dict[str, Any] = edits.body
        return body

    @staticmethod
    def _say_kind(edits: Edits, encoded: bool) -> None:
        words = {word for kind in KIND_WORDS.values() for word in kind}
        for name, current in list(edits.body.items()):
            if isinstance(current, str) and current in words:
                any(edits.set((name,), word) for word in KIND_WORDS[encoded])


NONE = Alternatives()


def left_out(item: Mapping[str, Any], groups: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The alternatives ``item`` does not hold, of each group it holds exactly one of."""
    out: list[str] = []
    for group in groups:
        held = [name for name in group if name in item]
        if len(held) == 1:
            out += [name for name in group if name != held[0]]
    return tuple(out)
