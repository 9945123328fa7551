"""Request validation against an operation: parameters, headers, content type, body.

Built once per operation (schemas compiled at startup); ``validate`` is the
per-request call. String inputs (path, query, header, form fields) are coerced
to the parameter's schema type before checking, as OpenAPI serialisation says.
Every problem is an ``Issue`` with where it is (``body/messages/0``,
``query.limit``) and what is wrong.

JSON is parsed by ``json_depth.loads`` (nesting bounded), multipart bodies by
``multipart``, and strings made values by ``coercion``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from multidict import CIMultiDictProxy, MultiMapping

from gatewright.mock.coercion import coerce, type_of
from gatewright.mock.json_depth import loads
from gatewright.mock.multipart import parse_multipart
from gatewright.mock.schemas import SchemaSet
from gatewright.spec.media import is_json, media_matches, media_type_of
from gatewright.spec.pointer import escape

_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_JSON = object()


_SURROGATE = "a string holds a lone surrogate (U+D800-U+DFFF), which is not text"


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
    json: bool = False  # ``body`` was read as JSON (the journal keeps such a body as the bytes sent)


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
        self.trivial = not self._params and not self._bodies  # nothing to check: the pipeline skips the call
        self.reads_query = any(param.location == "query" for param in self._params)
        self.reads_cookies = any(param.location == "cookie" for param in self._params)
        self.header_names = tuple(param.name for param in self._params if param.location == "header")
        # Content-Type values (as sent) whose body is judged as JSON, with the schema and its check:
        # learned on first sight, so the usual request skips media matching.
        self._json_bodies: dict[str | None, tuple[str, Callable[[Any], bool]]] = {}
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
        kind = type_of(resolved, self._schemas)
        item_kind = None
        if kind == "array":
            item, _ = self._schemas.deref(resolved.get("items"), None)
            item_kind = type_of(item, self._schemas) if isinstance(item, dict) else None
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
        if self.trivial:
            return UNCHECKED
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
        parsed, body_issues, as_json = self._validate_body(headers.get("Content-Type"), body)
        issues.extend(body_issues)
        return ValidatedRequest(tuple(issues), parsed, as_json)

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
            return _MISSING if raw is None else coerce(raw, param.kind)
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
                return [coerce(v, param.item_kind) for v in values]
            raw = query.get(param.name)
            return _MISSING if raw is None else coerce(raw, param.kind)
        if param.location == "header":
            raw = headers.get(param.name)
            if raw is None:
                return _MISSING
            if param.kind == "array":
                return [coerce(v.strip(), param.item_kind) for v in raw.split(",")]
            return coerce(raw, param.kind)
        if param.location == "cookie":
            raw = cookies.get(param.name)
            return _MISSING if raw is None else coerce(raw, param.kind)
        return _MISSING

    def _validate_body(self, content_type: str | None, body: bytes) -> tuple[Any, list[Issue], bool]:
        """The body's value, its issues, and whether it was read as JSON."""
        if not self._bodies:
            return None, [], False
        judged = self._json_bodies.get(content_type) if body else None
        if judged is None:
            return self._learned_body(content_type, body)
        # a JSON body under a Content-Type seen before: parse, one is_valid
        value, malformed = _parsed_json(body)
        if malformed:
            return None, malformed, False
        pointer, is_valid = judged
        value, issues = self._judged(pointer, value, is_valid)
        return value, issues, True

    def _learned_body(self, content_type: str | None, body: bytes) -> tuple[Any, list[Issue], bool]:
        """``_validate_body`` for a body under a Content-Type not seen before (learned if JSON), a form,
        binary, or none."""
        actual = media_type_of(content_type)
        if not body:
            declared_binary = actual and any(
                media_matches(b.media_type, actual)
                and not is_json(b.media_type)
                and "form" not in b.media_type
                for b in self._bodies
            )
            if self.body_required and not declared_binary:  # zero bytes are a valid binary payload
                return None, [Issue("body", "", "a request body is required")], False
            return None, [], False
        declared = next((b for b in self._bodies if media_matches(b.media_type, actual)), None)
        if declared is None:
            if not actual and any(is_json(b.media_type) for b in self._bodies):
                declared = next(b for b in self._bodies if is_json(b.media_type))
            else:
                allowed = ", ".join(b.media_type for b in self._bodies)
                expected = f"unsupported content type {actual or '(none)'!r}; expected {allowed}"
                return None, [Issue("content-type", "", expected)], False
        as_json = is_json(declared.media_type) or (declared.media_type == "*/*" and is_json(actual))
        if as_json:
            # Learned only for a declared JSON media type: under ``*/*`` a form-like retry may still apply.
            if (
                is_json(declared.media_type)
                and declared.pointer is not None
                and len(self._json_bodies) < _CONTENT_TYPES
            ):
                validator = self._schemas.validator(declared.pointer, formats=True)
                self._json_bodies[content_type] = (declared.pointer, validator.is_valid)
            value, malformed = _parsed_json(body)
            if malformed:
                return None, malformed, False
        elif declared.media_type == "multipart/form-data":
            value = self._form(parse_multipart(content_type or "", body), declared)
            if value is None:
                return None, [Issue("body", "", "malformed multipart/form-data body")], False
        elif declared.media_type == "application/x-www-form-urlencoded":
            pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            value = self._form(pairs, declared)
        else:
            return body, [], False
        if declared.pointer is None:
            return value, [], as_json
        if (
            isinstance(value, dict)
            and not is_json(declared.media_type)
            and not self._schemas.is_valid(declared.pointer, value, formats=True)
        ):
            nulled = {k: None if v == "null" else v for k, v in value.items()}
            if self._schemas.is_valid(declared.pointer, nulled, formats=True):
                return nulled, [], as_json
        value, issues = self._judged(
            declared.pointer, value, self._schemas.validator(declared.pointer, formats=True).is_valid
        )
        return value, issues, as_json

    def _judged(self, pointer: str, value: Any, is_valid: Callable[[Any], bool]) -> tuple[Any, list[Issue]]:
        """``value`` with no issues when its schema accepts it (one ``is_valid``: the common case, and
        cheaper), else with the first errors, each an issue at its place in the body."""
        try:
            if is_valid(value):
                return value, []
            errors = self._schemas.errors(pointer, value, formats=True, limit=3)
        except UnicodeEncodeError:  # JSON may spell a lone surrogate ("\ud800"): no character of Unicode
            return value, [Issue("body", "", _SURROGATE)]
        return value, [Issue("body", error.path, error.message) for error in errors]

    @staticmethod
    def _form(pairs: list[tuple[str, Any]] | None, declared: _Body) -> dict[str, Any] | None:
        if pairs is None:
            return None
        out: dict[str, Any] = {}
        for sent, raw in pairs:
            # ``name[]`` (repeated) is one item of the list ``name`` each time: how the openai SDK, PHP and
            # Rails send a list in a form (``timestamp_granularities[]``); the last one alone was kept
            name = sent[:-2] if sent.endswith("[]") and len(sent) > 2 else sent
            kind, item_kind = declared.properties.get(name, (None, None))
            if name != sent and kind is None:
                kind, item_kind = "array", None
            if kind == "array" and not isinstance(raw, str) and not isinstance(raw, list):
                out[name] = raw  # a typed (JSON) part is the whole value, not one item of it
            elif kind == "array":
                coerced = coerce(raw, "array") if isinstance(raw, str) else raw
                held = out.get(name, [])  # ``name`` sent alone before ``name[]``: its value is an item too
                items = out[name] = held if isinstance(held, list) else [held]
                if isinstance(coerced, list):
                    items.extend(coerced)
                else:
                    items.append(coerce(raw, item_kind))
            else:
                out[name] = coerce(raw, kind) if isinstance(raw, str) else raw
        return out


def _parsed_json(body: bytes) -> tuple[Any, list[Issue]]:
    """A JSON body's value, or the issue that it is malformed (bad JSON, too deep, not UTF-8)."""
    try:
        return loads(body), []
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [Issue("body", "", f"malformed JSON: {exc}")]


_MISSING: Any = object()
_CONTENT_TYPES = 64  # distinct Content-Type values learned per operation (more are judged the long way)
UNCHECKED = ValidatedRequest(())  # what a request to an operation with nothing to check is
