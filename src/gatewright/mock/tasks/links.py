"""Fields of a task body that point back at the API: ``poll_url``, ``cancel_url``, ``replay_url``, ...
(and the members of a ``links`` object: ``links.self``, ``links.cancel``)

A create or poll answer tells the client where to go next; a generated string or the
example's job id there sends it nowhere. Each such field (``*_url``/``*_path``) is
resolved once per lifecycle to a route of the same API, without a per-API table:

1. its schema's example (or a path in its description) matches a route template;
2. its name's stem names the poll or cancel operation (``poll``, ``status``, ``detail``,
   ``self`` → poll; ``cancel``, ``abort`` → cancel);
3. its stem's words are literal segments of a route (``replay_url`` →
   ``/v1/request-history/{request_id}/replay``), the shortest such route winning.

Only routes the task can fill qualify: the create call's path parameters plus one for
the task's own id. The value is a path where the example is one (or the name ends in
``_path``), else a URL of the mock itself. Writes are kept only if the body stays valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

from gatewright.mock.fit import Edits
from gatewright.mock.operations import MockApi
from gatewright.mock.uploaded_files import takes_file
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import split
from gatewright.spec.schemas import properties, resolved, schema_at, types
from gatewright.spec.tasks import TaskSpec

__all__ = ["LinkPlan", "plan_links", "write_links"]

_FIELD = re.compile(r"^(?P<stem>.*?)_?(?P<kind>url|uri|path|href)$", re.IGNORECASE)
_PATH_IN_TEXT = re.compile(r"(?:https?://[^\s/]+)?(/[A-Za-z0-9_\-./{}:]+)")
_POLL_STEMS = frozenset(
    {"poll", "polling", "status", "detail", "details", "self", "retrieve", "get", "task", "job"}
)
_LINK_OBJECTS = frozenset({"links", "_links"})  # objects whose members are links named by role (HAL, beatra)
_CANCEL_STEMS = frozenset({"cancel", "cancellation", "abort", "stop"})


@dataclass(frozen=True, slots=True)
class LinkPlan:
    tokens: tuple[str, ...]  # where the field is in the body
    route: str  # the route's path template
    as_path: bool  # a path (with the mock's prefix) rather than an absolute URL
    declared_in: frozenset[str] = frozenset()  # response schema pointers that declare the field
    lapses: bool = False  # the cancel route, null once the task has finished (where null is allowed)

    def value(self, task_id: str, params: Mapping[str, str], *, host: str, prefix: str) -> str:
        path = f"{prefix}{PathTemplate.parse(self.route).expand(params, default=task_id)}"
        return path if self.as_path else f"{host}{path}"


def plan_links(
    api: MockApi, spec: TaskSpec, operation_ids: Iterable[str], create_params: Iterable[str]
) -> tuple[LinkPlan, ...]:
    """The link fields of the answers of ``operation_ids`` (create, poll, cancel) and the routes they name."""
    known = frozenset(create_params)
    templates = {op.operation.template.path: op.operation.template for op in api.operations.values()}
    fillable = [template for template in templates.values() if _fillable(template, known)]
    sends: dict[str, list[str]] = {}  # method -> the routes taking a file by it (where an upload slot sends)
    for taker in api.operations.values():
        if takes_file(api, taker):
            sends.setdefault(taker.operation.method, []).append(taker.operation.template.path)
    poll = api.operations.get(spec.poll)
    cancel = api.operations.get(spec.cancel or "")
    named = {
        "poll": poll.operation.template.path if poll is not None else None,
        "cancel": cancel.operation.template.path if cancel is not None else None,
    }
    result = tuple(split(spec.result)) if spec.result else ()
    document = api.spec.document
    plans: dict[tuple[str, ...], LinkPlan] = {}
    for operation_id in operation_ids:
        op = api.operations.get(operation_id)
        if op is None:
            continue
        for tokens, schema, pointer, method in _link_fields(api, op.responses, spec):
            if tokens == result:
                continue
            if method is not None:  # an upload slot: the route of its method under the task's item
                under = f"{named['poll']}/"  # below the task's own item, as its source is
                routes = [t for t in fillable if t.path in sends.get(method, ()) and t.path.startswith(under)]
                route = min((t.path for t in routes), key=lambda r: (r.count("/"), len(r)), default=None)
                plan = LinkPlan(tokens, route, as_path=False) if route is not None else None
            else:
                plan = plans.get(tokens) or _plan(tokens, schema, fillable, named)
                if plan is not None and plan.route == named["cancel"] and "null" in types(document, schema):
                    plan = replace(plan, lapses=True)  # nothing is left to cancel once it has finished
            if plan is not None:
                plans[tokens] = replace(plan, declared_in=plan.declared_in | {pointer})
    return tuple(plans.values())


def write_links(
    body: Any,
    links: Iterable[LinkPlan],
    task_id: str,
    params: Mapping[str, str],
    *,
    host: str,
    prefix: str,
    pointer: str,
    valid: Callable[[Any], bool] | None,
    finished: bool = False,
) -> None:
    """Point ``body``'s link fields at the task's real routes, keeping it valid (``valid``: None writes
    them all, for a caller that checks the whole body afterwards); a ``finished`` task's cancel link is
    null where its schema allows (``LinkPlan.lapses``).

    A field is written where the body has it, or added where ``pointer`` (the body's
    schema) declares it.
    """
    edits = Edits(body, valid)
    writes: list[tuple[Sequence[str], Any]] = []
    for link in links:
        parent = edits.get(link.tokens[:-1])
        name = link.tokens[-1]
        if not isinstance(parent, dict) or (name not in parent and pointer not in link.declared_in):
            continue
        if not isinstance(parent.get(name), str | None):
            continue
        value = None if finished and link.lapses else link.value(task_id, params, host=host, prefix=prefix)
        writes.append((link.tokens, value))
    edits.set_all(writes)


def _fillable(template: PathTemplate, known: frozenset[str]) -> bool:
    """A route naming exactly one parameter beyond the create call's: the task's id."""
    return len([name for name in template.names if name not in known]) == 1


def _link_fields(
    api: MockApi, responses: Iterable[Any], spec: TaskSpec
) -> Iterable[tuple[tuple[str, ...], Any, str, str | None]]:
    """(tokens, schema, schema pointer, None) of each ``*_url``/``*_path`` string at the top or status
    level, and (..., method) of each upload slot there: an object telling the client to send a
    request (``{"method": "PUT", "url": ...}``: ipop's new media asset says where its source goes)."""
    containers: list[tuple[str, ...]] = [()]
    status = tuple(split(spec.status))
    if len(status) > 1:
        containers.append(status[:-1])
    for response in responses:
        if not response.key.startswith("2"):
            continue
        for media in response.media:
            if media.schema_pointer is None:
                continue
            document = api.spec.document
            root = api.schemas.resolve(media.schema_pointer)
            for container in containers:
                for name, schema in properties(document, schema_at(document, root, container)).items():
                    if _FIELD.match(name) and "string" in types(document, schema):
                        yield (*container, name), resolved(document, schema), media.schema_pointer, None
                    method = _slot_method(document, schema)
                    if method is not None:
                        yield (*container, name, "url"), None, media.schema_pointer, method
                    if name in _LINK_OBJECTS:  # ``links: {self, cancel}``: each member a link by its name
                        for member, sub in properties(document, resolved(document, schema)).items():
                            if "string" in types(document, sub):
                                yield (
                                    (*container, name, member),
                                    resolved(document, sub),
                                    media.schema_pointer,
                                    None,
                                )


def _slot_method(document: Any, schema: Any) -> str | None:
    """The method an upload slot's object names (its ``method``'s one value), where it has a ``url``."""
    fields = properties(document, resolved(document, schema))
    method = resolved(document, fields.get("method")) if "url" in fields else None
    if not isinstance(method, Mapping):
        return None
    values: list[Any] = [method["const"]] if "const" in method else list(method.get("enum") or ())
    return str(values[0]).upper() if len(values) == 1 and isinstance(values[0], str) else None


def _plan(
    tokens: tuple[str, ...], schema: Any, routes: list[PathTemplate], named: Mapping[str, str | None]
) -> LinkPlan | None:
    name = tokens[-1]
    match = _FIELD.match(name)
    if match is not None:
        stem, kind = match.group("stem"), match.group("kind").lower()
    elif len(tokens) > 1 and tokens[-2] in _LINK_OBJECTS:  # a member of a links object: named by its role
        stem, kind = name, "url"
    else:
        return None
    for text in _texts(schema if isinstance(schema, Mapping) else {}):
        path = urlparse(text).path if text.startswith(("http://", "https://")) else text
        found = next((route for route in routes if route.match(path) is not None), None)
        if found is not None:
            return LinkPlan(tokens, found.path, as_path=kind == "path" or text.startswith("/"))
    as_path = kind == "path"
    words = [w for w in re.split(r"[_\-]|(?<=[a-z])(?=[A-Z])", stem.lower()) if w]
    role = "poll" if set(words) & _POLL_STEMS and len(words) == 1 else None
    role = "cancel" if set(words) & _CANCEL_STEMS and len(words) == 1 else role
    paths = [route.path for route in routes]
    if role is not None and named.get(role) in paths:
        route = named[role]
        assert route is not None
        return LinkPlan(tokens, route, as_path)
    if not words:
        return None
    candidates = [route.path for route in routes if set(words) <= _segment_words(route)]
    if not candidates:
        return None
    return LinkPlan(tokens, min(candidates, key=lambda r: (r.count("/"), len(r))), as_path)


def _texts(schema: Mapping[str, Any]) -> list[str]:
    texts = [v for v in schema.get("examples") or () if isinstance(v, str)]
    if isinstance(schema.get("example"), str):
        texts.append(schema["example"])
    description = schema.get("description")
    if isinstance(description, str):
        texts.extend(m.group(1) for m in _PATH_IN_TEXT.finditer(description))
    return texts


def _segment_words(route: PathTemplate) -> set[str]:
    words: set[str] = set()
    for segment in route.segments:
        if segment.literal:
            words.update(w for w in re.split(r"[_\-.:]", segment.text.lower()) if w)
    return words
