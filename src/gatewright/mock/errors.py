"""Error bodies in each API's own envelope.

For an operation and status the schema comes from, in order: the operation's
documented response for that status (exact, ``4XX``, ``default``), its nearest
documented 4xx response, the API's most common error schema, and finally the
OpenAI envelope ``{"error": {"message", "type", "code"}}`` (Anthropic's
``{"type": "error", "error": {...}}`` on ``/messages``). The body is generated
from that schema and its message fields filled; it is kept only if it still
validates. A refusal's ``details`` (Anthropic's machine-readable cause, ``{"error_code": ...}``, which
the anthropic SDK reads from ``error.details``) go beside the message, where the schema allows them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gatewright.mock.generate import Generator
from gatewright.mock.negotiation import ResponseSpec, choose_media, find_response
from gatewright.mock.schemas import SchemaSet

if TYPE_CHECKING:
    from gatewright.mock.extensions import Refused
    from gatewright.mock.operations import MockOperation

_KINDS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "request_too_large",
    415: "invalid_request_error",
    422: "invalid_request_error",
    408: "timeout_error",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_CODE_WORDS = {
    400: ("bad_request", "invalid_request", "invalid"),
    401: ("unauthorized", "authentication", "invalid_api_key"),
    403: ("forbidden", "permission"),
    404: ("not_found",),
    409: ("conflict",),
    413: ("too_large", "payload"),
    422: ("validation", "unprocessable", "bad_request", "invalid"),
    429: ("rate_limit",),
    408: ("timeout",),
    500: ("internal", "server_error", "api_error", "service_unavailable", "unavailable"),
    502: ("bad_gateway", "upstream", "service_unavailable", "unavailable"),
    503: ("service_unavailable", "unavailable", "overloaded"),
    504: ("timeout", "service_unavailable", "unavailable"),
    529: ("overloaded",),
}
# Where the same request may succeed if sent again (a ``retryable`` flag, as beatra and ipop define it:
# "If true, retrying the exact same request may succeed"): a timeout, a rate limit, the server's fault.
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504, 529})
_RETRY_KEYS = ("retryable", "retriable", "is_retryable", "should_retry")
# Said only where a retry may help (dropped beside ``retryable: false`` where the schema allows).
_RETRY_AFTER_KEYS = ("retry_after", "retry_after_seconds", "retry_after_ms")
_MESSAGE_KEYS = ("message", "detail", "msg", "error_message", "description", "error_description")


@dataclass(frozen=True, slots=True)
class ErrorBody:
    status: int
    content_type: str | None  # None with an empty body: a response documented without content
    body: bytes


def kind_for(status: int) -> str:
    return _KINDS.get(status, "invalid_request_error" if status < 500 else "api_error")


def common_error_pointer(schemas: SchemaSet, responses: Sequence[ResponseSpec]) -> str | None:
    """The error schema the API documents most often (by its ``$ref`` target when it has one)."""
    counts: Counter[str] = Counter()
    for response in responses:
        if response.key[:1] not in ("4", "5") and response.key != "default":
            continue
        media = choose_media(response.media, "application/json")
        if media is not None and media.schema_pointer is not None:
            node = schemas.resolve(media.schema_pointer)
            target = (
                node["$ref"][1:]
                if isinstance(node, dict) and isinstance(node.get("$ref"), str)
                else media.schema_pointer
            )
            counts[target] += 1
    return counts.most_common(1)[0][0] if counts else None


class ErrorRenderer:
    """Builds error responses for one API."""

    def __init__(
        self, schemas: SchemaSet, generator: Generator, common_pointer: str | None, *, api: str = ""
    ) -> None:
        self._api = api  # in every salt: two APIs' first errors are not one request either
        self._schemas = schemas
        self._generator = generator
        self._common = common_pointer
        self._rendered = 0  # errors generated so far: each body's salt (``reset`` starts again)

    def reset(self) -> None:
        self._rendered = 0

    def for_replica(self, replica: int) -> None:
        """Salt this replica's errors with its number: replicas of one seeded run count their errors
        apart, and replica 0 gives what a mock of its own gives."""
        if replica:
            self._api = f"{self._api}@{replica}"

    def for_operation(
        self,
        op: MockOperation,
        status: int,
        message: str,
        *,
        param: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> ErrorBody:
        """``status`` with ``message`` in the error envelope ``op`` documents for it (``render``)."""
        return self.render(
            op.responses, status, message, path=op.operation.path, param=param, details=details
        )

    def refusal(self, op: MockOperation, refused: Refused) -> ErrorBody:
        """A hook's ``Refused`` in ``op``'s envelope: what a direct call and a batch line both get."""
        return self.for_operation(
            op, refused.status, refused.message, param=refused.param, details=refused.details
        )

    def schema_for(self, responses: Sequence[ResponseSpec], status: int) -> str | None:
        response = find_response(responses, status)
        if response is None:
            family = [r for r in responses if r.key[:1] == "4" and r.key.isdigit()]
            if family:  # the operation's own error envelope (Anthropic's on /v1/messages), even for a 5xx
                response = min(family, key=lambda r: abs(int(r.key) - status))
        if response is not None:
            media = choose_media(response.media, "application/json")
            if media is not None and media.schema_pointer is not None and media.media_type.endswith("json"):
                return media.schema_pointer
            if response.key == str(status):
                return None  # documented without a body
        return self._common

    def render(
        self,
        responses: Sequence[ResponseSpec],
        status: int,
        message: str,
        *,
        path: str = "",
        param: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> ErrorBody:
        pointer = self.schema_for(responses, status)
        kind = kind_for(status)
        if pointer is None and find_response(responses, status) is not None:
            return ErrorBody(status, None, b"")
        if pointer is None:
            body = _with_details(_envelope(path, status, kind, message), details)  # (it has an ``error``)
            return ErrorBody(status, "application/json", json.dumps(body).encode())
        self._rendered += 1  # every error its own request id, the same ones again after a reset
        salt = f"error-{self._api}-{self._rendered}-{status}-{message}"
        generated = self._generator.generate(pointer, salt=salt, use_examples=False)
        code = enum_code(self._code_options(pointer), status)
        # Prefer filling every field; fall back to the generated code, then to a generated `param`
        # where the schema requires one but the request named none.
        for keep_code, drop_param in ((False, True), (True, True), (False, False), (True, False)):
            filled = _fill(
                generated, status, message, kind, param, code=code, keep_code=keep_code, drop_param=drop_param
            )
            if self._schemas.is_valid(pointer, filled, formats=True):
                generated = filled
                break
        if details:  # beside the message; in an envelope of our own where the schema's has no room for them
            bodies = (
                _with_details(body, details) for body in (generated, _envelope(path, status, kind, message))
            )
            valid = (
                body
                for body in bodies
                if body is not None and self._schemas.is_valid(pointer, body, formats=True)
            )
            generated = next(valid, generated)
        return ErrorBody(status, "application/json", json.dumps(generated).encode())

    def _code_options(self, pointer: str) -> list[Any]:
        node, _ = self._schemas.deref(self._schemas.resolve(pointer), pointer)
        for _ in range(2):
            if not isinstance(node, dict):
                return []
            properties = node.get("properties") or {}
            code, _ = self._schemas.deref(properties.get("code"), None)
            if isinstance(code, dict) and isinstance(code.get("enum"), list):
                return list(code["enum"])
            node, _ = self._schemas.deref(properties.get("error"), None)
        return []


def _envelope(path: str, status: int, kind: str, message: str) -> dict[str, Any]:
    """The error envelope of our own (no schema to fill): Anthropic's on ``/messages``, else OpenAI's."""
    if path.endswith("/messages"):
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": str(status)}}


def _with_details(body: Any, details: Mapping[str, Any] | None) -> Any:
    """``body`` with ``details`` in its ``error`` object, beside the message (Anthropic's ``error.details``,
    as the anthropic SDK reads it); ``body`` itself without details, None where it has no ``error``
    object to hold them."""
    if not details:
        return body
    error = body.get("error") if isinstance(body, dict) else None
    return {**body, "error": {**error, "details": dict(details)}} if isinstance(error, dict) else None


def _pick_code(current: Any, status: int, kind: str, code: Any) -> Any:
    if code is not None:
        return code
    if isinstance(current, bool):
        return current
    if isinstance(current, int):
        return status
    if isinstance(current, str):
        return kind if not current.isdigit() else str(status)
    return current


def _fill(
    value: Any,
    status: int,
    message: str,
    kind: str,
    param: str | None,
    *,
    code: Any,
    keep_code: bool,
    drop_param: bool = True,
    depth: int = 0,
) -> Any:
    if not isinstance(value, dict) or depth > 2:
        return value
    out = dict(value)
    for key in list(out):
        current = out[key]
        lowered = key.lower()
        if (lowered in _MESSAGE_KEYS and isinstance(current, str)) or (
            lowered == "error" and isinstance(current, str)
        ):
            out[key] = message
        elif (lowered == "error_type" or (lowered == "type" and depth > 0)) and isinstance(current, str):
            out[key] = kind
        elif (
            lowered in ("status", "status_code", "statuscode", "http_status")
            and isinstance(current, int)
            and not isinstance(current, bool)
        ):
            out[key] = status
        elif lowered in _RETRY_KEYS and isinstance(current, bool):
            out[key] = status in _RETRYABLE
        elif lowered in _RETRY_AFTER_KEYS and drop_param and status not in _RETRYABLE:
            del out[key]  # (kept, where the schema requires it, by the variants that drop nothing)
        elif lowered == "code" and not keep_code:
            out[key] = _pick_code(current, status, kind, code)
        elif lowered == "param" and (current is None or isinstance(current, str)) and param:
            out[key] = param
        elif lowered == "param" and drop_param and not param:
            del out[key]  # no parameter is at fault: say nothing rather than name a made-up one
        elif isinstance(current, dict):
            out[key] = _fill(
                current,
                status,
                message,
                kind,
                param,
                code=code,
                keep_code=keep_code,
                drop_param=drop_param,
                depth=depth + 1,
            )
    return out


def enum_code(options: Sequence[Any], status: int) -> Any:
    """The enum member that best names ``status`` (first member when none does)."""
    for word in _CODE_WORDS.get(status, ()):
        for option in options:
            if isinstance(option, str) and word in option.lower():
                return option
    return options[0] if options else None
