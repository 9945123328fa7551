"""Declare every async task lifecycle: ``x-gatewright-task`` on each create plus ``links`` to poll and cancel.

The lifecycles are data read from the lifecycle file beside the source (``normalize/lifecycles.py``,
docs/lifecycles.md) and handed to the pass in its context; without one the pass declares nothing.
Operations are named by ``METHOD /path``: this pass resolves them to the operationIds an earlier pass
generated and raises when a declared operation is missing, so a renamed route can never drop a
lifecycle silently. Where a source leaves a status open (no enum) or a body opaque, the pass closes it
as the declaration says and logs each change.
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.lifecycle_model import ApiLifecycles, Behaviour, Lifecycle, Required, Shape
from gatewright.normalize.passes.base import Context, Document, clone, repair_pass
from gatewright.normalize.passes.behaviours import (
    check_quotes,
    declare_echoes,
    declare_expansions,
    declare_idempotency,
    quoted,
    task_keys,
)
from gatewright.normalize.passes.mcp import declare_mcp
from gatewright.normalize.passes.reasoning_statements import declare_reasoning
from gatewright.normalize.passes.rerank import declare_rerank
from gatewright.normalize.passes.route_statements import (
    declare_file_purposes,
    declare_list_orders,
    declare_list_shows,
)
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import OperationRef, iter_operations, success_bodies
from gatewright.spec.errors import SpecError
from gatewright.spec.expressions import RuntimeExpression
from gatewright.spec.model import TASK_EXTENSION
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import escape, follow, split
from gatewright.spec.schemas import locate

_SCHEMAS = "#/components/schemas/"


class LifecycleError(SpecError):
    """A lifecycle declaration that does not fit the document (a missing route, an unknown status).

    Its ``source`` is the lifecycle file; its ``pointer``, when given, points into the document.
    """


@repair_pass("declare_task_lifecycles")
def declare_task_lifecycles(document: Document, context: Context, log: RepairLog) -> None:
    """Add x-gatewright-task and poll/cancel links to every create operation the lifecycle file names."""
    if context.lifecycles is not None:
        apply_lifecycles(document, context.lifecycles, log, prose=context.prose)


def apply_lifecycles(document: Document, declared: ApiLifecycles, log: RepairLog, *, prose: str = "") -> None:
    """Apply one file's declarations in a fixed order: bodies and schemas first, then extensions and links.

    The file's behaviour statements must quote the document or ``prose`` (a Markdown source's text).
    """
    source = declared.source
    index = {(ref.method.upper(), ref.path): ref for ref in iter_operations(document)}
    operations = _Resolver(index, source)
    check_quotes(document, prose, declared)
    for requirement in declared.required:
        _require(document, requirement, log, source)
    shapes = {shape.name: shape for shape in declared.shapes}  # every `serve` names one (loader-checked)
    created: list[str] = []  # components this run added: later changes inside them log at the addition
    for lifecycle in declared.lifecycles:
        if lifecycle.serve is not None:
            shape = shapes[lifecycle.serve]
            _serve(document, shape, [*operations.creates(lifecycle), operations.get(lifecycle.poll)], log)
        if lifecycle.fork_poll_schema is not None:
            created.extend(_fork(document, operations.get(lifecycle.poll), lifecycle, log))
    for lifecycle in declared.lifecycles:
        _close_status(document, operations.get(lifecycle.poll), lifecycle, log, created)
    for lifecycle in declared.lifecycles:
        poll = operations.get(lifecycle.poll)
        cancel = operations.get(lifecycle.cancel) if lifecycle.cancel else None
        for name, create in zip(lifecycle.creates, operations.creates(lifecycle), strict=True):
            stated = task_keys(document, declared, lifecycle, name, operations.get)
            _declare(document, create, poll, cancel=cancel, lifecycle=lifecycle, log=log, stated=stated)
    declare_idempotency(document, declared, operations.get, log)
    declare_expansions(document, declared, operations.get, log)
    declare_echoes(document, declared, operations.get, log)
    declare_reasoning(document, declared, operations.get, log)
    declare_rerank(document, declared, operations.get, log)
    declare_file_purposes(document, declared, operations.get, log)
    declare_list_orders(document, declared, operations.get, log)
    declare_list_shows(document, declared, operations.get, log)
    declare_mcp(document, declared, operations.get, log)


class _Resolver:
    """``METHOD /path`` -> the operation, or a loud error naming what is missing."""

    def __init__(self, index: dict[tuple[str, str], OperationRef], source: str) -> None:
        self._index = index
        self._source = source

    def get(self, name: str) -> OperationRef:
        method, _, path = name.partition(" ")
        ref = self._index.get((method.upper(), path))
        if ref is None:
            raise LifecycleError(f"declared operation {name} is not in the document", source=self._source)
        if not isinstance(ref.definition.get("operationId"), str):
            raise LifecycleError(
                f"declared operation {name} has no operationId", source=self._source, pointer=ref.pointer
            )
        return ref

    def creates(self, lifecycle: Lifecycle) -> list[OperationRef]:
        return [self.get(name) for name in lifecycle.creates]


def _require(document: Document, requirement: Required, log: RepairLog, source: str) -> None:
    where = f"/components/schemas/{escape(requirement.schema)}"
    schema = document.get("components", {}).get("schemas", {}).get(requirement.schema)
    if not isinstance(schema, dict):
        raise LifecycleError(f"schema {requirement.schema} is not in the document", source=source)
    unknown = [f for f in requirement.fields if f not in schema.get("properties", {})]
    if unknown:
        raise LifecycleError(f"cannot require undeclared properties {unknown}", source=source, pointer=where)
    before = list(schema.get("required", []))
    after = before + [f for f in requirement.fields if f not in before]
    if after != before:
        schema["required"] = after
        log.add(
            f"{where}/required",
            "required the fields every documented body carries",
            requirement.why,
            before=before or None,
            after=after,
        )


def _serve(document: Document, shape: Shape, operations: list[OperationRef], log: RepairLog) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if shape.name not in schemas:
        schemas[shape.name] = clone(shape.schema)
        log.add(
            f"/components/schemas/{escape(shape.name)}",
            f"declared the task body {shape.name}",
            shape.why,
            after=shape.schema,
        )
    elif schemas[shape.name] != shape.schema:
        raise LifecycleError(
            f"schema {shape.name} already exists with another shape",
            pointer=f"/components/schemas/{escape(shape.name)}",
        )
    wanted = {"$ref": _SCHEMAS + shape.name}
    for operation in operations:
        for _, where, schema in success_bodies(document, operation):
            if schema == wanted:
                continue
            if schema != {"$ref": _SCHEMAS + shape.replaces}:
                raise LifecycleError(
                    f"expected the opaque {shape.replaces} body, found another schema", pointer=where
                )
            _set(document, where, wanted)
            log.add(
                where,
                f"served the declared {shape.name} instead of the free-form {shape.replaces}",
                shape.why,
                before=schema,
                after=wanted,
            )


def _fork(document: Document, poll: OperationRef, lifecycle: Lifecycle, log: RepairLog) -> list[str]:
    """Give the poll its own copy of a shared body schema; returns the pointer of a copy made now."""
    name = str(lifecycle.fork_poll_schema)
    wanted = {"$ref": _SCHEMAS + name}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    made: list[str] = []
    for _, where, schema in success_bodies(document, poll):
        if schema == wanted:
            continue
        ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
        if not (isinstance(ref, str) and ref.startswith(_SCHEMAS) and len(schema) == 1):
            raise LifecycleError(
                f"{lifecycle.name}: cannot fork a poll body that is not a component $ref", pointer=where
            )
        shared = ref[len(_SCHEMAS) :]
        if name not in schemas:
            schemas[name] = clone(schemas[shared])
            made.append(f"/components/schemas/{escape(name)}")
            log.add(
                made[-1],
                f"copied {shared} for {lifecycle.poll} alone",
                lifecycle.why,
            )
        _set(document, where, wanted)
        log.add(where, f"pointed the poll body at {name}", lifecycle.why, before=schema, after=wanted)
    return made


def _close_status(
    document: Document, poll: OperationRef, lifecycle: Lifecycle, log: RepairLog, created: list[str]
) -> None:
    """Make the poll body's status enum exactly the declared states (adding it where there is none)."""
    values = lifecycle.states.statuses()
    bodies = success_bodies(document, poll)
    if not bodies:
        raise LifecycleError(
            f"{lifecycle.name}: the poll operation has no 2xx JSON body", pointer=poll.pointer
        )
    _, body_where, body = bodies[0]
    found = locate(document, body, body_where, lifecycle.status)
    if found is None:
        raise LifecycleError(
            f"{lifecycle.name}: status {lifecycle.status!r} is not in the poll body", pointer=body_where
        )
    where, schema = found
    # A change inside a component this run created is logged at the addition (it names no input node).
    at = next((c for c in created if where.startswith(c + "/")), where + "/enum")
    enum = schema.get("enum")
    if enum is None:
        schema["enum"] = list(values)
        log.add(
            at,
            "closed the status vocabulary with the documented values",
            lifecycle.why or "the lifecycle's states must be a closed set",
            after=list(values),
        )
        return
    missing = [v for v in values if v not in enum]
    undeclared = [v for v in enum if v not in values]
    if undeclared or not set(missing) <= set(lifecycle.add_status_values):
        raise LifecycleError(
            f"{lifecycle.name}: states {values} do not match the status enum {enum}", pointer=where
        )
    if missing:
        schema["enum"] = [*enum, *missing]
        log.add(
            at,
            f"added status values {missing}",
            lifecycle.why,
            before=enum,
            after=schema["enum"],
        )


def task_extension(
    lifecycle: Lifecycle,
    poll: OperationRef,
    cancel: OperationRef | None,
    poll_id: str,
    stated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``x-gatewright-task`` value, keys in a fixed order (documented in docs/extensions.md);
    ``stated`` are the keys behaviour statements add (``behaviours.task_keys``), last."""
    task: dict[str, Any] = {"poll": poll.definition["operationId"]}
    if cancel is not None:
        task["cancel"] = cancel.definition["operationId"]
    task["id"] = lifecycle.id
    task["status"] = lifecycle.status
    task["states"] = lifecycle.states.as_json()
    if lifecycle.result is not None:
        task["result"] = lifecycle.result
    if lifecycle.prefer is not None:
        task["prefer"] = lifecycle.prefer
    if lifecycle.async_when is not None:
        task["async_when"] = lifecycle.async_when
    task["poll_id"] = poll_id
    if lifecycle.retention_seconds is not None:
        task["retention_seconds"] = lifecycle.retention_seconds
    task.update(stated or {})
    return task


def _link(
    create: OperationRef, target: OperationRef, lifecycle: Lifecycle, role: str
) -> tuple[dict[str, Any], str]:
    """The OpenAPI link from the create response to ``target``, and where the task id goes."""
    names, create_names = PathTemplate.parse(target.path).names, PathTemplate.parse(create.path).names
    own = [name for name in names if name not in create_names]
    inherited = [name for name in names if name not in own]
    link: dict[str, Any] = {"operationId": target.definition["operationId"]}
    if lifecycle.poll_body_id is not None and role == "poll":
        if own:
            raise LifecycleError(f"{lifecycle.name}: a body-addressed poll has path parameters {own}")
        body: dict[str, Any] = {}
        node = body
        tokens = split(lifecycle.poll_body_id)
        for token in tokens[:-1]:
            node = node.setdefault(token, {})
        node[tokens[-1]] = lifecycle.id
        link["requestBody"] = body
        where = str(RuntimeExpression.request_body(lifecycle.poll_body_id))
    else:
        if len(own) != 1:
            raise LifecycleError(
                f"{lifecycle.name}: cannot tell which path parameter of {target.path} is "
                f"the task id (candidates {own})",
                pointer=target.pointer,
            )
        link["parameters"] = {
            own[0]: lifecycle.id,
            **{n: str(RuntimeExpression.request_path(n)) for n in inherited},
        }
        where = str(RuntimeExpression.request_path(own[0]))
    verb = "Poll" if role == "poll" else "Cancel"
    link["description"] = f"{verb} the task this response started ({lifecycle.name})."
    return link, where


def _declare(
    document: Document,
    create: OperationRef,
    poll: OperationRef,
    *,
    cancel: OperationRef | None,
    lifecycle: Lifecycle,
    log: RepairLog,
    stated: tuple[dict[str, Any], list[Behaviour]],
) -> None:
    poll_link, poll_id = _link(create, poll, lifecycle, "poll")
    links = {"poll": poll_link}
    if cancel is not None:
        links["cancel"] = _link(create, cancel, lifecycle, "cancel")[0]
    keys, statements = stated
    task = task_extension(lifecycle, poll, cancel, poll_id, keys)
    if create.definition.get(TASK_EXTENSION) != task:
        before = create.definition.get(TASK_EXTENSION)
        create.definition[TASK_EXTENSION] = task
        why = lifecycle.why or "the source describes this create -> poll lifecycle only in prose"
        log.add(
            f"{create.pointer}/{TASK_EXTENSION}",
            f"declared the task lifecycle '{lifecycle.name}'",
            "; ".join([why, *(f"{b.kind}: {quoted(b)}" for b in statements)]),
            before=before,
            after=task,
        )
    for code in _task_responses(document, create, lifecycle):
        where = f"{create.pointer}/responses/{escape(code)}"
        response = create.definition["responses"][code]
        if "$ref" in response:
            target, _ = follow(document, response, where)
            before_ref = dict(response)
            response = clone(target)
            create.definition["responses"][code] = response
            log.add(
                where,
                "inlined the shared response so only this operation carries task links",
                "links name this operation's poll and cancel",
                before=before_ref,
            )
        current = response.get("links", {})
        wanted = {**current, **links}
        if current != wanted:
            response["links"] = wanted
            log.add(
                f"{where}/links",
                "linked the create response to its poll"
                + (" and cancel operations" if cancel is not None else " operation"),
                "generic tools (schemathesis) follow OpenAPI links from create to poll/cancel",
                before=current or None,
                after=wanted,
            )


def _task_responses(document: Document, create: OperationRef, lifecycle: Lifecycle) -> list[str]:
    """The 2xx responses that carry the task: the ``prefer`` code, else every 2xx with a body."""
    if lifecycle.prefer is not None and lifecycle.prefer.startswith("code="):
        code = lifecycle.prefer[len("code=") :]
        if code not in create.definition.get("responses", {}):
            raise LifecycleError(
                f"{lifecycle.name}: prefer {lifecycle.prefer} names no response", pointer=create.pointer
            )
        return [code]
    codes = sorted({code for code, _, _ in success_bodies(document, create)})
    if not codes:
        raise LifecycleError(
            f"{lifecycle.name}: the create operation has no 2xx JSON body", pointer=create.pointer
        )
    return codes


def _set(document: Document, pointer: str, value: Any) -> None:
    tokens = split(pointer)
    node: Any = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    node[tokens[-1]] = clone(value) if isinstance(value, dict) else value
