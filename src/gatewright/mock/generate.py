"""Schema -> example data, deterministic under a seed, valid against the schema.

Generation walks the schema with the JSON pointer of each node so ``oneOf``
branches can be checked with the compiled validators. Property names steer
realistic values (``id``, ``*_id``, ``created``/``*_at``, ``*url``, ``model``
echoed from the request, else one of the API's declared model ids). Every value
is checked against its schema; if a schema-level example or an optional property
spoils it, generation retries without them, then with required properties only.
"""

from __future__ import annotations

import base64
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from gatewright.mock.regex import sample_regex
from gatewright.mock.schemas import SchemaSet
from gatewright.spec.pointer import escape

_MAX_DEPTH = 8
_OPTIONAL_DEPTH = 3
_TEXT_NAMES = frozenset({"content", "text", "message", "output_text", "answer", "response", "result"})
_TRUE_NAMES = frozenset({"deleted", "success", "ok", "healthy", "active", "available"})
# Property names that say what a string is: a realistic value reads better than "mock-city"
# in a tool call's arguments or a structured answer.
_WORDS = {
    "city": "Paris",
    "town": "Paris",
    "country": "France",
    "country_code": "FR",
    "location": "Paris, France",
    "address": "1 Rue de Rivoli, 75001 Paris",
    "street": "Rue de Rivoli",
    "region": "Ile-de-France",
    "state": "Ile-de-France",
    "postal_code": "75001",
    "zip": "75001",
    "zip_code": "75001",
    "timezone": "Europe/Paris",
    "name": "Ada Lovelace",
    "full_name": "Ada Lovelace",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "username": "ada",
    "company": "Example Corp",
    "phone": "+33 1 23 45 67 89",
    "language": "en",
    "lang": "en",
    "locale": "en-US",
    "currency": "EUR",
    "color": "blue",
    "query": "weather in Paris",
    "question": "What is the weather in Paris?",
    "topic": "weather",
    "keyword": "weather",
    "title": "A short title",
    "summary": "A one-line summary.",
    "description": "A short description.",
    "reason": "It matches the request.",
}
_TIME_NAMES = ("created", "created_at", "updated_at", "timestamp", "completed_at", "started_at", "expires_at")


@dataclass(slots=True)
class _Context:
    rng: random.Random
    now: float
    request: Mapping[str, Any]
    use_examples: bool
    full: bool
    ids: dict[str, str] = field(default_factory=dict)


def _null_last(branches: list[Any]) -> list[tuple[int, Any]]:
    indexed = list(enumerate(branches))
    return sorted(indexed, key=lambda item: isinstance(item[1], dict) and item[1].get("type") == "null")


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

    def now(self) -> float:
        if self._clock is not None:
            return self._clock()
        if self.seed is not None:
            return 1_735_689_600.0  # fixed under a seed: 2025-01-01T00:00:00Z
        return datetime.now(UTC).timestamp()

    def generate(
        self,
        pointer: str,
        *,
        salt: str = "",
        request: Mapping[str, Any] | None = None,
        use_examples: bool = True,
        minimal: bool = False,
    ) -> Any:
        """A value for the schema at ``pointer`` (valid whenever the schema is satisfiable).

        ``minimal`` tries required properties only first: a base that a richer body is laid over.
        """
        node = self.schemas.resolve(pointer)
        value: Any = None
        attempts: tuple[tuple[bool, bool], ...] = ((use_examples, True), (False, True), (False, False))
        if minimal:
            attempts = ((False, False), *attempts)
        for examples, full in attempts:
            context = _Context(
                rng=random.Random(f"{self._entropy}|{pointer}|{salt}"),
                now=self.now(),
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
        if kind == "object":
            return self._object(node, pointer, ctx, depth, variant)
        if kind == "array":
            return self._array(node, pointer, ctx, depth, name)
        if kind == "string":
            return self._string(node, ctx, name, variant)
        if kind == "integer":
            return int(self._number(node, ctx, name, variant, integer=True))
        if kind == "number":
            return self._number(node, ctx, name, variant, integer=False)
        if kind == "boolean":
            return (name in _TRUE_NAMES) != bool(variant % 2)  # items of a uniqueItems array differ
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
        properties: Mapping[str, Any] = node.get("properties") or {}
        required = [r for r in node.get("required", []) if isinstance(r, str)]
        include_optional = ctx.full and depth < _OPTIONAL_DEPTH
        out: dict[str, Any] = {}
        for prop, schema in properties.items():
            if prop not in required and not include_optional:
                continue
            if (
                isinstance(schema, dict)
                and (schema.get("writeOnly") or schema.get("deprecated"))
                and prop not in required
            ):
                continue
            child = f"{pointer}/properties/{escape(prop)}" if pointer is not None else None
            out[prop] = self._value(schema, child, ctx, depth + 1, prop, 0 if out else variant)
        extra = node.get("additionalProperties")
        for prop in required:
            if prop not in out:
                child = f"{pointer}/additionalProperties" if pointer is not None else None
                out[prop] = (
                    self._value(extra, child, ctx, depth + 1, prop, 0) if isinstance(extra, dict) else "mock"
                )
        minimum = int(node.get("minProperties", 0))
        index = 0
        while len(out) < minimum and extra is not False:
            index += 1
            child = f"{pointer}/additionalProperties" if pointer is not None else None
            out[f"key_{index}"] = (
                self._value(extra, child, ctx, depth + 1, "", index) if isinstance(extra, dict) else "mock"
            )
        return out

    def _array(
        self, node: Mapping[str, Any], pointer: str | None, ctx: _Context, depth: int, name: str
    ) -> list[Any]:
        out: list[Any] = []
        for index, schema in enumerate(node.get("prefixItems") or []):
            child = f"{pointer}/prefixItems/{index}" if pointer is not None else None
            out.append(self._value(schema, child, ctx, depth + 1, name, index))
        items = node.get("items")
        low = int(node.get("minItems", 0))
        high = int(node.get("maxItems", max(low, 1)))
        count = max(low, min(1 if depth < 5 else 0, high))
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
    def _string(self, node: Mapping[str, Any], ctx: _Context, name: str, variant: int) -> str:
        lname = name.lower()
        requested = ctx.request.get(name) if name == "model" else None
        if isinstance(requested, str) and _fits(requested, node):
            return requested
        fmt = node.get("format")
        value: str
        if isinstance(fmt, str) and fmt in _FORMATS:
            shifted = replace(ctx, now=ctx.now - 86_400 * variant) if variant else ctx  # distinct dates
            value = _FORMATS[fmt](shifted)
        elif isinstance(node.get("pattern"), str):
            value = self._pattern(node, ctx)
        elif lname == "id" or lname.endswith("_id") or (lname.endswith("id") and lname[:-2].endswith("_")):
            stem = lname.removesuffix("_id").removesuffix("id") or "mock"
            value = f"{stem[:12]}_{ctx.rng.getrandbits(64):016x}"
        elif lname in _TIME_NAMES or lname.endswith("_at"):
            value = _iso(ctx.now)
        elif lname.endswith(("url", "uri")):
            value = f"https://mock.gatewright.dev/files/{ctx.rng.getrandbits(48):012x}"
        elif lname == "email":
            value = "user@example.com"
        elif lname in _WORDS and _fits(_WORDS[lname], node):
            value = _WORDS[lname]
        elif lname in _TEXT_NAMES:
            value = "This is a mock response from gatewright."
        elif lname == "model":
            value = next((m for m in self.model_ids if _fits(m, node)), "mock-model")
        else:
            value = f"mock-{lname}" if lname else "mock"
            if variant:
                value = f"{value}-{variant}"
        fitted = _fit_length(value, node)
        if variant and fitted != value:  # truncation dropped the variant: keep items distinct
            fitted = _fit_length(f"{variant}{value}", node)
        return fitted

    def _pattern(self, node: Mapping[str, Any], ctx: _Context) -> str:
        pattern = str(node["pattern"])
        candidate = ""
        for _ in range(8):
            try:
                candidate = sample_regex(pattern, ctx.rng)
            except ValueError:
                return _fit_length("mock", node)
            if re.search(pattern, candidate) and _length_ok(candidate, node):
                return candidate
        return candidate

    def _number(
        self, node: Mapping[str, Any], ctx: _Context, name: str, variant: int = 0, *, integer: bool
    ) -> float:
        """A number inside the schema's bounds, near a value the property name suggests."""
        lname = name.lower()
        if lname in _TIME_NAMES or lname.endswith("_at"):
            preferred = float(int(ctx.now))
        elif "token" in lname or "count" in lname or lname in ("n", "index"):
            preferred = 0.0 if lname == "index" else 8.0
        else:
            preferred = 1.0 if integer else 0.5
        preferred += variant * (1.0 if integer else 0.5)
        bounds = _Bounds.of(node)
        multiple = _numeric(node.get("multipleOf"))
        step = multiple if multiple is not None and multiple > 0 else (1.0 if integer else None)
        if step is None:
            value = bounds.pick(preferred)
        else:
            found = _multiple_within(bounds, step, preferred)
            value = bounds.pick(preferred) if found is None else found
        if integer:
            value = float(round(value))
        return (
            int(value) if integer or (value.is_integer() and not isinstance(node.get("type"), str)) else value
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric(value: Any) -> float | None:
    return float(value) if _is_number(value) else None


@dataclass(frozen=True, slots=True)
class _Bounds:
    """A schema's numeric range: the tighter of ``minimum``/``exclusiveMinimum`` (and of the maxima)."""

    low: float | None
    low_open: bool
    high: float | None
    high_open: bool

    @classmethod
    def of(cls, node: Mapping[str, Any]) -> _Bounds:
        low, high = _numeric(node.get("minimum")), _numeric(node.get("maximum"))
        xlow, xhigh = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
        if isinstance(xlow, bool):  # OpenAPI 3.0 style
            xlow = low if xlow else None
        if isinstance(xhigh, bool):
            xhigh = high if xhigh else None
        xlow, xhigh = _numeric(xlow), _numeric(xhigh)
        lo, lo_open = low, False
        if xlow is not None and (lo is None or xlow >= lo):
            lo, lo_open = xlow, True
        hi, hi_open = high, False
        if xhigh is not None and (hi is None or xhigh <= hi):
            hi, hi_open = xhigh, True
        return cls(lo, lo_open, hi, hi_open)

    def holds(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.high_open else value > self.high))

    def pick(self, preferred: float) -> float:
        if self.holds(preferred):
            return preferred
        if self.low is not None and self.high is not None:
            return self.low if self.low == self.high else (self.low + self.high) / 2
        if self.low is not None:
            return self.low + 1 if self.low_open else self.low
        assert self.high is not None
        return self.high - 1 if self.high_open else self.high


def _multiple_within(bounds: _Bounds, step: float, preferred: float) -> float | None:
    """A multiple of ``step`` inside ``bounds``, the one nearest ``preferred`` first."""
    start = round(bounds.pick(preferred) / step)
    for offset in (0, 1, -1, 2, -2, 3, -3):
        value = (start + offset) * step
        if bounds.holds(value) and (value / step).is_integer():
            return value
    if bounds.low is not None:
        first = math.floor(bounds.low / step)
        for k in range(first, first + 4):
            if bounds.holds(k * step):
                return k * step
    return None


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _length_ok(value: str, node: Mapping[str, Any]) -> bool:
    return len(value) >= int(node.get("minLength", 0)) and len(value) <= int(node.get("maxLength", 10**9))


def _fits(value: str, node: Mapping[str, Any]) -> bool:
    pattern = node.get("pattern")
    if isinstance(pattern, str) and not re.search(pattern, value):
        return False
    return _length_ok(value, node) and "format" not in node


def _fit_length(value: str, node: Mapping[str, Any]) -> str:
    low = int(node.get("minLength", 0))
    high = int(node.get("maxLength", 10**9))
    if len(value) < low:
        value = value + "x" * (low - len(value))
    return value[:high]


def _uuid(ctx: _Context) -> str:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


_FORMATS: dict[str, Callable[[_Context], str]] = {
    "date-time": lambda ctx: _iso(ctx.now),
    "date": lambda ctx: _iso(ctx.now)[:10],
    "time": lambda ctx: _iso(ctx.now)[11:],
    "email": lambda ctx: "user@example.com",
    "idn-email": lambda ctx: "user@example.com",
    "uri": lambda ctx: f"https://mock.gatewright.dev/files/{ctx.rng.getrandbits(48):012x}",
    "url": lambda ctx: f"https://mock.gatewright.dev/files/{ctx.rng.getrandbits(48):012x}",
    "iri": lambda ctx: "https://mock.gatewright.dev/",
    "uri-reference": lambda ctx: "/files/mock",
    "iri-reference": lambda ctx: "/files/mock",
    "uri-template": lambda ctx: "https://mock.gatewright.dev/{id}",
    "uuid": _uuid,
    "ipv4": lambda ctx: "127.0.0.1",
    "ipv6": lambda ctx: "::1",
    "hostname": lambda ctx: "mock.gatewright.dev",
    "idn-hostname": lambda ctx: "mock.gatewright.dev",
    "byte": lambda ctx: base64.b64encode(b"gatewright").decode(),
    "duration": lambda ctx: "PT1S",
    "regex": lambda ctx: ".*",
    "json-pointer": lambda ctx: "/mock",
    "relative-json-pointer": lambda ctx: "0",
}
