"""Request validation against an operation: parameters, headers, content type, body.

Built once per operation (schemas compiled at startup); ``validate`` is the
per-request call. String inputs (path, query, header, form fields) are coerced
to the parameter's schema type before checking, as OpenAPI serialisation says.
Every problem is an ``Issue`` with where it is (``body/messages/0``,
``query.limit``) and what is wrong.

JSON is parsed by ``loads``, which refuses nesting deeper than ``MAX_JSON_DEPTH``
(a ``ValueError``, so a malformed-body 4xx): Python's parser raises ``RecursionError``
near 1,000 levels and the schema validator gives up reporting on instances deeper
than 255, so a deeper body would otherwise end in a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from multidict import CIMultiDictProxy, MultiMapping

from gatewright.mock.schemas import SchemaSet
from gatewright.spec.media import is_json, media_matches, media_type_of
from gatewright.spec.pointer import escape

_INTEGER = re.compile(r"-?\d+\Z")
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_JSON = object()
MAX_JSON_DEPTH = 128  # arrays and objects inside each other (jsonschema-rs cannot report past 255)


class JsonTooDeep(ValueError):
    """A JSON text nested deeper than ``MAX_JSON_DEPTH``."""

    def __init__(self) -> None:
        super().__init__(f"nested deeper than {MAX_JSON_DEPTH} levels")


def loads(text: bytes | str) -> Any:
    """``json.loads`` that refuses nesting deeper than ``MAX_JSON_DEPTH`` (``JsonTooDeep``).

    The parser's own ``RecursionError`` (near 1,000 levels) is caught; below that the depth
    is measured only when the text holds more than ``MAX_JSON_DEPTH`` opening brackets (two
    ``count`` calls in C decide), so an ordinary body pays about a microsecond for it.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep() from None
    if isinstance(text, bytes):
        brackets = text.count(b"[") + text.count(b"{")
    else:
        brackets = text.count("[") + text.count("{")
    if brackets > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise JsonTooDeep()
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays/objects nest more than ``limit`` levels in ``value`` (level by level, no recursion)."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 1
    while level:
        deeper: list[Any] = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        if deeper and depth >= limit:
            return True
        level = deeper
        depth += 1
    return False


@dataclass(frozen=True, slots=True)
class Issue:
    location: str  # "path" | "query" | "header" | "cookie" | "body" | "content-type"
    where: str  # parameter name or JSON pointer into the body
    message: str

    def describe(self) -> str:
        if self.location == "body":
            return f"body{self.where or ''}: {self.message}" if self.where else f"body: {self.message}"
        if self.location == "content-type":
            return self.message
        return f"{self.location} parameter '{self.where}': {self.message}"


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    location: str
    required: bool
    pointer: str | None
    kind: str | None  # schema type used for coercion
    item_kind: str | None
    explode: bool


@dataclass(frozen=True, slots=True)
class _Body:
    media_type: str
    pointer: str | None
    properties: dict[str, tuple[str | None, str | None]]  # form field -> (type, item type)


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class ValidatedRequest:
    issues: tuple[Issue, ...]
    body: Any = None  # parsed JSON / form value, None when no body


def _coerce(raw: str, kind: str | None) -> Any:
    if kind == "integer" and _INTEGER.match(raw):
        return int(raw)
    if kind == "number" and _NUMBER.match(raw):
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    if kind == "null" and raw in ("", "null"):
        return None
    if kind in ("object", "array") and raw[:1] in ("{", "["):
        try:
            return loads(raw)
        except ValueError:
            return raw
    return raw


class RequestValidator:
    """Validates requests for one operation."""

    def __init__(
        self,
        schemas: SchemaSet,
        operation_pointer: str,
        definition: Mapping[str, Any],
        parameters: tuple[dict[str, Any], ...],
    ) -> None:
        self._schemas = schemas
        self._params: list[_Param] = []
        for param in parameters:
            location = str(param.get("in", ""))
            name = str(param.get("name", ""))
            if location == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            pointer = self._param_pointer(operation_pointer, definition, param)
            kind, item_kind = self._kinds(param.get("schema"), pointer)
            explode = bool(param.get("explode", param.get("style", "form") == "form"))
            self._params.append(
                _Param(
                    name,
                    location,
                    bool(param.get("required")) or location == "path",
                    pointer,
                    kind,
                    item_kind,
                    explode,
                )
            )
        body_def, body_pointer = schemas.deref(
            definition.get("requestBody"), f"{operation_pointer}/requestBody"
        )
        self.body_required = bool(isinstance(body_def, dict) and body_def.get("required"))
        self._bodies: list[_Body] = []
        content = body_def.get("content", {}) if isinstance(body_def, dict) else {}
        for media_type, media in content.items():
            pointer = None
            if isinstance(media, dict) and "schema" in media and body_pointer is not None:
                pointer = f"{body_pointer}/content/{escape(media_type)}/schema"
            self._bodies.append(_Body(media_type.lower(), pointer, self._form_kinds(pointer)))
        # What of a request it reads, known once (the pipeline asks on every request).
        self.reads_query = any(param.location == "query" for param in self._params)
        self.reads_cookies = any(param.location == "cookie" for param in self._params)
        self.header_names = tuple(param.name for param in self._params if param.location == "header")
        for check in self._params:
            if check.pointer is not None:
                schemas.validator(check.pointer, formats=True)
        for body in self._bodies:
            if body.pointer is not None:
                schemas.validator(body.pointer, formats=True)

    def param_pointer(self, name: str, location: str = "path") -> str | None:
        """Where a parameter's schema is (for checking a value it would accept)."""
        return next((p.pointer for p in self._params if p.name == name and p.location == location), None)

    @property
    def accepts_body(self) -> bool:
        return bool(self._bodies)

    @property
    def trivial(self) -> bool:
        """Nothing to check: no parameters and no body."""
        return not self._params and not self._bodies

    def _param_pointer(
        self, operation_pointer: str, definition: Mapping[str, Any], param: Mapping[str, Any]
    ) -> str | None:
        # Parameters may be shared by the path item or referenced from components: find the schema's home.
        for base in (f"{operation_pointer}/parameters", operation_pointer.rsplit("/", 1)[0] + "/parameters"):
            try:
                listed = self._schemas.resolve(base)
            except (KeyError, IndexError, ValueError):
                continue
            for index, entry in enumerate(listed):
                resolved, resolved_pointer = self._schemas.deref(entry, f"{base}/{index}")
                if (
                    isinstance(resolved, dict)
                    and resolved.get("name") == param.get("name")
                    and resolved.get("in") == param.get("in")
                    and "schema" in resolved
                ):
                    return f"{resolved_pointer}/schema" if resolved_pointer is not None else None
        return None

    def _kinds(self, schema: Any, pointer: str | None) -> tuple[str | None, str | None]:
        resolved, _ = self._schemas.deref(schema, pointer)
        if not isinstance(resolved, dict):
            return None, None
        kind = _type_of(resolved, self._schemas)
        item_kind = None
        if kind == "array":
            item, _ = self._schemas.deref(resolved.get("items"), None)
            item_kind = _type_of(item, self._schemas) if isinstance(item, dict) else None
        return kind, item_kind

    def _form_kinds(self, pointer: str | None) -> dict[str, tuple[str | None, str | None]]:
        if pointer is None:
            return {}
        schema, _ = self._schemas.deref(self._schemas.resolve(pointer), pointer)
        if not isinstance(schema, dict):
            return {}
        return {name: self._kinds(prop, None) for name, prop in (schema.get("properties") or {}).items()}

    def validate(
        self,
        path_params: Mapping[str, str],
        query: MultiMapping[str],
        headers: CIMultiDictProxy[str],
        cookies: Mapping[str, str],
        body: bytes,
    ) -> ValidatedRequest:
        if not self._params and not self._bodies:
            return _NOTHING
        issues: list[Issue] = []
        for param in self._params:
            value = self._read_param(param, path_params, query, headers, cookies)
            if value is _MISSING:
                if param.required:
                    issues.append(Issue(param.location, param.name, "is required"))
                continue
            if param.pointer is not None:
                for error in self._schemas.errors(param.pointer, value, formats=True, limit=1):
                    issues.append(Issue(param.location, param.name, error.message))
        parsed, body_issues = self._validate_body(headers.get("Content-Type"), body)
        issues.extend(body_issues)
        return ValidatedRequest(tuple(issues), parsed)

    def _read_param(
        self,
        param: _Param,
        path_params: Mapping[str, str],
        query: MultiMapping[str],
        headers: CIMultiDictProxy[str],
        cookies: Mapping[str, str],
    ) -> Any:
        if param.location == "path":
            raw = path_params.get(param.name)
            return _MISSING if raw is None else _coerce(raw, param.kind)
        if param.location == "query":
            if param.kind == "array":
                values = query.getall(param.name, [])
                if not values:
                    return _MISSING
                if not param.explode or len(values) == 1:
                    values = (
                        [part for value in values for part in value.split(",")]
                        if not param.explode
                        else values
                    )
                return [_coerce(v, param.item_kind) for v in values]
            raw = query.get(param.name)
            return _MISSING if raw is None else _coerce(raw, param.kind)
        if param.location == "header":
            raw = headers.get(param.name)
            if raw is None:
                return _MISSING
            if param.kind == "array":
                return [_coerce(v.strip(), param.item_kind) for v in raw.split(",")]
            return _coerce(raw, param.kind)
        if param.location == "cookie":
            raw = cookies.get(param.name)
            return _MISSING if raw is None else _coerce(raw, param.kind)
        return _MISSING

    def _validate_body(self, content_type: str | None, body: bytes) -> tuple[Any, list[Issue]]:
        if not self._bodies:
            return None, []
        actual = media_type_of(content_type)
        if not body:
            declared_binary = actual and any(
                media_matches(b.media_type, actual)
                and not is_json(b.media_type)
                and "form" not in b.media_type
                for b in self._bodies
            )
            if self.body_required and not declared_binary:  # zero bytes are a valid binary payload
                return None, [Issue("body", "", "a request body is required")]
            return None, []
        declared = next((b for b in self._bodies if media_matches(b.media_type, actual)), None)
        if declared is None:
            if not actual and any(is_json(b.media_type) for b in self._bodies):
                declared = next(b for b in self._bodies if is_json(b.media_type))
            else:
                allowed = ", ".join(b.media_type for b in self._bodies)
                return None, [
                    Issue(
                        "content-type",
                        "",
                        f"unsupported content type {actual or '(none)'!r}; expected {allowed}",
                    )
                ]
        if is_json(declared.media_type) or (declared.media_type == "*/*" and is_json(actual)):
            try:
                value = loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                return None, [Issue("body", "", f"malformed JSON: {exc}")]
        elif declared.media_type == "multipart/form-data":
            value = self._form(_parse_multipart(content_type or "", body), declared)
            if value is None:
                return None, [Issue("body", "", "malformed multipart/form-data body")]
        elif declared.media_type == "application/x-www-form-urlencoded":
            pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            value = self._form(pairs, declared)
        else:
            return body, []
        if declared.pointer is None:
            return value, []
        if (
            isinstance(value, dict)
            and not is_json(declared.media_type)
            and not self._schemas.is_valid(declared.pointer, value, formats=True)
        ):
            nulled = {k: None if v == "null" else v for k, v in value.items()}
            if self._schemas.is_valid(declared.pointer, nulled, formats=True):
                return nulled, []
        if self._schemas.is_valid(declared.pointer, value, formats=True):  # the common case, and cheaper
            return value, []
        errors = self._schemas.errors(declared.pointer, value, formats=True, limit=3)
        return value, [Issue("body", error.path, error.message) for error in errors]

    @staticmethod
    def _form(pairs: list[tuple[str, Any]] | None, declared: _Body) -> dict[str, Any] | None:
        if pairs is None:
            return None
        out: dict[str, Any] = {}
        for name, raw in pairs:
            kind, item_kind = declared.properties.get(name, (None, None))
            if kind == "array" and not isinstance(raw, str) and not isinstance(raw, list):
                out[name] = raw  # a typed (JSON) part is the whole value, not one item of it
            elif kind == "array":
                coerced = _coerce(raw, "array") if isinstance(raw, str) else raw
                if isinstance(coerced, list):
                    out.setdefault(name, []).extend(coerced)
                else:
                    out.setdefault(name, []).append(_coerce(raw, item_kind))
            else:
                out[name] = _coerce(raw, kind) if isinstance(raw, str) else raw
        return out


_MISSING: Any = object()
_NOTHING = ValidatedRequest(())


def _type_of(schema: Mapping[str, Any], schemas: SchemaSet) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return str(kinds[0]) if kinds else None
    if isinstance(kind, str):
        return kind
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []) or []:
            resolved, _ = schemas.deref(branch, None)
            if isinstance(resolved, dict):
                found = _type_of(resolved, schemas)
                if found and found != "null":
                    return found
    return None


def _multipart(content_type: str, body: bytes) -> Any:
    """The parsed multipart message, or None when the body is not one."""
    if "boundary=" not in content_type:
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    return message if message.is_multipart() else None


@dataclass(frozen=True, slots=True)
class FilePart:
    """A file sent in a multipart body, as the client sent it."""

    field: str
    filename: str
    content_type: str
    data: bytes


def multipart_files(content_type: str, body: bytes) -> list[FilePart]:
    """The parts of a multipart body that carry a file name (uploads), in order."""
    message = _multipart(content_type, body)
    files: list[FilePart] = []
    for part in message.iter_parts() if message is not None else ():
        name, filename = part.get_param("name", header="content-disposition"), part.get_filename()
        if isinstance(name, str) and filename is not None:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            files.append(FilePart(name, filename, part.get_content_type(), data))
    return files


def _parse_multipart(content_type: str, body: bytes) -> list[tuple[str, Any]] | None:
    message = _multipart(content_type, body)
    if message is None:
        return None
    pairs: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_content_type() == "application/json" and part.get_filename() is None:
            try:
                pairs.append((name, loads(data)))  # a typed value, not text to coerce
                continue
            except ValueError:
                return None
        if part.get_filename() is not None:
            pairs.append((name, data.decode("latin-1")))
        else:
            pairs.append((name, data.decode("utf-8", "replace")))
    return pairs
