"""Generated values for the keywords that judge a value by another schema: ``not``, ``propertyNames``,
``patternProperties``, ``dependentSchemas``/``dependentRequired`` and ``contains``.

API specs hardly use them, but a schema a request brings (a tool's parameters, a response format) may,
and the answer promises values valid against any JSON Schema. ``generate`` sends a node here only when
it holds one of them, so the common walk pays one key lookup. Each is met by construction where that is
simple (a key drawn from its pattern, a required property a dependency adds, items made of ``items`` and
``contains`` together) and by checking candidates against the subschema where it is not (``not``, a
key's ``propertyNames``); what still fails is left to the generator's whole-value check and its retries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from gatewright.mock.regex import sample_regex
from gatewright.mock.schemas import SchemaSet
from gatewright.spec.pointer import child as pointer_child

__all__ = ["KEYED", "avoiding", "contained", "keyed_object"]

KEYED = frozenset({"propertyNames", "patternProperties", "dependentSchemas", "dependentRequired"})
_TRIES = 8  # candidates for one value under ``not``, for one new key
_DEPENDENCY_ROUNDS = 4  # a property a dependency adds may have dependencies of its own


class _Walk(Protocol):
    """The generator's walk, as these keywords call back into it."""

    schemas: SchemaSet

    def _value(  # noqa: PLR0917 - the generator's own signature
        self, node: Any, pointer: str | None, ctx: Any, depth: int, name: str, variant: int
    ) -> Any: ...

    def _shaped(  # noqa: PLR0917 - the generator's own signature
        self, node: Mapping[str, Any], pointer: str | None, ctx: Any, depth: int, name: str, variant: int
    ) -> Any: ...

    def _array(
        self, node: Mapping[str, Any], pointer: str | None, ctx: Any, depth: int, name: str
    ) -> list[Any]: ...

    def _declared(  # noqa: PLR0917 - the generator's own signature
        self,
        node: Mapping[str, Any],
        pointer: str | None,
        ctx: Any,
        depth: int,
        variant: int,
        allowed: Callable[[str], bool],
    ) -> dict[str, Any]: ...


def _child(pointer: str | None, *keys: str) -> str | None:
    """``spec.pointer.child``, for a schema that may have no pointer (an inline one)."""
    return None if pointer is None else pointer_child(pointer, *keys)


def avoiding(  # noqa: PLR0917 - part of the recursive walker
    walk: _Walk, node: Mapping[str, Any], pointer: str | None, ctx: Any, depth: int, name: str, variant: int
) -> Any:
    """A value of ``node`` that its ``not`` refuses: the node's values in turn (``variant`` makes them
    differ: ``mock-s``, ``mock-s-1``; the next member of an enum; the later tries without the name, whose
    word, ``Paris``, does not vary), the first the subschema rejects."""
    refused, where = node["not"], _child(pointer, "not")
    value: Any = None
    for attempt in range(_TRIES):
        named = name if attempt < _TRIES // 2 else ""
        value = walk._shaped(node, pointer, ctx, depth, named, variant + attempt)
        if not walk.schemas.holds(refused, value, where):
            return value
    return value


# -- objects -------------------------------------------------------------------------------------
class _Keys:
    """What an object's keywords say of its keys: which a name may be, and the schema of each one's value."""

    def __init__(self, walk: _Walk, node: Mapping[str, Any], pointer: str | None) -> None:
        self.walk, self.node, self.pointer = walk, node, pointer
        patterns = node.get("patternProperties")
        self.patterns: dict[str, Any] = dict(patterns) if isinstance(patterns, Mapping) else {}
        self.names = node.get("propertyNames")
        self.extra = node.get("additionalProperties")

    def allowed(self, key: str) -> bool:
        if self.names is None:
            return True
        return self.walk.schemas.holds(self.names, key, _child(self.pointer, "propertyNames")) is not False

    def matching(self, key: str) -> str | None:
        """The first of ``patternProperties`` that names ``key``."""
        return next((pattern for pattern in self.patterns if _searches(pattern, key)), None)

    def value(self, key: str, ctx: Any, depth: int, variant: int) -> Any:
        """A value for ``key``: its declared schema, else its pattern's, else ``additionalProperties``."""
        properties = self.node.get("properties") or {}
        if key in properties:
            return self.walk._value(
                properties[key], _child(self.pointer, "properties", key), ctx, depth + 1, key, variant
            )
        pattern = self.matching(key)
        if pattern is not None:
            where = _child(self.pointer, "patternProperties", pattern)
            return self.walk._value(self.patterns[pattern], where, ctx, depth + 1, key, variant)
        if isinstance(self.extra, dict):
            where = _child(self.pointer, "additionalProperties")
            return self.walk._value(self.extra, where, ctx, depth + 1, key, variant)
        return "mock"

    def new(self, taken: Mapping[str, Any], ctx: Any, depth: int, index: int) -> str | None:
        """A key not yet in ``taken`` that the object admits: drawn from a property pattern, ``key_N``,
        or drawn from ``propertyNames``; None when no try finds one."""
        for attempt in range(_TRIES):
            for key in self._candidates(ctx, depth, index + attempt):
                if key is not None and key not in taken and self.allowed(key):
                    return key
        return None

    def _candidates(self, ctx: Any, depth: int, index: int) -> list[str | None]:
        found: list[str | None] = []
        if self.patterns:
            pattern = list(self.patterns)[index % len(self.patterns)]
            drawn = _drawn(pattern, ctx)
            if drawn is not None:  # a pattern's own match, and one made distinct (patterns are unanchored)
                found += [drawn, drawn + str(index) if _searches(pattern, drawn + str(index)) else None]
        if self.extra is not False:
            found.append(f"key_{index}")
        if isinstance(self.names, dict):
            named = self.walk._value(
                self.names, _child(self.pointer, "propertyNames"), ctx, depth + 1, "", index
            )
            found.append(named if isinstance(named, str) else None)
        return found


def _searches(pattern: str, key: str) -> bool:
    try:
        return re.search(pattern, key) is not None
    except re.error:
        return False


def _drawn(pattern: str, ctx: Any) -> str | None:
    try:
        return sample_regex(pattern, ctx.rng)
    except ValueError:
        return None


def keyed_object(  # noqa: PLR0917 - part of the recursive walker
    walk: _Walk, node: Mapping[str, Any], pointer: str | None, ctx: Any, depth: int, variant: int
) -> dict[str, Any]:
    """An object whose keys follow ``propertyNames`` and ``patternProperties`` and whose present keys
    bring what ``dependentRequired``/``dependentSchemas`` ask, up to ``minProperties``."""
    keys = _Keys(walk, node, pointer)
    out = walk._declared(node, pointer, ctx, depth, variant, keys.allowed)
    for prop in (r for r in node.get("required", []) if isinstance(r, str)):
        if prop not in out:
            out[prop] = keys.value(prop, ctx, depth, 0)
    _add_dependencies(walk, node, pointer, keys, out, ctx, depth)
    minimum = len(out) + ctx.take(int(node.get("minProperties", 0)) - len(out))
    index = 0
    while len(out) < minimum:
        index += 1
        key = keys.new(out, ctx, depth, index)
        if key is None:
            break
        out[key] = keys.value(key, ctx, depth, index)
    return out


def _add_dependencies(  # noqa: PLR0917 - the object's walk state
    walk: _Walk,
    node: Mapping[str, Any],
    pointer: str | None,
    keys: _Keys,
    out: dict[str, Any],
    ctx: Any,
    depth: int,
) -> None:
    """The properties a present key requires: ``dependentRequired``'s names, ``dependentSchemas``'
    ``required`` (valued by the dependent schema's own property schema where it declares one)."""
    needs = node.get("dependentRequired") or {}
    schemas = node.get("dependentSchemas") or {}
    for _ in range(_DEPENDENCY_ROUNDS):
        added = False
        for key, names in needs.items():
            for needed in names if key in out and isinstance(names, list) else ():
                if isinstance(needed, str) and needed not in out:
                    out[needed], added = keys.value(needed, ctx, depth, 0), True
        for key, schema in schemas.items():
            if key not in out:
                continue
            dependent, where = walk.schemas.deref(schema, _child(pointer, "dependentSchemas", key))
            if not isinstance(dependent, dict):
                continue
            declared = dependent.get("properties") or {}
            for needed in dependent.get("required", []):
                if not isinstance(needed, str) or needed in out:
                    continue
                if needed in declared:
                    child = _child(where, "properties", needed)
                    out[needed] = walk._value(declared[needed], child, ctx, depth + 1, needed, 0)
                else:
                    out[needed] = keys.value(needed, ctx, depth, 0)
                added = True
        if not added:
            return


# -- arrays --------------------------------------------------------------------------------------
def contained(  # noqa: PLR0917 - part of the recursive walker
    walk: _Walk, node: Mapping[str, Any], pointer: str | None, ctx: Any, depth: int, name: str
) -> list[Any]:
    """An array with ``minContains`` (1 by default) to ``maxContains`` items valid against ``contains``:
    the usual items, those ``contains`` admits past ``maxContains`` swapped for ones it refuses, then items
    of ``items`` and ``contains`` together for the ones missing; past ``maxItems``, items the array does
    not need are dropped from the end."""
    contains, where = node["contains"], _child(pointer, "contains")
    least = max(0, int(node.get("minContains", 1)))
    most = node.get("maxContains")
    out = walk._array(
        {key: value for key, value in node.items() if key != "contains"}, pointer, ctx, depth, name
    )
    fixed = len(node.get("prefixItems") or [])
    items = node.get("items")
    if items is False:
        return out
    own = items if isinstance(items, dict) else {}
    unique = bool(node.get("uniqueItems"))

    def holds(value: Any) -> bool:
        return walk.schemas.holds(contains, value, where) is True

    def made(also: Any, wanted: bool) -> Any:
        """An item of ``items`` and ``also`` that ``contains`` holds (or refuses), not already there when
        items are unique; None when no try makes one."""
        for variant in range(_TRIES):
            value = walk._value({"allOf": [own, also]}, None, ctx, depth + 1, name, variant)
            if holds(value) == wanted and not (unique and value in out):
                return value
        return None

    matched = sum(1 for value in out if holds(value))
    for index in range(len(out) - 1, fixed - 1, -1):
        if isinstance(most, int) and matched > most and holds(out[index]):
            other = made({"not": contains}, False)
            if other is None:
                out.pop(index)
            else:
                out[index] = other
            matched -= 1
    for _ in range(ctx.take(least - matched)):
        value = made(contains, True)
        if value is not None:
            out.insert(fixed, value)
    high = node.get("maxItems")
    for index in range(len(out) - 1, fixed - 1, -1):
        if isinstance(high, int) and len(out) > high and not holds(out[index]):
            out.pop(index)
    return out
