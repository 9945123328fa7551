"""The mock's request validation against openapi-core, the independent reference (``spec/reference.py``).

For every operation of the five canonical specs, hypothesis draws requests from schemathesis's
positive and negative strategies, serializes each as ``requests`` would send it, routes it with the
mock's router, and asks both the mock's ``RequestValidator`` and openapi-core one question: is this
request valid? They must agree. Where they do not and the mock is right, ``KNOWN`` says so: each
entry names what differs exactly (the error openapi-core gives and the request part it is about),
and the operations when the difference comes from one spot of one spec. A disagreement no entry
explains fails the test with the request and both verdicts.

The example count per operation is ``GATEWRIGHT_DIFFERENTIAL_EXAMPLES``: unset, 2 per operation and
derandomized (the CI run, repeatable); set (``nox -s differential`` sets 50), random draws that
explore further.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy
from openapi_core.deserializing.styles.exceptions import EmptyQueryParameterValue
from openapi_core.validation.request.exceptions import MissingRequiredRequestBody
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_schema_validator import OAS31Validator
from schemathesis import GenerationMode

from gatewright.mock.operations import MockApi, compile_api
from gatewright.mock.validation import Issue
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.reference import CannotJudge, Problem, ReferenceValidator, WireRequest
from gatewright.spec.routing import RouteMatch

# hypothesis requests for every operation, checked against openapi-core (also: nox -s differential)
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("GATEWRIGHT_DIFFERENTIAL_EXAMPLES") or 2)
BASE_URL = "http://mock.invalid"
_REQUEST_ARGS = ("method", "url", "headers", "files", "data", "params", "cookies", "json")


@dataclass(frozen=True, slots=True)
class Sent:
    """One drawn request, the way both validators see it."""

    api: MockApi
    operation_id: str
    wire: WireRequest
    url: str

    def media(self) -> str:
        return self.wire.content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Known:
    """A disagreement understood: openapi-core refuses what the mock (rightly) accepts.

    ``explains`` sees one thing openapi-core refused: the problem, and one of the schema's errors in it
    (None for a problem that is not a schema's: a missing or empty value). ``operations`` empty: the
    difference is openapi-core's general reading, bounded by ``explains`` alone.
    """

    reason: str
    explains: Callable[[Sent, Problem, Any], bool]
    operations: frozenset[str] = frozenset()

    def covers(self, sent: Sent, problem: Problem, error: Any) -> bool:
        in_scope = not self.operations or f"{sent.api.name}.{sent.operation_id}" in self.operations
        return in_scope and self.explains(sent, problem, error)


@dataclass(frozen=True, slots=True)
class KnownCrash:
    """openapi-core raising instead of judging: ``exception`` (its type name) where ``applies``."""

    reason: str
    exception: str
    applies: Callable[[Sent, list[Issue]], bool]
    operations: frozenset[str] = frozenset()

    def covers(self, sent: Sent, issues: list[Issue], failure: CannotJudge) -> bool:
        in_scope = not self.operations or f"{sent.api.name}.{sent.operation_id}" in self.operations
        return in_scope and type(failure.__cause__).__name__ == self.exception and self.applies(sent, issues)


def _schema_errors(problem: Problem) -> list[Any]:
    cause = problem.error.__cause__
    return list(cause.schema_errors) if isinstance(cause, InvalidSchemaValue) else []


def _empty_value_the_schema_accepts(sent: Sent, problem: Problem, error: Any) -> bool:
    if not isinstance(problem.error.__cause__, EmptyQueryParameterValue):
        return False
    validator = sent.api.operations[sent.operation_id].validator
    pointer = validator.param_pointer(problem.name, "query")
    sent_empty = (problem.name, "") in sent.wire.query
    return sent_empty and pointer is not None and sent.api.schemas.is_valid(pointer, "", formats=True)


def _binary_as_bytes(sent: Sent, problem: Problem, error: Any) -> bool:
    binary = sent.media() in ("application/octet-stream", "multipart/form-data")
    return binary and error is not None and isinstance(error.instance, bytes)


def _form_text_uncast(sent: Sent, problem: Problem, error: Any) -> bool:
    return (
        sent.media() == "multipart/form-data"
        and error is not None
        and isinstance(error.instance, str)
        and error.validator == "type"
        and len(error.absolute_path) == 1  # a part: a top-level field
    )


def _json_part_for_an_array(sent: Sent, problem: Problem, error: Any) -> bool:
    """Item ``n`` of a top-level field is an array where an item belongs."""
    return (
        sent.media() == "multipart/form-data"
        and error is not None
        and isinstance(error.instance, list)
        and len(error.absolute_path) == 2
        and isinstance(error.absolute_path[1], int)
    )


def _discriminator_value_not_mapped(sent: Sent, problem: Problem, error: Any) -> bool:
    message = str(getattr(error, "message", ""))
    return "reference '#/components/schemas/" in message and "could not be resolved" in message


def _discriminator_property_absent(sent: Sent, problem: Problem, error: Any) -> bool:
    schema = getattr(error, "schema", None)
    discriminator = schema.get("discriminator") if isinstance(schema, dict) else None
    return (
        isinstance(discriminator, dict)
        and isinstance(error.instance, dict)
        and discriminator.get("propertyName") not in error.instance
    )


def _untyped_array_parameter(sent: Sent, problem: Problem, error: Any) -> bool:
    """A query parameter whose schema has no ``type`` but an array branch, refused as a single value."""
    if problem.location != "query" or not isinstance(
        problem.error.__cause__, InvalidSchemaValue | EmptyQueryParameterValue
    ):
        return False
    pointer = sent.api.operations[sent.operation_id].validator.param_pointer(problem.name, "query")
    schema = sent.api.schemas.resolve(pointer) if pointer is not None else {}
    branches = [sent.api.schemas.deref(b, None)[0] for b in schema.get("anyOf", [])]
    return "type" not in schema and any(branch.get("type") == "array" for branch in branches)


def _zero_byte_binary_body(sent: Sent, problem: Problem, error: Any) -> bool:
    return (
        isinstance(problem.error, MissingRequiredRequestBody)
        and not sent.wire.body
        and sent.media() == "application/octet-stream"
    )


KNOWN = (
    Known(
        "openapi-core refuses a query parameter sent empty (`?cursor=`) unless it declares the deprecated "
        "`allowEmptyValue`; the mock judges the empty string by the parameter's schema, as schemathesis's "
        "positive cases (and most servers) do. Only parameters whose schema accepts '' are excused.",
        _empty_value_the_schema_accepts,
    ),
    Known(
        "openapi-core 0.23 hands a binary payload (an application/octet-stream body, a multipart file part, "
        "a part with no `type`) to the schema as bytes, which `type: string` (`format: binary`, "
        "`contentMediaType`) refuses: a JSON Schema validator has no bytes. Only errors about bytes values.",
        _binary_as_bytes,
    ),
    Known(
        "openapi-core reads every multipart text part as a string and never as its property's type "
        "(`'8' is not of type 'integer'`); OpenAPI's form encoding carries every value as text, which the "
        "mock reads as the property's type. Only `type` errors on the text of a top-level part.",
        _form_text_uncast,
    ),
    Known(
        "A multipart part sent as application/json (`content: [{}]`) for an array property: openapi-core "
        "takes each part for one item (repeated parts make the array), so the JSON array becomes an item "
        "of itself; the mock takes a JSON part for the whole value, as JSON-sending clients mean it.",
        _json_part_for_an_array,
        frozenset(
            {"voxvey.createVideo", "voxvey.editVideo", "voxvey.extendVideo", "voxvey.createVideoGeneration"}
        ),
    ),
    Known(
        "The request body is a oneOf with a discriminator whose mapping lists some `model` values only in "
        "a nested oneOf (`wan2.6-t2i`, `wan2.6-image`, `happyhorse-1.0-t2v`, ...). openapi-core takes an "
        "unmapped value as an implicit schema name (`#/components/schemas/<value>`) and fails to resolve it; "
        "JSON Schema validation (and OpenAPI 3.1.1: the discriminator is a hint) accepts the body.",
        _discriminator_value_not_mapped,
        frozenset({"imarouter.createImageGenerationTask", "imarouter.createImaProVideoTask"}),
    ),
    Known(
        "A body leaves out the discriminator property where the schema it would name does not require it "
        "(`response_format: {}`; `ResponseFormatText` defaults `type` to 'text'). OpenAPI 3.1 leaves that "
        "case undefined; openapi-core refuses it, JSON Schema (the mock) accepts the branch that fits.",
        _discriminator_property_absent,
    ),
    Known(
        "`status` and `capability` are exploded form arrays whose schema is `anyOf: [array, null]` with no "
        "`type` of its own; openapi-core then reads `?status=a&status=b` as the single string 'a' (it picks "
        "a style reader by `type`), which the anyOf refuses, and `?status=` as an empty value. The mock "
        "reads the repeats as the array (`['a', 'b']`, `['']`).",
        _untyped_array_parameter,
        frozenset({"beatra.list_tasks_v1_tasks_get"}),
    ),
    Known(
        "A required application/octet-stream body of zero bytes: openapi-core takes an empty body for no "
        "body at all; the mock takes it for the empty payload, which `type: string, format: binary` allows.",
        _zero_byte_binary_body,
    ),
)

KNOWN_CRASHES = (
    KnownCrash(
        'openapi-core\'s multipart reader asserts that every part has a plain `name="..."`; one without '
        "(or with an RFC 2231 `name*=`) ends in AssertionError. The mock reads the part or refuses the body.",
        "AssertionError",
        lambda sent, issues: sent.media() == "multipart/form-data",
    ),
    KnownCrash(
        'A discriminator property sent as a list or an object (`"type": [null]`): openapi-core looks the '
        "value up in the mapping and fails (`unhashable type`). The mock refuses the body, as it must.",
        "TypeError",
        lambda sent, issues: bool(issues),
        frozenset(
            {
                "beatra.chat_completions_v1_chat_completions_post",
                "beatra.images_i2i_v1_images_image_to_image_post",
                "beatra.ref_audio_to_music_v1_music_reference_audio_to_music_post",
                "imarouter.createImageGenerationTask",
                "imarouter.klingUnifiedVideoGeneration",
                "imarouter.createImaProVideoTask",
            }
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class KnownStricter:
    """The other way round: the mock refuses, for a reason openapi-core does not judge (``explains``
    sees one of the mock's issues)."""

    reason: str
    explains: Callable[[Sent, Issue], bool]
    operations: frozenset[str] = frozenset()

    def covers(self, sent: Sent, issue: Issue) -> bool:
        in_scope = not self.operations or f"{sent.api.name}.{sent.operation_id}" in self.operations
        return in_scope and self.explains(sent, issue)


# The formats openapi-core's OAS 3.1 validator checks; any other ``format`` passes there unchecked.
CHECKED_FORMATS = frozenset(OAS31Validator.FORMAT_CHECKER.checkers)
_FORMAT_REFUSAL = re.compile(r' is not a "([^"]+)"\Z')


def _format_openapi_core_does_not_check(sent: Sent, issue: Issue) -> bool:
    refused = _FORMAT_REFUSAL.search(issue.message)
    return refused is not None and refused.group(1) not in CHECKED_FORMATS


def _json_part_not_an_array(sent: Sent, issue: Issue) -> bool:
    top_level = issue.where.count("/") == 1
    return sent.media() == "multipart/form-data" and top_level and issue.message.endswith('of type "array"')


KNOWN_STRICTER = (
    KnownStricter(
        "A `format` openapi-core's OAS 3.1 checker does not know (`uri` above all: jsonschema checks it "
        "only with the optional rfc3987 package, which openapi-core does not install): its 'valid' says "
        "nothing about the value the mock refuses (`'' is not a \"uri\"`).",
        _format_openapi_core_does_not_check,
    ),
    KnownStricter(
        "The mirror of the multipart JSON-part entry above: a part `content: {}` for an array property is "
        "one item to openapi-core (so `[{}]`, valid), the whole value to the mock (not an array).",
        _json_part_not_an_array,
        frozenset(
            {"voxvey.createVideo", "voxvey.editVideo", "voxvey.extendVideo", "voxvey.createVideoGeneration"}
        ),
    ),
)


@functools.cache
def _api(api_id: str) -> tuple[MockApi, Any, ReferenceValidator]:
    spec = load_spec(api_id)
    document = copy.deepcopy(spec.document)
    document["servers"] = [{"url": BASE_URL}]
    schema = schemathesis.openapi.from_dict(document)
    schema.config.generation.update(with_security_parameters=False)  # credentials are not validation
    return compile_api(spec, api_id, "", seed=0), schema, ReferenceValidator(spec.document)


def _operations() -> list[tuple[str, str]]:
    return [(api_id, op.operation_id) for api_id in API_IDS for op in load_spec(api_id).operations]


def _sent(api: MockApi, operation_id: str, case: Any) -> Sent | None:
    """The case as it goes over the wire, routed; None when it cannot be sent or routes elsewhere."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    try:
        prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in _REQUEST_ARGS}).prepare()
    except (ValueError, TypeError, UnicodeError):  # e.g. a header value requests will not send
        return None
    url = urllib.parse.urlsplit(str(prepared.url))
    match = api.router.match(str(prepared.method), url.path)
    if not isinstance(match, RouteMatch) or match.operation_id != operation_id:
        return None  # a path parameter that reads as another route: routing, not validation
    body = prepared.body or b""
    headers = [(name, _latin1(value)) for name, value in prepared.headers.items()]  # as a server reads them
    operation = api.operations[operation_id].operation
    wire = WireRequest(
        method=operation.method,
        template=operation.path,
        path_params=dict(match.params),
        query=urllib.parse.parse_qsl(url.query, keep_blank_values=True),
        headers=headers,
        cookies={str(k): str(v) for k, v in (kwargs.get("cookies") or {}).items()},
        body=body.encode() if isinstance(body, str) else bytes(body) if isinstance(body, bytes) else b"",
        content_type=next((value for name, value in headers if name.lower() == "content-type"), ""),
    )
    return Sent(api, operation_id, wire, str(prepared.url))


def _latin1(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _mock_issues(sent: Sent) -> list[Issue]:
    wire = sent.wire
    validator = sent.api.operations[sent.operation_id].validator
    try:
        validated = validator.validate(
            wire.path_params,
            MultiDictProxy(MultiDict(wire.query)),
            CIMultiDictProxy(CIMultiDict(wire.headers)),
            wire.cookies,
            wire.body,
        )
    except RecursionError:  # the pipeline answers these as invalid too
        return [Issue("body", "", "nested too deeply")]
    return list(validated.issues)


def _verdicts(sent: Sent, reference: ReferenceValidator) -> str | None:
    """None when the two agree (or differ in a known way); else what differs, to show."""
    issues = _mock_issues(sent)
    mine = [issue.describe()[:400] for issue in issues]
    try:
        problems = reference.parameter_problems(sent.wire) + reference.body_problems(sent.wire)
    except CannotJudge as failure:
        if any(crash.covers(sent, issues, failure) for crash in KNOWN_CRASHES):
            return None
        return f"{failure}\nmock: {mine or 'valid'}"
    if bool(issues) == bool(problems):
        return None
    if not issues and all(_explained(sent, problem) for problem in problems):
        return None
    if not problems and all(any(k.covers(sent, issue) for k in KNOWN_STRICTER) for issue in issues):
        return None
    theirs = [f"{p.location} {p.name}: {p.message}"[:400] for p in problems]
    return f"mock: {mine or 'valid'}\nopenapi-core: {theirs or 'valid'}"


def _explained(sent: Sent, problem: Problem) -> bool:
    """Whether every schema error of ``problem`` (or the problem itself, when none) has a known cause."""
    return all(
        any(known.covers(sent, problem, error) for known in KNOWN)
        for error in _schema_errors(problem) or [None]
    )


@pytest.mark.parametrize(("api_id", "operation_id"), _operations())
def test_the_mock_and_openapi_core_agree_on_validity(api_id: str, operation_id: str) -> None:
    api, schema, reference = _api(api_id)
    operation = schema.find_operation_by_id(operation_id)
    drawn = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=drawn)
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        derandomize="GATEWRIGHT_DIFFERENTIAL_EXAMPLES" not in os.environ,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    def agree(case: Any) -> None:
        sent = _sent(api, operation_id, case)
        if sent is None:
            return
        differs = _verdicts(sent, reference)
        body = sent.wire.body[:300]
        assert differs is None, f"{sent.wire.method} {sent.url}\n{sent.wire.content_type} {body!r}\n{differs}"

    agree()


def test_every_known_operation_exists() -> None:
    """An entry outliving its operation would excuse nothing and hide that the spec moved on."""
    ids = {f"{api_id}.{operation_id}" for api_id, operation_id in _operations()}
    for known in (*KNOWN, *KNOWN_CRASHES, *KNOWN_STRICTER):
        assert known.operations <= ids, known.operations - ids
