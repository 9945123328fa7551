"""Schema -> example data, deterministic under a seed, valid against the schema.

Generation walks the schema with the JSON pointer of each node so ``oneOf``
branches can be checked with the compiled validators. Property names steer
realistic values (``id``, ``*_id``, ``created``/``*_at``, ``*url``, ``model``
echoed from the request, else one of the API's declared model ids). Every value
is checked against its schema; if a schema-level example or an optional property
spoils it, generation retries without them, then with required properties only.
This module walks the structure (combinators, objects, arrays); ``scalars`` makes the leaves.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gatewright.mock.applicators import KEYED, avoiding, contained, keyed_object
from gatewright.mock.scalars import TRUE_NAMES, number_value, string_value
from gatewright.mock.schemas import SchemaSet
from gatewright.spec.pointer import escape

_MAX_DEPTH = 8
_OPTIONAL_DEPTH = 3
# What one value may hold at most, however large a schema's ``minItems``/``minProperties``: a schema a
# request brings (a tool's parameters) is anyone's, and ``minItems: 100000000`` once held the mock
# (every request) while it filled gigabytes. Past these the value is cut (and fails its schema).
_MAX_ITEMS = 1024  # items of one array, properties of one object
_MAX_VALUES = 16_384  # array items and extra properties in one value, all levels together


@dataclass(slots=True)
class _Context:
    rng: random.Random
    now: float
    request: Mapping[str, Any]
    use_examples: bool
    full: bool
    ids: dict[str, str] = field(default_factory=dict)
    left: int = _MAX_VALUES  # array items and extra properties this value may still take

    def take(self, wanted: int) -> int:
        """At most ``wanted`` more items for one array or object, within what the value has left."""
        granted = max(0, min(wanted, _MAX_ITEMS, self.left))
        self.left -= granted
        return granted


def _any_name(name: str) -> bool:  # an object whose keywords leave its names free
    return True


def _null_last(branches: list[Any]) -> list[tuple[int, Any]]:
    indexed = list(enumerate(branches))
    return sorted(indexed, key=lambda item: isinstance(item[1], dict) and item[1].get("type") == "null")


# A nullable time of an ending (``cancel_requested_at``, ``failed_at``, ``expired_at``), or a nullable error
# (``error``, ``last_error``): what the mock makes has just begun and has not failed, so they have not
# happened; a task's renderer writes them once they do.
_ENDING = re.compile(
    r"(cancel|fail|expired|deleted|ended|finish|finaliz|completed|done)\w*_at"
    r"|(last_)?error(_message|_code)?|fail(ure)?_reason"
)
_NONE_YET = frozenset({"warnings"})  # lists that are empty unless the schema asks for items
_NULLABLE_KINDS = frozenset({"string", "integer", "number", "object"})  # an error may be an object


def _not_yet(name: str, node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    return isinstance(kind, list) and "null" in kind and _ENDING.fullmatch(name.lower()) is not None


def _left_out(name: str, node: Mapping[str, Any], depth: int) -> bool:
    """An optional property a generated body goes without: write-only, deprecated, an ending time that
    cannot be null, or such an error message below the top level (what the mock makes has not failed or
    ended; a nullable one is null: ``_not_yet``). At the top, ``error`` may be an error envelope's own
    message (``{"error": "..."}``), which the error renderer fills: it stays, as an error object does."""
    if node.get("writeOnly") or node.get("deprecated"):
        return True
    if node.get("type") not in ("string", "integer", "number") or _ENDING.fullmatch(name.lower()) is None:
        return False
    return depth > 0 or name.lower().endswith("_at")


def _schema_type(node: Mapping[str, Any]) -> str | None:
    kind = node.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in node or "additionalProperties" in node or "required" in node:
        return "object"
    if "items" in node or "prefixItems" in node:
        return "array"
    if any(k in node for k in ("pattern", "format", "minLength", "maxLength")):
        return "string"
    if any(k in node for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return None


class Generator:
    """Builds values for schema pointers of one document."""

    def __init__(
        self,
        schemas: SchemaSet,
        *,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        model_ids: Sequence[str] = (),
    ) -> None:
        self.schemas = schemas
        self.seed = seed
        self.model_ids = tuple(model_ids)  # the API's own model ids, preferred over a made-up one
        self._clock = clock
        self._entropy = random.Random(seed).getrandbits(64) if seed is not None else random.getrandbits(64)

    def now(self, *, made_now: bool = False) -> float:
        """The time generated values are drawn around.

        Under a seed, the spec's own answers (the same for every request, generated once) are
        reproducible, so their times are fixed (2025-01-01T00:00:00Z). A value made for one request
        (``made_now``: a resource being created or updated, an upload) is dated now, seed or not,
        as its tasks and answers are: a file uploaded a moment ago says so, and its ``expires_at`` is
        a month ahead, not a date long past that a client would take for expired."""
        if self._clock is not None:
            return self._clock()
        if self.seed is not None and not made_now:
            return 1_735_689_600.0
        return datetime.now(UTC).timestamp()

    def named(self, name: str, *, salt: str) -> str:
        """A string for a property called ``name`` (an id: ``file_id`` gives ``file_…``) where no schema
        describes it: what the mock writes into a body the spec leaves free-form (``mock.open_bodies``)."""
        context = _Context(
            rng=random.Random(f"{self._entropy}|{name}|{salt}"),
            now=self.now(),
            request={},
            use_examples=False,
            full=True,
        )
        return string_value({"type": "string"}, context, name, 0, self.model_ids)

    def generate(
        self,
        pointer: str,
        *,
        salt: str = "",
        request: Mapping[str, Any] | None = None,
        use_examples: bool = True,
        minimal: bool = False,
        made_now: bool = False,
    ) -> Any:
        """A value for the schema at ``pointer`` (valid whenever the schema is satisfiable).

        ``minimal`` tries required properties only first: a base that a richer body is laid over.
        ``made_now``: the value describes something made by this request (``now``).
        """
        node = self.schemas.resolve(pointer)
        value: Any = None
        attempts: tuple[tuple[bool, bool], ...] = ((use_examples, True), (False, True), (False, False))
        if minimal:
            attempts = ((False, False), *attempts)
        for examples, full in attempts:
            context = _Context(
                rng=random.Random(f"{self._entropy}|{pointer}|{salt}"),
                now=self.now(made_now=made_now),
                request=request or {},
                use_examples=examples,
                full=full,
            )
            value = self._value(node, pointer, context, 0, "", 0)
            if self.schemas.is_valid(pointer, value, formats=True):
                return value
        return value

    # -- dispatch ---------------------------------------------------------------------------------
    def _value(  # noqa: PLR0917 - recursive walker, called positionally everywhere
        self, node: Any, pointer: str | None, ctx: _Context, depth: int, name: str, variant: int
    ) -> Any:
        node, pointer = self.schemas.deref(node, pointer)
        if node is True or node is None or (isinstance(node, dict) and not node):
            return "mock" if depth else {}
        if not isinstance(node, dict):
            return None
        if "not" in node:
            return avoiding(self, node, pointer, ctx, depth, name, variant)
        return self._shaped(node, pointer, ctx, depth, name, variant)

    def _shaped(  # noqa: PLR0917 - part of the recursive walker
        self, node: Mapping[str, Any], pointer: str | None, ctx: _Context, depth: int, name: str, variant: int
    ) -> Any:
        """A value of a resolved, non-empty schema node (``not`` aside: ``_value`` checks it)."""
        if "const" in node:
            return node["const"]
        if ctx.use_examples:
            examples = node.get("examples")
            if isinstance(examples, list) and examples:
                return examples[0]
            if "example" in node:
                return node["example"]
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            ordered = [v for v in enum if v is not None] + [v for v in enum if v is None]  # null last
            return ordered[variant % len(ordered)]
        if "allOf" in node:
            return self._value(self._merge_all_of(node, pointer), None, ctx, depth, name, variant)
        for key in ("oneOf", "anyOf"):
            if isinstance(node.get(key), list) and node[key]:
                return self._choice(node, key, pointer, ctx, depth, name, variant)
        if depth > _MAX_DEPTH:
            return self._shallow(node)
        kind = _schema_type(node)
        if kind in _NULLABLE_KINDS and _not_yet(name, node):
            return None
        if kind == "object":
            return self._object(node, pointer, ctx, depth, variant)
        if kind == "array":
            return self._array(node, pointer, ctx, depth, name)
        if kind == "string":
            return string_value(node, ctx, name, variant, self.model_ids)
        if kind == "integer":
            return int(number_value(node, ctx, name, variant, integer=True))
        if kind == "number":
            return number_value(node, ctx, name, variant, integer=False)
        if kind == "boolean":
            return (name in TRUE_NAMES) != bool(variant % 2)  # items of a uniqueItems array differ
        if kind == "null":
            return None
        return "mock"

    def _shallow(self, node: Mapping[str, Any]) -> Any:
        kind = _schema_type(node)
        return {"object": {}, "array": [], "string": "", "integer": 0, "number": 0, "boolean": False}.get(
            kind or ""
        )

    # -- combinators ------------------------------------------------------------------------------
    def _merge_all_of(self, node: Mapping[str, Any], pointer: str | None) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        properties: dict[str, Any] = {}
        required: list[str] = list(merged.get("required", []))
        if pointer is not None:
            properties.update(
                {k: {"$ref": f"#{pointer}/properties/{escape(k)}"} for k in merged.get("properties", {})}
            )
        else:
            properties.update(merged.get("properties", {}))
        for index, part in enumerate(node["allOf"]):
            part_pointer = f"{pointer}/allOf/{index}" if pointer is not None else None
            resolved, resolved_pointer = self.schemas.deref(part, part_pointer)
            if not isinstance(resolved, dict):
                continue
            if "allOf" in resolved:
                resolved = self._merge_all_of(resolved, resolved_pointer)
                resolved_pointer = None
            for key, value in resolved.items():
                if key == "properties":
                    for prop, schema in value.items():
                        properties.setdefault(
                            prop,
                            {"$ref": f"#{resolved_pointer}/properties/{escape(prop)}"}
                            if resolved_pointer is not None
                            else schema,
                        )
                elif key == "required":
                    required.extend(r for r in value if r not in required)
                else:
                    merged.setdefault(key, value)
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    def _choice(  # noqa: PLR0917 - part of the recursive walker
        self,
        node: Mapping[str, Any],
        key: str,
        pointer: str | None,
        ctx: _Context,
        depth: int,
        name: str,
        variant: int,
    ) -> Any:
        base = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf", "discriminator")}
        base_value = (
            self._value(base, None, ctx, depth, name, variant) if _schema_type(base) == "object" else None
        )
        last: Any = None
        for index, branch in _null_last(node[key]):
            branch_pointer = f"{pointer}/{key}/{index}" if pointer is not None else None
            value = self._value(branch, branch_pointer, ctx, depth, name, variant)
            if isinstance(base_value, dict) and isinstance(value, dict):
                value = {**base_value, **value}
            last = value
            if pointer is None or self.schemas.is_valid(pointer, value, formats=True):
                return value
        return last

    # -- objects and arrays ----------------------------------------------------------------------
    def _object(
        self, node: Mapping[str, Any], pointer: str | None, ctx: _Context, depth: int, variant: int = 0
    ) -> dict[str, Any]:
        if not KEYED.isdisjoint(node):
            return keyed_object(self, node, pointer, ctx, depth, variant)
        out = self._declared(node, pointer, ctx, depth, variant, _any_name)
        extra = node.get("additionalProperties")
        for prop in node.get("required", []):
            if isinstance(prop, str) and prop not in out:
                child = f"{pointer}/additionalProperties" if pointer is not None else None
                out[prop] = (
                    self._value(extra, child, ctx, depth + 1, prop, 0) if isinstance(extra, dict) else "mock"
                )
        minimum = len(out) + ctx.take(int(node.get("minProperties", 0)) - len(out))
        index = 0
        while len(out) < minimum and extra is not False:
            index += 1
            child = f"{pointer}/additionalProperties" if pointer is not None else None
            out[f"key_{index}"] = (
                self._value(extra, child, ctx, depth + 1, "", index) if isinstance(extra, dict) else "mock"
            )
        return out

    def _declared(  # noqa: PLR0917 - part of the recursive walker
        self,
        node: Mapping[str, Any],
        pointer: str | None,
        ctx: _Context,
        depth: int,
        variant: int,
        allowed: Callable[[str], bool],
    ) -> dict[str, Any]:
        """The object's declared properties it keeps: the required ones, and the optional ones a full
        value holds near the top (an optional one whose name ``allowed`` refuses is left out)."""
        properties: Mapping[str, Any] = node.get("properties") or {}
        required = [r for r in node.get("required", []) if isinstance(r, str)]
        include_optional = ctx.full and depth < _OPTIONAL_DEPTH
        out: dict[str, Any] = {}
        for prop, schema in properties.items():
            if prop not in required and not include_optional:
                continue
            if prop not in required and (
                (isinstance(schema, dict) and _left_out(prop, schema, depth)) or not allowed(prop)
            ):
                continue
            child = f"{pointer}/properties/{escape(prop)}" if pointer is not None else None
            out[prop] = self._value(schema, child, ctx, depth + 1, prop, 0 if out else variant)
        return out

    def _array(
        self, node: Mapping[str, Any], pointer: str | None, ctx: _Context, depth: int, name: str
    ) -> list[Any]:
        if "contains" in node:
            return contained(self, node, pointer, ctx, depth, name)
        out: list[Any] = []
        for index, schema in enumerate(node.get("prefixItems") or []):
            child = f"{pointer}/prefixItems/{index}" if pointer is not None else None
            out.append(self._value(schema, child, ctx, depth + 1, name, index))
        items = node.get("items")
        low = int(node.get("minItems", 0))
        high = int(node.get("maxItems", max(low, 1)))
        wanted = 0 if depth >= 5 or name.lower() in _NONE_YET else 1  # (what the mock makes warns of nothing)
        count = len(out) + ctx.take(max(low, min(wanted, high)) - len(out))
        child = f"{pointer}/items" if pointer is not None else None
        unique = bool(node.get("uniqueItems"))
        variant = 0
        while len(out) < count and items is not False and variant < count + 10:
            value = self._value(items if items is not None else {}, child, ctx, depth + 1, name, variant)
            variant += 1
            if unique and value in out:
                continue
            out.append(value)
        return out

    # -- scalars ----------------------------------------------------------------------------------
