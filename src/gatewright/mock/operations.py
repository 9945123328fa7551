"""Everything the mock precomputes per operation and per API, once, at app creation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gatewright.mock.auth import AuthPolicy, compile_policy
from gatewright.mock.catalog import model_ids
from gatewright.mock.echo import RequestFields, request_fields_of
from gatewright.mock.errors import ErrorRenderer, common_error_pointer
from gatewright.mock.generate import Generator
from gatewright.mock.negotiation import Example, MediaSpec, ResponseSpec
from gatewright.mock.paging import Expand
from gatewright.mock.resources import ResourceRole, derive_roles, request_fields, request_schema
from gatewright.mock.schemas import SchemaSet
from gatewright.mock.validation import Issue, RequestValidator
from gatewright.spec.model import (
    ECHO_EXTENSION,
    EXPAND_EXTENSION,
    FILE_PURPOSE_EXTENSION,
    IDEMPOTENCY_EXTENSION,
    LIST_ORDER_EXTENSION,
    REASONING_EXTENSION,
    Operation,
    Spec,
)
from gatewright.spec.pointer import escape
from gatewright.spec.routing import Router, RouteSpec
from gatewright.spec.schemas import schema_at
from gatewright.spec.security import requirements
from gatewright.spec.tasks import TaskSpec


@dataclass(slots=True)
class MockOperation:
    operation: Operation
    auth: AuthPolicy
    validator: RequestValidator
    responses: tuple[ResponseSpec, ...]
    invalid_status: int  # what a request that fails validation gets
    resource: ResourceRole | None
    task: TaskSpec | None
    stream_media: tuple[str, ...] = ()
    idempotency: str | None = None  # the header of ``x-gatewright-idempotency``: one answer per key
    echoed_headers: tuple[str, ...] = ()  # request headers the answer restates (``echoed_headers``)
    body_cache: dict[Any, Any] = field(default_factory=dict)
    # The operation's, kept here: every stage of a request reads them.
    operation_id: str = field(init=False)
    wire: str | None = field(init=False)  # the wire family of its ``x-gatewright-compatible``
    query_names: tuple[str, ...] = field(init=False)  # the query parameters it declares
    expand: Expand | None = field(init=False)  # a list's ``x-gatewright-expand``: summaries unless asked
    # A chat's ``x-gatewright-reasoning-content``: the models whose answers show their chain of thought.
    thinking_models: tuple[re.Pattern[str], ...] = field(init=False)
    # Its ``x-gatewright-file-purpose``: (request field, the purpose the file it names was uploaded with).
    file_purposes: tuple[tuple[str, str], ...] = field(init=False)
    list_order: str | None = field(init=False)  # a list's ``x-gatewright-list-order``: asc or desc

    def __post_init__(self) -> None:
        self.operation_id = self.operation.operation_id
        self.wire = self.operation.compatible_wire
        self.query_names = tuple(
            str(p.get("name")) for p in self.operation.parameters if p.get("in") == "query"
        )
        self.expand = Expand.of(self.operation.definition.get(EXPAND_EXTENSION))
        reasoning = self.operation.definition.get(REASONING_EXTENSION)
        models = reasoning.get("models") if isinstance(reasoning, dict) else None
        self.thinking_models = tuple(re.compile(model) for model in models) if models else ()
        purposes = self.operation.definition.get(FILE_PURPOSE_EXTENSION)
        self.file_purposes = tuple(
            (name, purpose)
            for name, purpose in (purposes.items() if isinstance(purposes, dict) else ())
            if isinstance(purpose, str)
        )
        order = self.operation.definition.get(LIST_ORDER_EXTENSION)
        self.list_order = order if isinstance(order, str) else None

    def documents(self, status: int) -> bool:
        return any(r.key == str(status) for r in self.responses)

    def refusal(self, issues: Sequence[Issue]) -> tuple[int, str, str | None]:
        """The status, message and param of its refusal of a request with ``issues``: every issue
        named, the first one's status and parameter. One home for the pipeline's refusal of a request
        and a batch's refusal of a line, so a line gets what the same request sent directly gets."""
        first = issues[0]
        message = "; ".join(issue.describe() for issue in issues)
        param = first.where.lstrip("/") if first.location != "body" else (first.where.lstrip("/") or None)
        return self.refusal_status(first.location, first.where), message, param

    def refusal_status(self, location: str, where: str) -> int:
        """The status of a request refused for a value at ``where`` (a body pointer or parameter name).

        ``invalid_status`` (422 where documented, else 400), except that an OpenAI-compatible embeddings
        operation refuses a bad ``input`` (``[]``, ``""``) with OpenAI's own 400 where it documents one:
        what OpenAI answers, and what a gateway passing the request upstream relays.
        """
        if (
            location == "body"
            and (where == "/input" or where.startswith("/input/"))
            and self.wire == "openai-embeddings"
            and self.documents(400)
        ):
            return 400
        return self.invalid_status


@dataclass(slots=True)
class MockApi:
    """One served API: its spec, compiled operations, router, generator and error renderer."""

    name: str
    prefix: str  # "" at the root, else "/<name>"
    spec: Spec
    schemas: SchemaSet
    generator: Generator
    router: Router
    operations: dict[str, MockOperation]
    errors: ErrorRenderer
    error_responses: tuple[ResponseSpec, ...]  # the API's most common error schema as a response list

    def query_default(self, op: MockOperation, name: str) -> Any:
        """The default the spec declares for ``op``'s query parameter ``name`` (None: none declared)."""
        pointer = op.validator.param_pointer(name, "query")
        if pointer is None:
            return None
        schema, _ = self.schemas.deref(self.schemas.resolve(pointer), pointer)
        return schema.get("default") if isinstance(schema, dict) else None

    def list_order(self, op: MockOperation) -> Any:
        """The order ``op``'s list comes in where the request asks none: its ``order`` parameter's
        default where it declares one, else the order its prose states (``x-gatewright-list-order``)."""
        return self.query_default(op, "order") if "order" in op.query_names else op.list_order

    def body_default(self, op: MockOperation, name: str) -> Any:
        """The default the spec declares for ``op``'s top-level JSON request field ``name`` (None: none)."""
        schema = schema_at(self.schemas.document, request_schema(self.schemas, op.operation), (name,))
        return schema.get("default") if schema is not None else None

    def request_fields(self, op: MockOperation) -> frozenset[str]:
        """The top-level fields ``op``'s JSON request body declares, found once."""
        key = "request-fields"
        fields = op.body_cache.get(key)
        if fields is None:
            fields = op.body_cache[key] = request_fields(self.schemas, op.operation)
        return fields

    def echo_fields(self, op: MockOperation) -> RequestFields:
        """What ``op``'s JSON request schema and its ``x-gatewright-echo-as`` say of its top-level fields
        for the echo rule, found once."""
        key = "echo-fields"
        found = op.body_cache.get(key)
        if found is None:
            schema = request_schema(self.schemas, op.operation)
            stated = op.operation.definition.get(ECHO_EXTENSION)
            found = op.body_cache[key] = request_fields_of(self.schemas.document, schema, stated)
        return found

    def read_at(self, path: str) -> MockOperation | None:
        """The GET operation on the route template ``path`` (an item's read), if the API has one."""
        return next(
            (
                op
                for op in self.operations.values()
                if op.operation.method == "GET" and op.operation.path == path
            ),
            None,
        )


def _responses(schemas: SchemaSet, op: Operation) -> tuple[ResponseSpec, ...]:
    out: list[ResponseSpec] = []
    for key, response in op.definition.get("responses", {}).items():
        resolved, pointer = schemas.deref(response, f"{op.pointer}/responses/{escape(str(key))}")
        if not isinstance(resolved, dict) or pointer is None:
            continue
        media: list[MediaSpec] = []
        for media_type, entry in (resolved.get("content") or {}).items():
            if not isinstance(entry, dict):
                continue
            examples: list[Example] = []
            for name, raw_example in (entry.get("examples") or {}).items():
                example, _ = schemas.deref(raw_example, None)
                if isinstance(example, dict) and "value" in example:
                    examples.append(Example(str(name), example["value"]))
            if "example" in entry:
                examples.append(Example("default", entry["example"]))
            schema_pointer = f"{pointer}/content/{escape(media_type)}/schema" if "schema" in entry else None
            media.append(MediaSpec(media_type, schema_pointer, tuple(examples)))
        out.append(ResponseSpec(str(key), pointer, tuple(media)))
    return tuple(out)


def _invalid_status(responses: tuple[ResponseSpec, ...]) -> int:
    keys = {r.key for r in responses}
    for status in ("422", "400"):
        if status in keys:
            return int(status)
    return 400


def _idempotency_header(op: Operation) -> str | None:
    declared = op.definition.get(IDEMPOTENCY_EXTENSION)
    header = declared.get("header") if isinstance(declared, dict) else None
    return header if isinstance(header, str) and header else None


def echoed_headers(spec: Spec, op: Operation) -> tuple[str, ...]:
    """The request headers the operation says its answer echoes: a header parameter whose description
    says so ("Optional client request id echoed in the response") that its responses also declare."""
    declared = {
        str(name).lower()
        for response in (op.definition.get("responses") or {}).values()
        for name in (spec.deref(response).get("headers") or {})
    }
    return tuple(
        str(p["name"])
        for p in op.parameters
        if p.get("in") == "header"
        and "echo" in str(p.get("description", "")).lower()
        and str(p.get("name", "")).lower() in declared
    )


def compile_api(spec: Spec, name: str, prefix: str, *, seed: int | None) -> MockApi:
    schemas = SchemaSet(spec.document)
    generator = Generator(schemas, seed=seed, model_ids=model_ids(schemas, spec.operations))
    roles = derive_roles(schemas, spec.operations)
    operations: dict[str, MockOperation] = {}
    routes: list[RouteSpec] = []
    all_responses: list[ResponseSpec] = []
    for op in spec.operations:
        if op.operation_id in operations:
            continue
        responses = _responses(schemas, op)
        all_responses.extend(responses)
        stream_media = tuple(
            m.media_type for r in responses for m in r.media if m.media_type == "text/event-stream"
        )
        operations[op.operation_id] = MockOperation(
            operation=op,
            auth=compile_policy(requirements(spec, op)),
            validator=RequestValidator(schemas, op.pointer, op.definition, op.parameters),
            responses=responses,
            invalid_status=_invalid_status(responses),
            resource=roles.get(op.operation_id),
            task=spec.task(op),
            stream_media=stream_media,
            idempotency=_idempotency_header(op),
            echoed_headers=echoed_headers(spec, op),
        )
        routes.append(RouteSpec.of(op))
    common = common_error_pointer(schemas, all_responses)
    error_responses = (
        (ResponseSpec("default", "", (MediaSpec("application/json", common),)),) if common is not None else ()
    )
    return MockApi(
        name=name,
        prefix=prefix,
        spec=spec,
        schemas=schemas,
        generator=generator,
        router=Router(routes),
        operations=operations,
        errors=ErrorRenderer(schemas, generator, common, api=name),
        error_responses=error_responses,
    )
