"""What the spec forbids of a request: the client's problems, judged apart from the gateway's.

A request to a path or method the spec does not document, a required parameter left out or a
value its schema refuses, a body that is missing, sent as an undocumented media type, or (for
JSON) invalid against the request body schema. Plain parameter values are read the way ``verify``
reads what reached a server (``conformance.wire.values_valid``); schemas behind a ``$ref`` that
it cannot follow are not judged rather than guessed at. A parameter whose wire form is a
serialization (``content``-typed, a non-default ``style``/``explode``, an object, an array outside the
query, a cookie) is read by openapi-core, the reference reader (``spec/reference.py``), since
reading it as plain text would call a well-formed value wrong.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from gatewright.conformance.adapter import CheckFailure
from gatewright.conformance.checks import (
    REQUEST_BODY_CONFORMANCE,
    REQUEST_DOCUMENTED,
    REQUEST_PARAMETERS_CONFORMANCE,
)
from gatewright.conformance.wire import values_valid
from gatewright.proxy.models import Observed
from gatewright.proxy.routing import Route
from gatewright.spec import Spec
from gatewright.spec.media import is_json, media_matches, media_type_of
from gatewright.spec.reference import CannotJudge, Problem, ReferenceValidator, WireRequest
from gatewright.spec.validation import DocumentValidators, describe

_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
DOCUMENTED = REQUEST_DOCUMENTED.id
PARAMETERS = REQUEST_PARAMETERS_CONFORMANCE.id
BODY = REQUEST_BODY_CONFORMANCE.id
CHECKS = (PARAMETERS, BODY)  # what a request to a documented operation is judged for


def undocumented(exchange: Observed, path_known: bool) -> CheckFailure:
    if path_known:
        return CheckFailure(
            DOCUMENTED, "Method not documented", f"the spec documents no {exchange.method} on this path"
        )
    return CheckFailure(DOCUMENTED, "Path not documented", "no operation of the spec matches this path")


def _documented_media(media: str, documented: list[str]) -> bool:
    return any(media_matches(declared.lower(), media) for declared in documented)


class RequestJudge:
    def __init__(self, spec: Spec, validators: DocumentValidators) -> None:
        self.spec = spec
        self.validators = validators
        self.reference = ReferenceValidator(spec.document)

    def judge(self, route: Route, exchange: Observed) -> list[CheckFailure]:
        return self._parameters(route, exchange) + self._body(route, exchange)

    def _parameters(self, route: Route, exchange: Observed) -> list[CheckFailure]:
        query = urllib.parse.parse_qs(exchange.query, keep_blank_values=True)
        failures: list[CheckFailure] = []
        serialized: set[tuple[str, str]] = set()
        for parameter in route.operation.parameters:
            name, where = str(parameter.get("name")), parameter.get("in")
            if self._serialized(parameter):
                serialized.add((str(where), name.lower() if where == "header" else name))
                continue
            if where == "path":
                values = [route.params[name]] if name in route.params else []
            elif where == "query":
                values = query.get(name, [])
            elif where == "header":
                values = [v for k, v in exchange.request_headers if k.lower() == name.lower()]
            else:
                continue
            if not values:
                if parameter.get("required"):
                    failures.append(
                        CheckFailure(PARAMETERS, "Required parameter missing", f"{where} parameter {name!r}")
                    )
                continue
            schema = self.spec.deref(parameter.get("schema"))
            if schema is None or "$ref" in json.dumps(schema):
                continue
            if not values_valid(self.spec.document, schema, values):
                shown = ", ".join(repr(v[:80]) for v in values[:3])
                failures.append(
                    CheckFailure(
                        PARAMETERS, "Parameter value not allowed", f"{where} parameter {name!r}: {shown}"
                    )
                )
        if serialized:
            failures.extend(self._read_by_reference(route, exchange, serialized))
        return failures

    def _serialized(self, parameter: dict[str, Any]) -> bool:
        """Whether the parameter's wire form is a serialization only a full reader reads right."""
        where = str(parameter.get("in"))
        if "content" in parameter or where == "cookie":
            return True
        default = _DEFAULT_STYLE.get(where)
        style = parameter.get("style", default)
        if style != default or parameter.get("explode", style == "form") != (style == "form"):
            return True
        schema = self.spec.deref(parameter.get("schema"))
        kind = schema.get("type") if isinstance(schema, dict) else None
        return kind == "object" or (kind == "array" and where != "query")

    def _read_by_reference(
        self, route: Route, exchange: Observed, serialized: set[tuple[str, str]]
    ) -> list[CheckFailure]:
        operation = route.operation
        wire = WireRequest(
            method=operation.method,
            template=operation.path,
            path_params=route.params,
            query=urllib.parse.parse_qsl(exchange.query, keep_blank_values=True),
            headers=exchange.request_headers,
            cookies=_cookies(exchange),
        )
        try:
            problems = self.reference.parameter_problems(wire)
        except CannotJudge:  # openapi-core failed on this request: not judged rather than guessed at
            return []
        return [_failure(p) for p in problems if (p.location, _key(p)) in serialized]

    def _body(self, route: Route, exchange: Observed) -> list[CheckFailure]:
        raw = route.operation.definition.get("requestBody")
        body = exchange.request_body
        if raw is None:
            return []
        request_body = self.spec.deref(raw)
        content: dict[str, Any] = request_body.get("content", {})
        if body.size == 0:
            if request_body.get("required"):
                return [CheckFailure(BODY, "Required body missing", "the request has no body")]
            return []
        media = media_type_of(exchange.request_header("content-type"))
        if content and not _documented_media(media, list(content)):
            return [
                CheckFailure(
                    BODY,
                    "Undocumented request Content-Type",
                    f"sent {media or '(none)'}; documented: {', '.join(content)}",
                )
            ]
        schema = (content.get(media) or {}).get("schema")
        if schema is None or not is_json(media) or body.truncated:
            return []
        try:
            value = json.loads(bytes(body.data))
        except ValueError as exc:
            return [CheckFailure(BODY, "Request body is not JSON", f"declared {media}: {exc}")]
        errors = self.validators.errors(schema, value)
        if not errors:
            return []
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return [CheckFailure(BODY, "Request body violates schema", describe(errors[0]) + more)]


def _key(problem: Problem) -> str:
    return problem.name.lower() if problem.location == "header" else problem.name


def _failure(problem: Problem) -> CheckFailure:
    where = f"{problem.location} parameter {problem.name!r}"
    if problem.missing:
        return CheckFailure(PARAMETERS, "Required parameter missing", where)
    return CheckFailure(PARAMETERS, "Parameter value not allowed", f"{where}: {problem.message}")


def _cookies(exchange: Observed) -> dict[str, str]:
    """The request's cookies (``name=value`` pairs of its ``Cookie`` headers)."""
    cookies: dict[str, str] = {}
    for header, value in exchange.request_headers:
        if header.lower() == "cookie":
            for pair in value.split(";"):
                name, _, content = pair.strip().partition("=")
                if name:
                    cookies.setdefault(name, content)
    return cookies
