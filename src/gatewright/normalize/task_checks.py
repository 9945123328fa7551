"""Check that every ``x-gatewright-task`` in a document is consistent with the operations it names.

The mock and the conformance runner trust these declarations; a pointer that
leads nowhere or a link to a missing parameter would only surface as a confusing
runtime failure, so the normalizer's tests run this over every canonical spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gatewright.spec.expressions import RuntimeExpression
from gatewright.spec.media import is_json, media_type_of
from gatewright.spec.model import HTTP_METHODS, TASK_EXTENSION
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import RefError, deref, escape, follow
from gatewright.spec.schemas import locate
from gatewright.spec.tasks import STATE_KINDS

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TaskProblem:
    """One inconsistency: where (a JSON pointer to the operation's extension) and what."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}"


@dataclass(frozen=True, slots=True)
class OperationRef:
    method: str
    path: str
    pointer: str
    definition: dict[str, Any]


def iter_operations(document: Document) -> Iterator[OperationRef]:
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield OperationRef(method, path, f"/paths/{escape(path)}/{method}", item[method])


def operations_by_id(document: Document) -> dict[str, OperationRef]:
    found: dict[str, OperationRef] = {}
    for ref in iter_operations(document):
        op_id = ref.definition.get("operationId")
        if isinstance(op_id, str):
            found.setdefault(op_id, ref)
    return found


def success_bodies(document: Document, operation: OperationRef) -> list[tuple[str, str, Any]]:
    """(status code, pointer to the schema, schema) for each 2xx JSON body, in code order."""
    bodies = []
    responses = operation.definition.get("responses", {})
    for code in sorted(responses, key=str):
        if not str(code).startswith("2"):
            continue
        where = f"{operation.pointer}/responses/{escape(str(code))}"
        try:
            response, found_at = follow(document, responses[code], where)
        except RefError:
            continue
        where = found_at or where
        if not isinstance(response, dict):
            continue
        for media, media_object in response.get("content", {}).items():
            if is_json(media_type_of(media)) and isinstance(media_object, dict) and "schema" in media_object:
                bodies.append((str(code), f"{where}/content/{escape(media)}/schema", media_object["schema"]))
    return bodies


def path_parameters(document: Document, operation: OperationRef) -> set[str]:
    """Names of the path parameters the operation (or its path item) declares."""
    item = document["paths"][operation.path]
    names = set()
    for declared in [*item.get("parameters", []), *operation.definition.get("parameters", [])]:
        param = deref(document, declared)
        if isinstance(param, dict) and param.get("in") == "path" and isinstance(param.get("name"), str):
            names.add(param["name"])
    return names


def check_task_declarations(document: Document) -> list[TaskProblem]:
    """Every inconsistency between the task extensions, their links and the operations they name."""
    problems: list[TaskProblem] = []
    by_id = operations_by_id(document)
    for create in iter_operations(document):
        task = create.definition.get(TASK_EXTENSION)
        if task is None:
            continue
        where = f"{create.pointer}/{TASK_EXTENSION}"
        problems.extend(TaskProblem(where, message) for message in _check_one(document, by_id, create, task))
    return problems


def _check_one(
    document: Document, by_id: dict[str, OperationRef], create: OperationRef, task: Any
) -> Iterator[str]:
    if not isinstance(task, dict):
        yield "is not an object"
        return
    for key in ("poll", "id", "status", "states"):
        if key not in task:
            yield f"lacks `{key}`"
    if not isinstance(task.get("poll"), str) or not isinstance(task.get("states"), dict):
        return
    yield from _check_states(task["states"])
    poll = by_id.get(task["poll"])
    if poll is None:
        yield f"poll operation {task['poll']!r} does not exist"
        return
    cancel = by_id.get(task["cancel"]) if isinstance(task.get("cancel"), str) else None
    if "cancel" in task and cancel is None:
        yield f"cancel operation {task.get('cancel')!r} does not exist"
    bodies = success_bodies(document, poll)
    if not bodies:
        yield f"poll operation {task['poll']} has no 2xx JSON body"
        return
    _, body_where, body = bodies[0]
    status = locate(document, body, body_where, str(task.get("status", "")))
    if status is None:
        yield f"status pointer {task.get('status')!r} is not declared by the poll response schema"
    else:
        yield from _check_enum(status[0], status[1], task["states"])
    if task.get("result") is not None and locate(document, body, body_where, str(task["result"])) is None:
        yield f"result pointer {task['result']!r} is not declared by the poll response schema"
    yield from _check_links(document, create, task, poll, cancel)
    yield from _check_stated(by_id, task)


def _check_stated(by_id: dict[str, OperationRef], task: dict[str, Any]) -> Iterator[str]:
    """The keys behaviour statements add (docs/extensions.md): operations that exist, known values."""
    sync_when = task.get("sync_when")
    if sync_when is not None and not str(sync_when).startswith("$request.body#/"):
        yield f"sync_when {sync_when!r} is not a $request.body runtime expression"
    if task.get("finished_cancel", "noop") != "noop":
        yield f"finished_cancel {task['finished_cancel']!r} is not 'noop'"
    running = task.get("running_cancel", 202)
    if type(running) is not int or not 200 <= running < 300:
        yield f"running_cancel {running!r} is no 2xx status"
    for served_by in task.get("also_served_by", []):
        if served_by not in by_id:
            yield f"also_served_by operation {served_by!r} does not exist"
    for counter in task.get("counters", []):
        follows = counter.get("follows") if isinstance(counter, dict) else None
        if follows not in by_id:
            yield f"counter {counter!r} follows no operation of the document"
    for field in task.get("set_on_success", []):
        if not isinstance(field, str) or not field.startswith("/"):
            yield f"set_on_success field {field!r} is not a JSON pointer"
    follow_up = task.get("follow_up")
    if follow_up is not None and not str(follow_up).startswith("$request.body#/"):
        yield f"follow_up {follow_up!r} is not a $request.body runtime expression"
    for key in ("actions", "transcripts"):
        for acting in task.get(key, {}):
            if acting not in by_id:
                yield f"{key} operation {acting!r} does not exist"


def _check_states(states: dict[str, Any]) -> Iterator[str]:
    seen: dict[Any, str] = {}
    for kind in STATE_KINDS:
        values = states.get(kind)
        if not isinstance(values, list):
            yield f"states lack the `{kind}` list"
            continue
        for value in values:
            if value in seen:
                yield f"status {value!r} is in both `{seen[value]}` and `{kind}`"
            seen[value] = kind
    for kind in states:
        if kind not in STATE_KINDS:
            yield f"unknown state kind `{kind}`"
    if not states.get("succeeded"):
        yield "no success state"
    if not (states.get("initial") or states.get("running")):
        yield "no initial or running state"


def _check_enum(where: str, schema: dict[str, Any], states: dict[str, Any]) -> Iterator[str]:
    declared = {value for values in states.values() if isinstance(values, list) for value in values}
    enum = schema.get("enum")
    if not isinstance(enum, list):
        yield f"status schema {where} has no enum (the states must be a closed set)"
        return
    if set(enum) != declared:
        yield (f"states {sorted(declared)} differ from the status enum {sorted(map(str, enum))} at {where}")


def _check_links(
    document: Document,
    create: OperationRef,
    task: dict[str, Any],
    poll: OperationRef,
    cancel: OperationRef | None,
) -> Iterator[str]:
    linked = []
    responses = create.definition.get("responses", {})
    for code, declared in responses.items():
        response = deref(document, declared)
        links = response.get("links") if isinstance(response, dict) else None
        if str(code).startswith("2") and isinstance(links, dict):
            linked.append((str(code), links))
    if not linked:
        yield "the create operation has no 2xx response with links"
        return
    prefer = task.get("prefer")
    if isinstance(prefer, str) and prefer.startswith("code=") and prefer[5:] not in {c for c, _ in linked}:
        yield f"prefer {prefer!r} names a response that carries no links"
    for code, links in linked:
        yield from _check_link(document, code, links.get("poll"), poll, role="poll", task=task)
        if cancel is not None:
            yield from _check_link(document, code, links.get("cancel"), cancel, role="cancel", task=task)
    id_expression = str(task.get("id", ""))
    try:
        parsed = RuntimeExpression.parse(id_expression)
    except ValueError:
        parsed = None
    if parsed is None or not parsed.is_("response", "body"):
        yield f"id {id_expression!r} is not a $response.body runtime expression"
        return
    codes = {c for c, _ in linked}
    pointer = parsed.pointer
    bodies = [body for body in success_bodies(document, create) if body[0] in codes]
    if not any(locate(document, schema, where, pointer) for _, where, schema in bodies):
        yield f"id {id_expression!r} is not declared by the create response schema"


def _check_link(
    document: Document, code: str, link: Any, target: OperationRef, *, role: str, task: dict[str, Any]
) -> Iterator[str]:
    if not isinstance(link, dict):
        yield f"response {code} lacks the `{role}` link"
        return
    if link.get("operationId") != target.definition.get("operationId"):
        yield f"response {code} `{role}` link targets {link.get('operationId')!r}"
    mapped = link.get("parameters", {})
    declared = path_parameters(document, target)
    names = PathTemplate.parse(target.path).names
    for name in names:
        if name not in declared:
            yield f"{role} operation {target.pointer} does not declare its path parameter `{name}`"
        if name not in mapped:
            yield f"response {code} `{role}` link does not map path parameter `{name}`"
    for name, expression in mapped.items():
        if name not in declared:
            yield f"response {code} `{role}` link maps `{name}`, which {target.pointer} does not declare"
        if not (isinstance(expression, str) and expression.startswith("$")):
            yield f"response {code} `{role}` link maps `{name}` to a literal, not a runtime expression"
    if not names and "requestBody" not in link:
        yield f"response {code} `{role}` link passes no id (no path parameter, no requestBody)"
    if role == "poll" and task.get("id") not in _expressions(link):
        yield f"response {code} `poll` link does not pass the task id {task.get('id')!r}"


def _expressions(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for child in value.values():
            yield from _expressions(child)
    elif isinstance(value, list):
        for child in value:
            yield from _expressions(child)
    else:
        yield value
