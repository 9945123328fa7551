"""Turn a negotiation ``Decision`` into response bytes: example, cached generation, SDK shape.

Bodies that do not depend on the request are generated once and cached as
bytes; bodies that echo the request (``model``) are patched per request and
re-checked against the schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from gatewright.mock.echo import echo
from gatewright.mock.negotiation import Decision, ResponseSpec
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.shapes import fill_shape
from gatewright.spec.media import is_json

_PLACEHOLDERS = {
    "audio/": b"ID3\x03\x00\x00\x00\x00\x00\x00",
    "video/": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    "image/": b"\x89PNG\r\n\x1a\n",
    "application/octet-stream": b"gatewright",
    "application/zip": b"PK\x05\x06" + b"\x00" * 18,
}


@dataclass(frozen=True, slots=True)
class Rendered:
    status: int
    content_type: str | None
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # the fallback, built once
_ASCII = json.JSONEncoder(separators=(",", ":"))  # for text no UTF-8 holds (a lone surrogate a request sent)


def dumps(value: Any) -> bytes:
    """A JSON value as compact UTF-8 bytes: orjson (about 20 times the standard library's speed on an
    answer; every answer is serialized once), the standard library for what orjson refuses (integers
    past 64 bits, keys that are not strings), so any value the mock could send before it still sends.
    Floats are written in their shortest exact form (``1e-05`` may read ``0.00001``: the same number);
    a float JSON has no number for (NaN, infinity: a request may carry ``NaN`` that an answer echoes)
    is written ``null``, where the standard library wrote ``NaN``, which strict JSON parsers refuse.
    A string UTF-8 cannot hold (a lone surrogate, which a request may carry as ``"\\ud800"``) is
    written escaped, as the request had it."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = _ENCODER.encode(value)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return _ASCII.encode(value).encode()


def value_for(
    api: MockApi, op: MockOperation, decision: Decision, *, salt: str = "", made_now: bool = False
) -> Any:
    """The JSON value for a decision (not for non-JSON media), cached unless ``salt`` asks for fresh data
    (``made_now``: for a resource this request makes, dated now: ``Generator.now``)."""
    media = decision.media
    assert media is not None
    if decision.example is not None:
        return decision.example.value
    pointer = media.schema_pointer
    if pointer is None:
        return None
    key = ("value", pointer, salt)
    if not salt and key in op.body_cache:
        return op.body_cache[key]
    value = api.generator.generate(pointer, salt=salt, made_now=made_now)
    models = api.generator.model_ids
    value = fill_shape(
        value,
        op.operation.path,
        lambda v: api.schemas.is_valid(pointer, v, formats=True),
        model=models[0] if models else None,
    )
    if not salt:
        op.body_cache[key] = value
    return value


def response_headers(
    api: MockApi, op: MockOperation, response: ResponseSpec | None
) -> tuple[tuple[str, str], ...]:
    """Values for the response headers the spec marks required (cached per response)."""
    if response is None or not response.pointer:
        return ()
    key = ("headers", response.pointer)
    cached = op.body_cache.get(key)
    if cached is not None:
        return tuple(cached)
    headers: list[tuple[str, str]] = []
    definition = api.schemas.resolve(response.pointer)
    for name, header in (definition.get("headers") or {}).items():
        resolved, pointer = api.schemas.deref(header, f"{response.pointer}/headers/{name}")
        if not isinstance(resolved, dict) or not resolved.get("required") or name.lower() == "content-type":
            continue
        value: Any = "mock"
        if "schema" in resolved and pointer is not None:
            value = api.generator.generate(f"{pointer}/schema")
        text = (
            json.dumps(value)
            if isinstance(value, dict | list)
            else (str(value).lower() if isinstance(value, bool) else str(value))
        )
        headers.append((name, text))
    op.body_cache[key] = headers
    return tuple(headers)


def render(api: MockApi, op: MockOperation, decision: Decision, request_body: Any) -> Rendered:
    headers = response_headers(api, op, decision.response)
    media = decision.media
    if media is None:
        return Rendered(decision.status, None, b"", headers)
    if decision.status >= 400 and decision.example is None and is_json(media.media_type):
        error = api.errors.for_operation(op, decision.status, f"mock {decision.status} response")
        return Rendered(decision.status, error.content_type, error.body, headers)
    if is_json(media.media_type):
        return Rendered(
            decision.status, media.media_type, _json_body(api, op, decision, request_body), headers
        )
    return Rendered(decision.status, media.media_type, _raw_body(api, op, decision), headers)


def _json_body(api: MockApi, op: MockOperation, decision: Decision, request_body: Any) -> bytes:
    """The decision's body, serialized once; a request whose fields it restates gets them echoed."""
    media = decision.media
    assert media is not None
    example = decision.example.name if decision.example is not None else None
    key = ("bytes", media.schema_pointer, example, decision.status)
    cached = op.body_cache.get(key)
    pointer = media.schema_pointer
    echoes = pointer is not None and isinstance(request_body, dict) and decision.example is None
    if cached is not None and not echoes:
        return bytes(cached)
    value = value_for(api, op, decision)
    if echoes and pointer is not None:
        echoed = echo(
            value,
            request_body,
            lambda v: api.schemas.is_valid(pointer, v, formats=True),
            fields=api.echo_fields(op),
        )
        if echoed is not value:
            return dumps(echoed)
    if cached is not None:
        return bytes(cached)
    body = dumps(value)
    if len(op.body_cache) < 256:
        op.body_cache[key] = body
    return body


def _raw_body(api: MockApi, op: MockOperation, decision: Decision) -> bytes:
    media = decision.media
    assert media is not None
    if decision.example is not None:
        value = decision.example.value
        return value.encode() if isinstance(value, str) else dumps(value)
    if media.media_type == "text/event-stream":
        payload: Any = {}
        if media.schema_pointer is not None:
            payload = api.generator.generate(media.schema_pointer)
        if isinstance(payload, str):
            text = " ".join(payload.split())
            return (
                b"data: "
                + (b"mock-event" if text.startswith("data:") or not text else text.encode())
                + b"\n\n"
            )
        return b"data: " + dumps(payload) + b"\n\n"
    for prefix, placeholder in _PLACEHOLDERS.items():
        if media.media_type.startswith(prefix):
            return placeholder
    if media.media_type.startswith("text/") or media.media_type.endswith("xml"):
        if media.schema_pointer is not None:
            value = api.generator.generate(media.schema_pointer)
            if isinstance(value, str):
                return value.encode()
        return b"mock"
    return b"gatewright"
