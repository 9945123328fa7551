"""What a spec states in prose, carried into the canonical spec as extensions the mock acts on.

The statements are data in the lifecycle file (``behaviours``, read by ``normalize/lifecycles.py``);
``declare_task_lifecycles`` applies them with the lifecycles, through this module: the keys a statement
adds to a create's ``x-gatewright-task`` (``task_keys``), the ``x-gatewright-idempotency`` of an
operation (``declare_idempotency``), the ``x-gatewright-expand`` of a list (``declare_expansions``) and
the ``x-gatewright-echo-as`` of an operation whose answer restates a request field under another name
(``declare_echoes``) (the ``x-gatewright-reasoning-content`` of a chat whose thinking models show their
chain of thought is ``reasoning_statements``'s ``declare_reasoning``);
the auth statements are ``prose_auth``'s, which uses the quote check
and the header lookup below. Each statement's ``why`` must be the spec's own words: a quote the
document (or a Markdown source's prose) does not contain is an error naming the file and line, so a
statement cannot drift from the text it stands for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from gatewright.normalize.lifecycle_model import (
    Actions,
    ApiLifecycles,
    Behaviour,
    EchoAs,
    Expansion,
    Lifecycle,
    Transcript,
)
from gatewright.normalize.lifecycles import acted_on
from gatewright.normalize.passes.base import Document
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import OperationRef, success_bodies
from gatewright.spec.errors import SpecError
from gatewright.spec.model import (
    ECHO_EXTENSION,
    EXPAND_EXTENSION,
    IDEMPOTENCY_EXTENSION,
    STREAM_EXTENSION,
)
from gatewright.spec.pointer import escape, follow
from gatewright.spec.schemas import locate, properties

__all__ = [
    "BehaviourError",
    "Resolve",
    "check_quotes",
    "declare_echoes",
    "declare_expansions",
    "declare_idempotency",
    "declares_header",
    "declares_parameter",
    "extend_operation",
    "quoted",
    "refused",
    "request_declaring",
    "task_keys",
]

Resolve = Callable[[str], OperationRef]  # ``METHOD /path`` -> the operation (raises when missing)

_SPACE = re.compile(r"\s+")


class BehaviourError(SpecError):
    """A behaviour statement that does not fit the document; ``source`` and ``line`` name the statement."""


def refused(declared: ApiLifecycles, behaviour: Behaviour, message: str) -> BehaviourError:
    """The error for a statement that does not fit the document, naming the file and its line."""
    return BehaviourError(f"{behaviour.kind}: {message}", source=declared.source, line=behaviour.line)


def check_quotes(
    document: Document, prose: str, declared: ApiLifecycles, behaviours: tuple[Behaviour, ...] | None = None
) -> None:
    """Every ``why`` (of ``behaviours``, else of every statement) occurs in the document's strings or the
    source's prose (whitespace aside)."""
    statements = declared.behaviours if behaviours is None else behaviours
    if not statements:
        return
    text = "\n".join([_collapse(prose), *(_collapse(s) for s in _strings(document))])
    for behaviour in statements:
        if _collapse(behaviour.why) not in text:
            raise refused(declared, behaviour, f"the spec does not say {behaviour.why!r} (quote it verbatim)")


def task_keys(
    document: Document, declared: ApiLifecycles, lifecycle: Lifecycle, create: str, resolve: Resolve
) -> tuple[dict[str, Any], list[Behaviour]]:
    """The ``x-gatewright-task`` keys the statements add for ``create`` of ``lifecycle``, in the
    extension's order, and the statements they come from."""
    keys: dict[str, Any] = {}
    used: list[Behaviour] = []
    for kind, operation in (
        ("sync_when", create),
        ("id_prefix", create),
        ("finished_cancel", lifecycle.cancel),
        ("running_cancel", lifecycle.cancel),
        ("also_served_by", lifecycle.poll),
        ("counter", lifecycle.poll),
        ("set_on_success", lifecycle.poll),
        ("follow_up", create),
    ):
        behaviour = declared.stated(kind, operation) if operation is not None else None
        if behaviour is None:
            continue
        used.append(behaviour)
        if kind == "also_served_by":
            keys[kind] = [resolve(name).definition["operationId"] for name in behaviour.value]
        elif kind == "running_cancel":  # a status the cancel documents
            assert operation is not None  # (a statement was found about it)
            if str(behaviour.value) not in resolve(operation).definition.get("responses", {}):
                raise refused(declared, behaviour, f"{operation} documents no {behaviour.value} response")
            keys[kind] = behaviour.value
        elif kind == "counter":
            keys["counters"] = [_counter(document, declared, behaviour, resolve(lifecycle.poll), resolve)]
        elif kind == "set_on_success":
            keys[kind] = _in_poll_body(
                document, declared, behaviour, resolve(lifecycle.poll), behaviour.value
            )
        else:
            keys[kind] = behaviour.value
    for key, found in (
        ("actions", _actions(document, declared, lifecycle, resolve)),
        ("transcripts", _transcripts(document, declared, lifecycle, create, resolve)),
    ):
        if found:
            keys[key] = {operation_id: value for operation_id, (value, _) in found.items()}
            used.extend(behaviour for _, behaviour in found.values())
    return keys, used


def _under_poll(
    declared: ApiLifecycles, kind: str, lifecycle: Lifecycle, resolve: Resolve
) -> Iterator[tuple[Behaviour, str, OperationRef]]:
    """The ``kind`` statements about routes under ``lifecycle``'s poll: each with the route's name and
    operation."""
    for behaviour in declared.statements(kind):
        for name in behaviour.operations:
            if acted_on(name, declared.lifecycles) is lifecycle:
                yield behaviour, name, resolve(name)


def _transcripts(
    document: Document, declared: ApiLifecycles, lifecycle: Lifecycle, create: str, resolve: Resolve
) -> dict[str, tuple[dict[str, Any], Behaviour]]:
    """The routes that list ``lifecycle``'s task's conversation (``transcript`` statements), by
    operationId; refused where the poll's body lacks the answer or the create's request the prompt."""
    found: dict[str, tuple[dict[str, Any], Behaviour]] = {}
    for behaviour, _, operation in _under_poll(declared, "transcript", lifecycle, resolve):
        transcript: Transcript = behaviour.value
        _in_poll_body(document, declared, behaviour, resolve(lifecycle.poll), (transcript.answer,))
        prompt = transcript.prompt.removeprefix("/")
        request_declaring(document, declared, behaviour, resolve(create), create, fields=(prompt,))
        found[operation.definition["operationId"]] = (transcript.as_json(), behaviour)
    return found


def _actions(
    document: Document, declared: ApiLifecycles, lifecycle: Lifecycle, resolve: Resolve
) -> dict[str, tuple[dict[str, Any], Behaviour]]:
    """The action routes that move ``lifecycle``'s tasks (``actions`` statements about routes under its
    poll), by operationId: the path parameter naming the action and what each action does."""
    found: dict[str, tuple[dict[str, Any], Behaviour]] = {}
    for behaviour, name, operation in _under_poll(declared, "actions", lifecycle, resolve):
        actions: Actions = behaviour.value
        if not declares_parameter(document, operation, "path", actions.parameter):
            raise refused(declared, behaviour, f"{name} declares no {actions.parameter} path parameter")
        moves = {action: move.as_json() for action, move in actions.moves}
        value = {"parameter": actions.parameter, "moves": moves}
        found[operation.definition["operationId"]] = (value, behaviour)
    return found


def _counter(
    document: Document, declared: ApiLifecycles, behaviour: Behaviour, poll: OperationRef, resolve: Resolve
) -> dict[str, str]:
    field, follows = behaviour.value
    _in_poll_body(document, declared, behaviour, poll, (field,))
    stream = resolve(follows)
    if not _streams(document, stream):
        raise refused(declared, behaviour, f"{follows} answers no event stream (x-gatewright-stream)")
    return {"field": field, "follows": stream.definition["operationId"]}


def _in_poll_body(
    document: Document, declared: ApiLifecycles, behaviour: Behaviour, poll: OperationRef, fields: Any
) -> list[str]:
    """``fields`` (JSON pointers), each one the poll's success body declares; else the statement is
    refused."""
    _, body_where, body = success_bodies(document, poll)[0]  # the task pass checked there is one
    for field in fields:
        if locate(document, body, body_where, field) is None:
            raise refused(
                declared, behaviour, f"the poll body of {poll.method.upper()} {poll.path} has no {field}"
            )
    return list(fields)


def _streams(document: Document, operation: OperationRef) -> bool:
    for code, declared in operation.definition.get("responses", {}).items():
        response, _ = follow(document, declared, operation.pointer)
        content = (
            response.get("content", {}) if str(code).startswith("2") and isinstance(response, dict) else {}
        )
        media = content.get("text/event-stream") if isinstance(content, dict) else None
        if isinstance(media, dict) and STREAM_EXTENSION in media:
            return True
    return False


def declare_idempotency(
    document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog
) -> None:
    """``x-gatewright-idempotency`` on every operation an ``idempotency`` statement names."""
    for behaviour in declared.behaviours:
        if behaviour.kind != "idempotency":
            continue
        wanted = {"header": behaviour.value}
        for name in behaviour.operations:
            operation = resolve(name)
            if not declares_header(document, operation, behaviour.value):
                raise refused(declared, behaviour, f"{name} declares no {behaviour.value} header parameter")
            change = f"declared the {behaviour.value} idempotency header"
            extend_operation(
                operation, IDEMPOTENCY_EXTENSION, wanted, log, change=change, why=quoted(behaviour)
            )


def declare_expansions(document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog) -> None:
    """``x-gatewright-expand`` on every list an ``expand`` statement names: a GET that declares the
    query parameter (its items are summaries, the fields the parameter names added)."""
    for behaviour in declared.statements("expand"):
        expansion: Expansion = behaviour.value
        wanted: dict[str, Any] = {"parameter": expansion.parameter, "fields": list(expansion.fields)}
        if expansion.all is not None:
            wanted["all"] = expansion.all
        for name in behaviour.operations:
            operation = resolve(name)
            if operation.method.upper() != "GET":
                raise refused(declared, behaviour, f"{name} is no list: an expanded list is a GET")
            if not declares_parameter(document, operation, "query", expansion.parameter):
                raise refused(
                    declared, behaviour, f"{name} declares no {expansion.parameter} query parameter"
                )
            change = f"declared what the {expansion.parameter} parameter adds to the listed items"
            extend_operation(operation, EXPAND_EXTENSION, wanted, log, change=change, why=quoted(behaviour))


def declare_echoes(document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog) -> None:
    """``x-gatewright-echo-as`` on every operation an ``echo_as`` statement names: ``{answer field: request
    field}``, where the JSON request body declares the field at its top and a 2xx JSON answer (of the
    operation, or of the poll of the tasks it creates) declares the answer field at its top or in an
    object directly under it, where the mock's echo rule looks."""
    for behaviour in declared.statements("echo_as"):
        echo: EchoAs = behaviour.value
        for name in behaviour.operations:
            operation = resolve(name)
            request_declaring(document, declared, behaviour, operation, name, fields=(echo.field,))
            answers = [operation, *(resolve(lc.poll) for lc in declared.lifecycles if name in lc.creates)]
            if not any(_answers_field(document, answer, echo.answer) for answer in answers):
                raise refused(declared, behaviour, f"no 2xx JSON answer of {name} declares {echo.answer}")
            before = operation.definition.get(ECHO_EXTENSION)
            stated = dict(before) if isinstance(before, dict) else {}
            if stated.get(echo.answer) == echo.field:
                continue
            stated[echo.answer] = echo.field
            operation.definition[ECHO_EXTENSION] = stated
            log.add(
                f"{operation.pointer}/{escape(ECHO_EXTENSION)}",
                f"declared that the answer's `{echo.answer}` restates the request's `{echo.field}`",
                quoted(behaviour),
                before=before,
                after=dict(stated),
            )


def extend_operation(
    operation: OperationRef, extension: str, wanted: dict[str, Any], log: RepairLog, *, change: str, why: str
) -> None:
    """``extension`` on ``operation`` set to ``wanted``, the repair logged, unless it holds that already."""
    before = operation.definition.get(extension)
    if before == wanted:
        return
    operation.definition[extension] = dict(wanted)
    log.add(f"{operation.pointer}/{escape(extension)}", change, why, before=before, after=wanted)


def request_declaring(
    document: Document,
    declared: ApiLifecycles,
    behaviour: Behaviour,
    operation: OperationRef,
    name: str,
    *,
    fields: Iterable[str],
) -> Any:
    """The operation's ``application/json`` request body schema (None: none), as the mock reads it; the
    statement refused where it lacks one of ``fields`` at its top."""
    body, _ = follow(document, operation.definition.get("requestBody", {}), operation.pointer)
    media = body.get("content", {}).get("application/json") if isinstance(body, dict) else None
    schema = media.get("schema") if isinstance(media, dict) else None
    declares = properties(document, schema)
    if (missing := next((field for field in fields if field not in declares), None)) is not None:
        raise refused(declared, behaviour, f"the JSON request body of {name} declares no {missing}")
    return schema


def _answers_field(document: Document, operation: OperationRef, field: str) -> bool:
    """A 2xx JSON body of ``operation`` declares ``field`` at its top or in an object directly under it."""
    for _, _, schema in success_bodies(document, operation):
        top = properties(document, schema)
        if field in top or any(field in properties(document, inner) for inner in top.values()):
            return True
    return False


def quoted(behaviour: Behaviour) -> str:
    """A statement's reason for the repair log: its ``reason`` when it gives one, else the spec's words,
    then any note on them."""
    if behaviour.reason:
        return behaviour.reason
    words = f"the spec states: {behaviour.why!r}"
    return f"{words} ({behaviour.note})" if behaviour.note else words


def declares_header(document: Document, operation: OperationRef, header: str) -> bool:
    return declares_parameter(document, operation, "header", header)


def declares_parameter(document: Document, operation: OperationRef, location: str, name: str) -> bool:
    """The operation (or its path item) declares a parameter ``name`` in ``location`` (a header's name
    in any case)."""
    fold = str.lower if location == "header" else str
    item = document["paths"][operation.path]
    for parameter in [*item.get("parameters", []), *operation.definition.get("parameters", [])]:
        resolved, _ = follow(document, parameter, operation.pointer)
        if (
            isinstance(resolved, dict)
            and resolved.get("in") == location
            and fold(str(resolved.get("name", ""))) == fold(name)
        ):
            return True
    return False


def _strings(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
