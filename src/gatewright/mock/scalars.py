"""The scalar values of generated examples: strings and numbers a property's name and schema suggest.

A string is the request's ``model`` when the property is ``model``, else a value of the schema's
``format``, a sample of its ``pattern``, or what the property's name says (``*_id``, ``*_at``,
``*url``, ``city``, ``title``...); a number sits inside the schema's bounds (and on its
``multipleOf``) near what the name suggests (a time, a count). ``variant`` makes the items of one
array differ. Each value is drawn from the walk's random source, so it is the same under a seed.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from gatewright.mock.regex import sample_regex

__all__ = ["TRUE_NAMES", "ScalarContext", "digest_id", "iso_time", "number_value", "string_value"]

_TEXT_NAMES = frozenset({"content", "text", "message", "output_text", "answer", "response", "result"})
TRUE_NAMES = frozenset({"deleted", "success", "ok", "healthy", "active", "available"})
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
_FUTURE_WORDS = ("expires", "expiry", "deadline", "valid_until")  # times still to come
_AHEAD = 30 * 86_400  # how far ahead they are: a month


def _moment(lname: str, now: float) -> float:
    """The time a field so named holds: now, or a month ahead for an expiry or a deadline."""
    return now + _AHEAD if any(word in lname for word in _FUTURE_WORDS) else now


_TIME_NAMES = ("created", "created_at", "updated_at", "timestamp", "completed_at", "started_at", "expires_at")


class ScalarContext(Protocol):
    """What a scalar is drawn from: the walk's random source, its now and the request."""

    rng: random.Random
    now: float
    request: Mapping[str, Any]


def string_value(
    node: Mapping[str, Any], ctx: ScalarContext, name: str, variant: int, model_ids: tuple[str, ...]
) -> str:
    """A string for the property ``name``: the request's model, a value of the format or the pattern,
    else what the name says."""
    lname = name.lower()
    requested = ctx.request.get(name) if name == "model" else None
    if isinstance(requested, str) and _fits(requested, node):
        return requested
    fmt = node.get("format")
    value: str
    if isinstance(fmt, str) and fmt in _FORMATS:
        now = _moment(lname, ctx.now)  # an expiry is not now
        value = _FORMATS[fmt](ctx.rng, now - 86_400 * variant if variant else now)  # distinct dates
    elif isinstance(node.get("pattern"), str):
        value = _pattern(node, ctx.rng)
    elif lname == "id" or lname.endswith("_id") or (lname.endswith("id") and lname[:-2].endswith("_")):
        stem = lname.removesuffix("_id").removesuffix("id") or "mock"
        value = f"{stem[:12]}_{ctx.rng.getrandbits(64):016x}"
    elif lname in _TIME_NAMES or lname.endswith("_at"):
        value = iso_time(_moment(lname, ctx.now))
    elif lname.endswith(("url", "uri")):
        value = f"https://mock.gatewright.dev/files/{ctx.rng.getrandbits(48):012x}"
    elif lname == "email":
        value = "user@example.com"
    elif lname in _WORDS and _fits(_WORDS[lname], node):
        value = _WORDS[lname]
    elif lname in _TEXT_NAMES:
        value = "This is a mock response from gatewright."
    elif lname == "model":
        value = next((m for m in model_ids if _fits(m, node)), "mock-model")
    else:
        value = f"mock-{lname}" if lname else "mock"
        if variant:
            value = f"{value}-{variant}"
    fitted = _fit_length(value, node)
    if variant and len(fitted) < len(value) and not (isinstance(fmt, str) and fmt in _FORMATS):
        fitted = _fit_length(f"{variant}{value}", node)  # truncation dropped the variant: keep items distinct
    return fitted


def _pattern(node: Mapping[str, Any], rng: random.Random) -> str:
    """A match of the pattern; of the schema's length when it has bounds (a match of any length padded
    with ``x`` would leave the pattern: ``^[a-f0-9]+$`` of 40 characters). Where the pattern cannot make
    that length, a short match padded stays (an unanchored pattern still finds it)."""
    pattern = str(node["pattern"])
    # (past the longest string made, no match is long enough: the short one, padded and cut, is sent)
    sized = ("minLength" in node or "maxLength" in node) and int(node.get("minLength", 0)) <= _MAX_LENGTH
    candidate = ""
    for attempt in range(8):
        bounded = sized and attempt < 6  # the last tries unsized: no match has that length
        try:
            candidate = (
                sample_regex(pattern, rng, **_length_bounds(node)) if bounded else sample_regex(pattern, rng)
            )
        except ValueError:
            if bounded:  # this draw of a length did not work out (``(ab)+`` has no 5), or none does
                continue
            return _fit_length("mock", node)
        if re.search(pattern, candidate) and _length_ok(candidate, node):
            return candidate
    return candidate


def _length_bounds(node: Mapping[str, Any]) -> dict[str, Any]:
    high = node.get("maxLength")
    return {
        "min_length": min(int(node.get("minLength", 0)), _MAX_LENGTH),
        "max_length": int(high) if high is not None else None,
    }


def number_value(
    node: Mapping[str, Any], ctx: ScalarContext, name: str, variant: int = 0, *, integer: bool
) -> float:
    """A number inside the schema's bounds, near a value the property name suggests."""
    lname = name.lower()
    if lname in _TIME_NAMES or lname.endswith("_at"):
        preferred = float(int(_moment(lname, ctx.now)))
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
    return int(value) if integer or (value.is_integer() and not isinstance(node.get("type"), str)) else value


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


def digest_id(text: str) -> str:
    """An id made from what it names (24 hex digits): unique to it, the same under a seed, and drawn from
    no sequence the answers use (a batch's lines, a store's rows and chunks, a response's input items)."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def iso_time(timestamp: float) -> str:
    """Epoch seconds as an RFC 3339 UTC time to the second (``2025-01-01T00:00:00Z``): how the mock
    writes every time it states, generated or known."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _length_ok(value: str, node: Mapping[str, Any]) -> bool:
    return len(value) >= int(node.get("minLength", 0)) and len(value) <= int(node.get("maxLength", 10**9))


def _fits(value: str, node: Mapping[str, Any]) -> bool:
    pattern = node.get("pattern")
    if isinstance(pattern, str) and not re.search(pattern, value):
        return False
    return _length_ok(value, node) and "format" not in node


# The longest string a schema's ``minLength`` gets (a request's schema is anyone's: ``minLength:
# 100000000`` once answered a 300-byte request with 100 MB); past it the value is cut short.
_MAX_LENGTH = 65_536


def _fit_length(value: str, node: Mapping[str, Any]) -> str:
    """``value`` padded to ``minLength`` (the way its ``format`` allows, else with ``x``), cut to
    ``maxLength``."""
    low = min(int(node.get("minLength", 0)), _MAX_LENGTH)
    high = int(node.get("maxLength", 10**9))
    if len(value) < low:
        fmt = node.get("format")
        pad = _PADDERS.get(fmt) if isinstance(fmt, str) else None
        padded = pad(value, low - len(value)) if pad is not None else None
        value = padded if padded is not None else value + "x" * (low - len(value))
    return value[:high]


def _pad_seconds(value: str, missing: int) -> str | None:
    """A time ending ``Z`` made longer by digits of a fraction of its second (``.000Z``)."""
    if missing < 2 or not value.endswith("Z"):  # a fraction is a point and a digit at least
        return None
    return f"{value[:-1]}.{'0' * (missing - 1)}Z"


def _pad_base64(value: str, missing: int) -> str | None:
    """More bytes, repeating the value's own (distinct values stay distinct)."""
    size = 3 * -(-(len(value) + missing) // 4)  # bytes whose base64 is at least that long
    seed = value.encode() or b"gatewright"
    return base64.b64encode((seed * (size // len(seed) + 1))[:size]).decode()


# format -> its value made ``missing`` characters longer and still of the format (None: it cannot be);
# the formats not here stay themselves with ``x`` appended (a URI, an e-mail address, a host name)
_PADDERS: dict[str, Callable[[str, int], str | None]] = {
    "date-time": _pad_seconds,
    "time": _pad_seconds,
    "byte": _pad_base64,
}


def _uuid(rng: random.Random, now: float) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# format -> a value of it, from the walk's random source and its (shifted) now
_FORMATS: dict[str, Callable[[random.Random, float], str]] = {
    "date-time": lambda rng, now: iso_time(now),
    "date": lambda rng, now: iso_time(now)[:10],
    "time": lambda rng, now: iso_time(now - rng.randrange(86_400))[11:],  # a time of day that varies
    "email": lambda rng, now: "user@example.com",
    "idn-email": lambda rng, now: "user@example.com",
    "uri": lambda rng, now: f"https://mock.gatewright.dev/files/{rng.getrandbits(48):012x}",
    "url": lambda rng, now: f"https://mock.gatewright.dev/files/{rng.getrandbits(48):012x}",
    "iri": lambda rng, now: "https://mock.gatewright.dev/",
    "uri-reference": lambda rng, now: "/files/mock",
    "iri-reference": lambda rng, now: "/files/mock",
    "uri-template": lambda rng, now: "https://mock.gatewright.dev/{id}",
    "uuid": _uuid,
    "ipv4": lambda rng, now: "127.0.0.1",
    "ipv6": lambda rng, now: "::1",
    "hostname": lambda rng, now: "mock.gatewright.dev",
    "idn-hostname": lambda rng, now: "mock.gatewright.dev",
    "byte": lambda rng, now: base64.b64encode(b"gatewright-%016x" % rng.getrandbits(64)).decode(),
    "duration": lambda rng, now: "PT1S",
    "regex": lambda rng, now: ".*",
    "json-pointer": lambda rng, now: "/mock",
    "relative-json-pointer": lambda rng, now: "0",
}
