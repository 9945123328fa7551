"""openapi-core as the independent reference reading of a request against its operation.

gatewright's stages read requests with code of their own: the mock's validator, the proxy's client
checks. openapi-core is a second implementation of the same rules written by other people, the
parameter serialization ones above all (``style``/``explode``, ``deepObject``, ``content``-typed
parameters, media types). Two uses: the differential test holds the mock's validator to it
(``tests/integration/test_validation_differential.py`` lists where the two differ on purpose), and
the proxy judges the parameters only a full serialization reader can read through it.

A request is given as it reached the server (``WireRequest``: decoded path parameters, the query
and header pairs, the body bytes), and judged against the operation its method and path template
name. Security is not judged here: credentials are every stage's own business.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema_path import SchemaPath
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.templating.paths.iterators import SimplePathsIterator, SimpleServersIterator
from openapi_core.validation.request import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V31RequestBodyValidator,
    V31RequestParametersValidator,
    V32RequestBodyValidator,
    V32RequestParametersValidator,
)
from openapi_core.validation.request.exceptions import (
    MissingRequestBody,
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from werkzeug.datastructures import Headers, ImmutableMultiDict

_VALIDATORS = {
    "3.0": (V30RequestParametersValidator, V30RequestBodyValidator),
    "3.1": (V31RequestParametersValidator, V31RequestBodyValidator),
    "3.2": (V32RequestParametersValidator, V32RequestBodyValidator),
}


class _TemplatePathFinder(APICallPathFinder):
    """Find the operation by its path template, exactly, whatever the ``servers`` say.

    The caller has routed the request already (the spec layer's router, the one the mock and the proxy
    share); openapi-core's own matching would redo it and may pick another template that merely ends
    the same way.
    """

    paths_iterator = SimplePathsIterator("paths")
    servers_iterator = SimpleServersIterator()


@dataclass(frozen=True, slots=True)
class WireRequest:
    """A request as a server received it, already routed to ``method`` ``template``."""

    method: str
    template: str
    path_params: Mapping[str, str] = field(default_factory=dict)  # percent-decoded
    query: Sequence[tuple[str, str]] = ()  # decoded pairs, in order, repeats kept
    headers: Sequence[tuple[str, str]] = ()
    cookies: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing openapi-core refuses: where (``path``/``query``/``header``/``cookie``/``body``) and why."""

    location: str
    name: str  # the parameter's name; "" for the body
    message: str
    error: Exception  # openapi-core's own, for callers that tell kinds apart
    missing: bool = False  # a required parameter or body left out (else a value refused)


class CannotJudge(Exception):
    """openapi-core failed on the request itself (a crash of its own, not a verdict)."""


class ReferenceValidator:
    """openapi-core's validators for one document, built once (each request is then a lookup)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        version = str(document.get("openapi", "3.1"))[:3]
        parameters, body = _VALIDATORS.get(version, _VALIDATORS["3.1"])
        spec = SchemaPath.from_dict(dict(document))
        self._parameters = parameters(spec, path_finder_cls=_TemplatePathFinder)
        self._body = body(spec, path_finder_cls=_TemplatePathFinder)

    def parameter_problems(self, request: WireRequest) -> list[Problem]:
        """What openapi-core refuses in the request's path, query, header and cookie parameters."""
        return [_problem(error) for error in self._errors(self._parameters, request)]

    def body_problems(self, request: WireRequest) -> list[Problem]:
        """What openapi-core refuses in the request body (an optional body left out is fine)."""
        return [
            _problem(error)
            for error in self._errors(self._body, request)
            if type(error) is not MissingRequestBody  # optional and absent; a *required* one stays
        ]

    @staticmethod
    def _errors(validator: Any, request: WireRequest) -> list[Exception]:
        wire = _OpenApiCoreRequest(request)
        try:
            with warnings.catch_warnings():  # its deprecation notes (allowEmptyValue, ...) are not verdicts
                warnings.simplefilter("ignore", DeprecationWarning)
                return list(validator.iter_errors(wire))
        except Exception as exc:
            raise CannotJudge(f"openapi-core failed: {type(exc).__name__}: {exc}"[:300]) from exc


class _OpenApiCoreRequest:
    """A ``WireRequest`` as openapi-core's request protocol (with a path pattern) reads one; werkzeug's
    multi-dicts because openapi-core asks them for ``getlist`` (it writes path parameters back)."""

    host_url = ""  # with the template as the path pattern, the template is the whole URL

    def __init__(self, request: WireRequest) -> None:
        self.path = self.path_pattern = request.template
        self.method = request.method.lower()
        self.body = request.body
        self.content_type = request.content_type
        self.parameters = RequestParameters(
            path=_path_keys(request.path_params),
            query=ImmutableMultiDict(list(request.query)),
            header=Headers(list(request.headers)),
            cookie=ImmutableMultiDict(list(request.cookies.items())),
        )


def _path_keys(params: Mapping[str, str]) -> dict[str, str]:
    """Each path value also under the keys openapi-core's label and matrix readers look up.

    Those read RFC 6570 names (``.id``/``.id*`` for ``style: label``, ``;id``/``;id*`` for ``matrix``)
    where the value is the whole segment (``.7``, ``;id=7``), which is what routing captured.
    """
    keys = {}
    for name, value in params.items():
        for key in (name, f".{name}", f".{name}*", f";{name}", f";{name}*"):
            keys[key] = value
    return keys


def _problem(error: Exception) -> Problem:
    missing = isinstance(error, MissingRequiredParameter | MissingRequiredRequestBody)
    if isinstance(error, ParameterValidationError):
        return Problem(error.location, error.name, _describe(error), error, missing)
    return Problem("body", "", _describe(error), error, missing)


def _describe(error: Exception) -> str:
    """openapi-core's message, with the schema's own reasons when a value failed one (not the value)."""
    cause = error.__cause__
    if isinstance(cause, InvalidSchemaValue):
        where = str(error) if isinstance(error, ParameterValidationError) else "Invalid request body"
        return f"{where}: " + "; ".join(getattr(e, "message", "") for e in list(cause.schema_errors)[:3])
    if isinstance(error, ParameterValidationError) and cause is not None:
        return f"{error}: {_text(cause)}"
    return _text(error)  # a body error's own message names its cause


def _text(error: BaseException) -> str:
    """``str`` of an openapi-core error, which itself fails on some values (a non-UTF-8 body)."""
    try:
        return str(error)[:500]
    except Exception:
        return type(error).__name__
