"""The echo rule: a response field that restates a request field says what was sent.

A gateway answers a video job created with ``model: openai/sora-2`` with that model, a batch
with its ``input_file_id``, a fine-tuning job with its ``training_file`` and ``suffix``; a
generated body would name made-up ones. The rule is general over the schemas, not a table:
a response field takes the request's value when it has the **same name** as a top-level
request field (or is that name with ``_id`` where the request sent an id: ``training_file`` ->
``training_file_id``), or when the spec states that it restates one (``x-gatewright-echo-as`` on the
operation, from a lifecycle file's quoted ``echo_as`` statement: ipop's fine-tune job answers
``base_model_id`` for the ``model`` "Base model catalog id."; ``RequestFields.stated``). Beyond the
names only a statement links fields: no description is read here, as one that happens to open with an
answer field's words would copy a request value into an unrelated field of a user's spec. The field
sits at the top of the body or in an object directly under it (the object a wrapper such as
``{"data": {...}}`` or ``{"task": {...}}`` holds). Each edit is kept only if the body stays valid
against the spec (``mock.fit.Edits``), so a field whose schema says something else (an enum, another
type) keeps its generated value.

What is echoed: strings, numbers, booleans, ``null``, and small objects or lists (``metadata``,
``tags``), never fields the server owns (``id``, ``object``, ``status``, times, ``error``). A ``null``
is what the client sent, not a field left out: ipop's KV put of ``"value": null`` reads back ``null``
where the schema allows it (a field that may not be null keeps its generated value, as any edit the
schema refuses).
``echoable`` keeps the part of a request worth remembering (a task echoes it in every poll);
``restates`` is the naming rule, which ``tasks.asked`` also reads for the fields a request left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from gatewright.mock.fit import Edits
from gatewright.spec.schemas import properties, resolved, types

__all__ = [
    "NO_FIELDS",
    "RequestFields",
    "echo",
    "echo_header",
    "echo_headers",
    "echoable",
    "request_fields_of",
    "restates",
    "with_path",
]

# Fields whose value is the server's to decide, whatever the request says.
SERVER_OWNED = frozenset(
    {
        "id",
        "object",
        "status",
        "state",
        "created",
        "created_at",
        "updated_at",
        "completed_at",
        "expires_at",
        "error",
        "errors",
        "data",
        "type",
        "usage",
        "progress",
        "result",
        "results",
        "output",
    }
)
MAX_TEXT = 4096  # characters of a string worth echoing
MAX_STRUCTURE = 4096  # bytes of an object or list worth echoing (as JSON)


@dataclass(frozen=True, slots=True)
class RequestFields:
    """What an operation says of its request's top-level fields, for the echo rule (read once per
    operation: ``MockApi.echo_fields``): the answer fields its ``x-gatewright-echo-as`` states restate one
    (``stated``: ``base_model_id`` -> ``model``), the request fields that hold strings (``strings``: an
    ``X`` whose ``X_id`` an answer may restate), their declared ``defaults``, and of an object field the
    defaults its own fields declare (``member_defaults``: ipop's fine-tune ``hyperparameters`` ->
    ``{"n_epochs": 3, ...}``)."""

    stated: Mapping[str, str] = field(default_factory=dict)
    strings: frozenset[str] = frozenset()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    member_defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def default_of(self, name: str) -> Any:
        """What a field not sent is: its declared default, else the object of its members' defaults
        (where they declare any), else None."""
        if name in self.defaults:
            return self.defaults[name]
        members = self.member_defaults.get(name)
        return dict(members) if members else None

    def as_sent(self, name: str, value: Any) -> Any:
        """What an answer restates of a field sent as ``value``: an object sent without some of its
        members says their declared defaults beside what it sent (a request's hyperparameters
        ``{"batch_size": 4}``: the job's ran with the other declared defaults too)."""
        members = self.member_defaults.get(name)
        if not members or not isinstance(value, Mapping):
            return value
        return {**members, **value}


NO_FIELDS = RequestFields()


def request_fields_of(document: Any, schema: Any, echo_as: Any = None) -> RequestFields:
    """``RequestFields`` of a request body ``schema`` in ``document``, with what the operation's
    ``x-gatewright-echo-as`` value ``echo_as`` states ({answer field: request field}; a malformed one,
    or an entry naming a field the server owns, states nothing)."""
    strings: set[str] = set()
    defaults: dict[str, Any] = {}
    member_defaults: dict[str, dict[str, Any]] = {}
    for name, declared in properties(document, schema).items():
        node = resolved(document, declared) or {}
        if "string" in types(document, node):
            strings.add(name)
        if "default" in node:
            defaults[name] = node["default"]
        members = {
            member: inner["default"]
            for member, sub in properties(document, node).items()
            if "default" in (inner := resolved(document, sub) or {})
        }
        if members:
            member_defaults[name] = members
    stated = {
        answer: sent
        for answer, sent in (echo_as.items() if isinstance(echo_as, Mapping) else ())
        if isinstance(answer, str) and isinstance(sent, str) and answer not in SERVER_OWNED
    }
    return RequestFields(stated, frozenset(strings), defaults, member_defaults)


def echoable(request: Any, *, bounded: bool = True) -> dict[str, Any]:
    """The request's top-level fields the rule may echo: bounded (no uploads, no long prompts lists),
    as what a task keeps and restates in every poll; or, ``bounded=False``, every JSON value, as a
    resource the store keeps holds what was sent whatever its size (the store's byte budget bounds it:
    ipop's KV value of 5 KB read back as a generated one)."""
    if not isinstance(request, Mapping):
        return {}
    kept: dict[str, Any] = {}
    for name, value in request.items():
        if not isinstance(name, str) or name in SERVER_OWNED:
            continue
        if (
            value is None
            or isinstance(value, bool | int | float)
            or (isinstance(value, str) and (not bounded or len(value) <= MAX_TEXT))
            or (isinstance(value, dict | list) and (not bounded or _small(value)))
        ):
            kept[name] = value
    return kept


def echo(
    body: Any,
    request: Any,
    valid: Callable[[Any], bool],
    *,
    minted: frozenset[str] = frozenset(),
    owned: Sequence[Sequence[str]] = (),
    bounded: bool = True,
    fields: RequestFields = NO_FIELDS,
) -> Any:
    """``body`` with the fields that restate request fields set to what was sent (valid edits only).

    A field holding one of ``minted`` (ids the server gave out, e.g. a task's id) keeps it, and so
    does a field at or above one of the ``owned`` paths (a task's status and result live there).
    ``fields`` is what the operation says of its request's fields (the answer fields stated to restate one).
    Returns ``body`` itself when nothing changed, else an edited copy; ``body`` is never mutated.
    """
    sent = echoable(request, bounded=bounded)
    if not sent or not isinstance(body, dict):
        return body
    ids = frozenset(name for name, value in sent.items() if isinstance(value, str))

    def restated_by(name: str) -> str | None:
        return restates(name, sent, ids, fields.stated)

    places = [((), body)] + [  # an object restated whole is not written into as well
        ((key,), part) for key, part in body.items() if isinstance(part, dict) and restated_by(key) is None
    ]
    wanted = [
        ((*prefix, name), value)
        for prefix, holder in places
        for name in holder
        if (restated := restated_by(name)) is not None
        and holder[name] != (value := fields.as_sent(restated, sent[restated]))
        and not (isinstance(holder[name], str) and holder[name] in minted)
        and not any(tuple(path[: len(prefix) + 1]) == (*prefix, name) for path in owned)
    ]
    if not wanted:
        return body
    edits = Edits(json.loads(json.dumps(body)), valid)  # a deep copy that keeps only JSON
    edits.set_all(wanted)
    return edits.body


def restates(
    name: str, fields: Collection[str], ids: Collection[str], stated: Mapping[str, str]
) -> str | None:
    """The request field (one of ``fields``) a response field named ``name`` restates: the one the spec
    states it restates (``stated``: ``base_model_id`` -> ``model``), else the same name, or the name
    with ``_id`` where the field holds an id (one of ``ids``: ``training_file`` -> ``training_file_id``).
    A field the server owns restates nothing; a stated field restates only what it is stated to."""
    if name in SERVER_OWNED:
        return None
    if name in stated:
        return stated[name] if stated[name] in fields else None
    if name in fields:
        return name
    stem = name[:-3] if name.endswith("_id") else None
    return stem if stem is not None and stem in fields and stem in ids else None


def _small(value: Any) -> bool:
    try:
        return len(json.dumps(value)) <= MAX_STRUCTURE
    except (TypeError, ValueError):
        return False


def echo_header(body: bytes, header: str, value: str) -> bytes | None:
    """``body`` (JSON) with the field an echoed header names (``X-Request-Id`` -> ``request_id``) set
    to the header's value, at its top or in its ``error`` object, where it is a string; None when it
    has none (or is not JSON)."""
    field = header.lower().removeprefix("x-").replace("-", "_")
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    changed = False
    for holder in (parsed, parsed.get("error")):
        if isinstance(holder, dict) and isinstance(holder.get(field), str):
            holder[field] = value
            changed = True
    return json.dumps(parsed).encode() if changed else None


def echo_headers(request: web.Request, response: web.StreamResponse, names: Sequence[str]) -> None:
    """The headers an operation says its answer echoes (``names``), and the body field each names (an
    error's ``request_id``), onto ``response`` before it is sent."""
    for name in names:
        value = request.headers.get(name)
        if value is None:
            continue
        response.headers[name] = value
        if type(response) is web.Response and isinstance(response.body, bytes):
            body = echo_header(response.body, name, value)
            if body is not None:
                response.body = body


def with_path(params: Mapping[str, str], body: object) -> object:
    """What an answer may restate: the body's fields and the path's (``/assets/{asset_id}/uploads``
    answers that ``asset_id``), the body's winning."""
    if not params:
        return body
    if isinstance(body, dict):
        return {**params, **body}
    return dict(params) if body is None else body
