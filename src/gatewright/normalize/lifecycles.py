"""Task lifecycles declared for one source document, read from the YAML file beside it.

Which operations start, poll and cancel a task, and what each status value means, is knowledge
about a particular document, not code: it lives in ``<source stem>.lifecycles.yaml`` next to the
source (``specs/sources/ipop.json`` -> ``specs/sources/ipop.lifecycles.yaml``; format in
docs/lifecycles.md), so ``normalize`` can give any document its tasks and every judgement call is
reviewed as data with its reason. This module reads such a file into the frozen model below and
refuses, in one ``SpecError`` naming the file and a JSON pointer into it, anything the task pass
(``passes/tasks.py``) could not apply whatever the document: an unknown key, a status value in two
state lists, a ``serve`` naming no shape, an operation declared twice. What depends on the document
(does ``GET /v1/jobs/{id}`` exist, does the status enum agree) the pass checks when it applies them.

The same file holds the ``behaviours`` a spec states only in prose (an idempotency header, a ``sync``
flag, a cancel that is a no-op once a job finished, task ids also served on generic routes, a counter
that follows an event stream): each statement names its operations and quotes the spec's words in
``why``, so the mock acts on data, never on code keyed by an API's name. Errors name the file, the
line and a JSON pointer into it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml, read_text, yaml_line
from gatewright.spec.pointer import escape
from gatewright.spec.tasks import STATE_KINDS, States

LIFECYCLES_SUFFIX = ".lifecycles.yaml"

_OPERATION = re.compile(r"^(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) (/\S*)$")


@dataclass(frozen=True, slots=True)
class Shape:
    """A response body the document leaves opaque, declared so the mock has something real to serve."""

    name: str
    replaces: str  # the free-form component the 2xx responses referenced
    schema: dict[str, Any]
    why: str


@dataclass(frozen=True, slots=True)
class Required:
    """Fields a schema leaves optional although the prose shows them on every body."""

    schema: str
    fields: tuple[str, ...]
    why: str


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """One create -> poll (-> cancel) lifecycle. ``creates``, ``poll`` and ``cancel`` are ``METHOD /path``."""

    name: str
    creates: tuple[str, ...]
    poll: str
    id: str  # runtime expression on the create response
    status: str  # JSON pointer into the poll response body
    states: States
    result: str | None = None  # JSON pointer into the poll response body
    cancel: str | None = None
    prefer: str | None = None
    async_when: str | None = None  # runtime expression on the create request that makes it a task
    poll_body_id: str | None = None  # pointer into the poll request body, for polls that are POSTs
    serve: str | None = None  # a Shape name: the create and poll 2xx bodies become that shape
    fork_poll_schema: str | None = None  # copy the shared poll schema under this name before editing it
    add_status_values: tuple[str, ...] = ()  # values the existing status enum lacks
    retention_seconds: int | None = None
    why: str = ""  # the decisions taken for this lifecycle, copied into the repair log


# What a behaviour statement may say, and which role its operations play (None: any operation).
BEHAVIOURS: dict[str, str | None] = {
    "idempotency": None,  # {header: NAME}: a repeated key answers the first answer again
    "sync_when": "create",  # $request.body#/<pointer>: true there answers the finished result, not a task
    "finished_cancel": "cancel",  # noop: cancelling a finished task changes nothing (it stays readable)
    "also_served_by": "poll",  # [METHOD /path]: other polls that serve these tasks too, in their own words
    "id_prefix": "create",  # the prefix the API's task ids carry
    "counter": "poll",  # {field: /pointer, follows: METHOD /path}: the last event number of that stream
}
FINISHED_CANCEL = ("noop",)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One statement a spec makes in prose, as data: ``kind`` (a ``BEHAVIOURS`` key) with its ``value``
    for ``operations`` (``METHOD /path``); ``why`` is the spec's words, quoted verbatim (the pass
    finds them in the document), ``note`` any reading of them. ``line`` is where it is in the file."""

    kind: str
    operations: tuple[str, ...]
    value: Any  # idempotency: the header; counter: (field, follows); also_served_by: operations
    why: str
    note: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class ApiLifecycles:
    """Everything one lifecycle file declares; ``source`` names the file in the pass's errors."""

    lifecycles: tuple[Lifecycle, ...]
    shapes: tuple[Shape, ...] = ()
    required: tuple[Required, ...] = ()
    source: str = ""
    behaviours: tuple[Behaviour, ...] = ()

    def stated(self, kind: str, operation: str) -> Behaviour | None:
        """The statement of ``kind`` about ``operation`` (``METHOD /path``), if the file makes one."""
        return next((b for b in self.behaviours if b.kind == kind and operation in b.operations), None)


def lifecycles_beside(source: Path) -> Path:
    """A source's lifecycle file: same directory, same stem (``foo.yaml`` -> ``foo.lifecycles.yaml``)."""
    return source.with_name(source.stem + LIFECYCLES_SUFFIX)


def load_lifecycles(path: Path) -> ApiLifecycles:
    """Read and validate one lifecycle file through the spec loader's safe YAML (alias and depth limits)."""
    source = str(path)
    text = read_text(path, "lifecycle file")
    return parse_lifecycles(parse_yaml(text, source), source, text)


def parse_lifecycles(data: Any, source: str, text: str = "") -> ApiLifecycles:
    """The validated model of a parsed lifecycle document (``source`` names it in errors, ``text``, the
    YAML it was parsed from, gives them their line)."""
    try:
        return _parse(data, source, text)
    except SpecError as error:
        if error.line is not None or not text:
            raise
        line = yaml_line(text, error.pointer)
        raise SpecError(error.message, source=source, line=line, pointer=error.pointer) from None


def _parse(data: Any, source: str, text: str) -> ApiLifecycles:
    top = _Fields(
        data,
        "",
        source,
        "a lifecycle file",
        required=("lifecycles",),
        optional=("shapes", "required", "behaviours"),
    )
    required = tuple(_required(fields) for fields in top.entries("required", "a required-fields entry"))
    shapes = tuple(_shape(fields) for fields in top.entries("shapes", "a shape"))
    lifecycles = tuple(_lifecycle(fields) for fields in top.entries("lifecycles", "a lifecycle"))
    _unique(top, "required", [entry.schema for entry in required], "a required-fields entry for schema")
    _unique(top, "shapes", [shape.name for shape in shapes], "shape")
    _unique(top, "lifecycles", [lifecycle.name for lifecycle in lifecycles], "lifecycle")
    shape_names = {shape.name for shape in shapes}
    creates: dict[str, str] = {}
    for index, lifecycle in enumerate(lifecycles):
        if lifecycle.serve is not None and lifecycle.serve not in shape_names:
            top.fail(
                f"/lifecycles/{index}/serve",
                f"lifecycle {lifecycle.name!r} serves {lifecycle.serve!r}, which no shape declares",
            )
        for create in lifecycle.creates:
            if create in creates:
                top.fail(
                    f"/lifecycles/{index}/creates",
                    f"{create} creates tasks of both {creates[create]!r} and {lifecycle.name!r}",
                )
            creates[create] = lifecycle.name
    behaviours = tuple(
        _behaviour(fields, yaml_line(text, fields.pointer) if text else None)
        for fields in top.entries("behaviours", "a behaviour")
    )
    _check_roles(top, behaviours, lifecycles)
    return ApiLifecycles(lifecycles, shapes, required, source, behaviours)


class _Fields:
    """One mapping of the file: typed reads that fail with the file, a pointer into it and what is wrong."""

    def __init__(
        self,
        data: Any,
        pointer: str,
        source: str,
        what: str,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> None:
        self.pointer = pointer
        self.source = source
        if not isinstance(data, dict):
            self.fail(pointer, f"{what} must be a mapping, not {_kind(data)}")
        allowed = (*required, *optional)
        for key in data:
            if key not in allowed:
                self.fail(self.at(key), f"unknown key {key!r} in {what} (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in data:
                self.fail(pointer, f"{what} lacks {key!r}")
        self.data: dict[str, Any] = data

    def fail(self, pointer: str, message: str) -> NoReturn:
        raise SpecError(message, source=self.source, pointer=pointer)

    def at(self, key: str) -> str:
        return f"{self.pointer}/{escape(key)}"

    def text(self, key: str) -> str | None:
        """A non-empty string, or None when the key is absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(self.at(key), f"{key!r} must be a non-empty string, not {_kind(value)}")
        return value

    def must(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            self.fail(self.at(key), f"{key!r} must be a non-empty string, not null")
        return value

    def texts(self, key: str, *, non_empty: bool = False) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(self.at(key), f"{key!r} must be a list of strings, not {_kind(value)}")
        if non_empty and not value:
            self.fail(self.at(key), f"{key!r} must name at least one value")
        return tuple(value)

    def entries(self, key: str, what: str) -> Iterator[_Fields]:
        """The mappings of a list-valued key, each checked against that key's allowed keys."""
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.fail(self.at(key), f"{key!r} must be a list of mappings, not {_kind(value)}")
        for index, item in enumerate(value):
            yield _Fields(item, f"{self.at(key)}/{index}", self.source, what, **_KEYS[key])


_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "required": {"required": ("schema", "fields", "why")},
    "shapes": {"required": ("name", "replaces", "schema", "why")},
    "lifecycles": {
        "required": ("name", "creates", "poll", "id", "status", "states"),
        "optional": (
            "cancel",
            "result",
            "prefer",
            "async_when",
            "poll_body_id",
            "serve",
            "fork_poll_schema",
            "add_status_values",
            "retention_seconds",
            "why",
        ),
    },
    "behaviours": {"required": ("operations", "why"), "optional": (*BEHAVIOURS, "note")},
}

# What the strings the pass reads as expressions or pointers must start with.
_PREFIXES = (
    ("id", "$response.body#/", "a runtime expression on the create response"),
    ("async_when", "$request.body#/", "a runtime expression on the create request"),
    ("status", "/", "a JSON pointer into the poll response body"),
    ("result", "/", "a JSON pointer into the poll response body"),
    ("poll_body_id", "/", "a JSON pointer into the poll request body"),
)


def _required(fields: _Fields) -> Required:
    return Required(fields.must("schema"), fields.texts("fields", non_empty=True), fields.must("why"))


def _shape(fields: _Fields) -> Shape:
    schema = fields.data["schema"]
    if not isinstance(schema, dict):
        fields.fail(fields.at("schema"), f"'schema' must be a JSON Schema mapping, not {_kind(schema)}")
    return Shape(fields.must("name"), fields.must("replaces"), schema, fields.must("why"))


def _lifecycle(fields: _Fields) -> Lifecycle:
    name = fields.must("name")
    lifecycle = Lifecycle(
        name,
        fields.texts("creates", non_empty=True),
        poll=fields.must("poll"),
        id=fields.must("id"),
        status=fields.must("status"),
        states=_states(fields, name),
        result=fields.text("result"),
        cancel=fields.text("cancel"),
        prefer=fields.text("prefer"),
        async_when=fields.text("async_when"),
        poll_body_id=fields.text("poll_body_id"),
        serve=fields.text("serve"),
        fork_poll_schema=fields.text("fork_poll_schema"),
        add_status_values=fields.texts("add_status_values"),
        retention_seconds=_retention(fields),
        why=fields.text("why") or "",
    )
    named = [(f"{fields.at('creates')}/{i}", create) for i, create in enumerate(lifecycle.creates)]
    named += [(fields.at(key), getattr(lifecycle, key)) for key in ("poll", "cancel")]
    for pointer, operation in named:
        if operation is not None:
            _operation(fields, pointer, operation)
    for key, prefix, what in _PREFIXES:
        value = getattr(lifecycle, key)
        if value is not None and not value.startswith(prefix):
            fields.fail(fields.at(key), f"{key!r} must be {what} starting with {prefix!r}, not {value!r}")
    unknown = [value for value in lifecycle.add_status_values if value not in lifecycle.states.statuses()]
    if unknown:
        fields.fail(fields.at("add_status_values"), f"{unknown} are in no state list of lifecycle {name!r}")
    return lifecycle


def _behaviour(fields: _Fields, line: int | None) -> Behaviour:
    """One statement: exactly one ``BEHAVIOURS`` key, the operations it is about, the quoted words."""
    kinds = [key for key in BEHAVIOURS if key in fields.data]
    if len(kinds) != 1:
        fields.fail(
            fields.pointer,
            f"a behaviour states exactly one of {', '.join(BEHAVIOURS)} (found {', '.join(kinds) or 'none'})",
        )
    kind = kinds[0]
    operations = fields.texts("operations", non_empty=True)
    for index, operation in enumerate(operations):
        _operation(fields, f"{fields.at('operations')}/{index}", operation)
    if len(set(operations)) != len(operations):
        fields.fail(fields.at("operations"), "an operation is named twice")
    value = _BEHAVIOUR_VALUES[kind](fields, kind)
    return Behaviour(kind, operations, value, fields.must("why"), fields.text("note") or "", line)


def _header(fields: _Fields, kind: str) -> str:
    setting = _Fields(fields.data[kind], fields.at(kind), fields.source, f"{kind!r}", required=("header",))
    header = setting.must("header")
    if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", header):
        setting.fail(setting.at("header"), f"{header!r} is not an HTTP header name")
    return header


def _body_expression(fields: _Fields, kind: str) -> str:
    value = fields.must(kind)
    if not value.startswith("$request.body#/"):
        fields.fail(fields.at(kind), f"{kind!r} must be a runtime expression starting with '$request.body#/'")
    return value


def _finished_cancel(fields: _Fields, kind: str) -> str:
    value = fields.must(kind)
    if value not in FINISHED_CANCEL:
        fields.fail(fields.at(kind), f"{kind!r} must be one of {', '.join(FINISHED_CANCEL)}, not {value!r}")
    return value


def _served_by(fields: _Fields, kind: str) -> tuple[str, ...]:
    operations = fields.texts(kind, non_empty=True)
    for index, operation in enumerate(operations):
        _operation(fields, f"{fields.at(kind)}/{index}", operation)
    overlap = sorted(set(operations) & set(fields.data["operations"]))
    if overlap:
        fields.fail(fields.at(kind), f"{overlap[0]} cannot serve its own tasks as another route")
    return operations


def _id_prefix(fields: _Fields, kind: str) -> str:
    value = fields.must(kind)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
        fields.fail(fields.at(kind), f"{kind!r} must be letters, digits, '_', '.' or '-', not {value!r}")
    return value


def _counter(fields: _Fields, kind: str) -> tuple[str, str]:
    setting = _Fields(
        fields.data[kind], fields.at(kind), fields.source, f"{kind!r}", required=("field", "follows")
    )
    field, follows = setting.must("field"), setting.must("follows")
    if not field.startswith("/"):
        setting.fail(setting.at("field"), f"'field' must be a JSON pointer into the poll body, not {field!r}")
    _operation(setting, setting.at("follows"), follows)
    return field, follows


_BEHAVIOUR_VALUES: dict[str, Callable[[_Fields, str], Any]] = {
    "idempotency": _header,
    "sync_when": _body_expression,
    "finished_cancel": _finished_cancel,
    "also_served_by": _served_by,
    "id_prefix": _id_prefix,
    "counter": _counter,
}


def _check_roles(top: _Fields, behaviours: tuple[Behaviour, ...], lifecycles: tuple[Lifecycle, ...]) -> None:
    """Each operation plays the role its statement needs in a declared lifecycle, once per kind."""
    roles = {
        "create": {create for lifecycle in lifecycles for create in lifecycle.creates},
        "cancel": {lifecycle.cancel for lifecycle in lifecycles if lifecycle.cancel},
        "poll": {lifecycle.poll for lifecycle in lifecycles},
    }
    stated: dict[tuple[str, str], int] = {}
    for index, behaviour in enumerate(behaviours):
        role = BEHAVIOURS[behaviour.kind]
        for position, operation in enumerate(behaviour.operations):
            where = f"/behaviours/{index}/operations/{position}"
            if role is not None and operation not in roles[role]:
                top.fail(where, f"{behaviour.kind} names {operation}, which is the {role} of no lifecycle")
            earlier = stated.setdefault((behaviour.kind, operation), index)
            if earlier != index:
                top.fail(
                    where, f"{behaviour.kind} of {operation} is stated twice (also /behaviours/{earlier})"
                )
        if behaviour.kind == "also_served_by":
            for position, operation in enumerate(behaviour.value):
                if operation not in roles["poll"]:
                    top.fail(
                        f"/behaviours/{index}/also_served_by/{position}",
                        f"{operation} polls no lifecycle, so its words for a task are unknown",
                    )


def _operation(fields: _Fields, pointer: str, operation: str) -> None:
    if not _OPERATION.match(operation):
        fields.fail(
            pointer, f"{operation!r} is not an operation: write 'METHOD /path', e.g. 'GET /v1/jobs/{{id}}'"
        )


def _states(fields: _Fields, name: str) -> States:
    """All five kinds spelled out (``[]`` where the API has none), every value in exactly one of them."""
    where = fields.at("states")
    states = _Fields(
        fields.data["states"], where, fields.source, f"the states of lifecycle {name!r}", required=STATE_KINDS
    )
    lists = {kind: states.texts(kind) for kind in STATE_KINDS}
    seen: dict[str, str] = {}
    for kind, values in lists.items():
        for value in values:
            if value in seen:
                fields.fail(f"{where}/{kind}", f"status {value!r} is in both {seen[value]!r} and {kind!r}")
            seen[value] = kind
    if not lists["succeeded"]:
        fields.fail(f"{where}/succeeded", f"lifecycle {name!r} has no success state")
    if not (lists["initial"] or lists["running"]):
        fields.fail(where, f"lifecycle {name!r} has no initial or running state")
    return States(**lists)


def _retention(fields: _Fields) -> int | None:
    value = fields.data.get("retention_seconds")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
        fields.fail(
            fields.at("retention_seconds"), f"'retention_seconds' must be a positive integer, not {value!r}"
        )
    return value


def _unique(top: _Fields, key: str, names: list[str], what: str) -> None:
    for index, name in enumerate(names):
        if name in names[:index]:
            top.fail(f"/{key}/{index}", f"{what} {name!r} is declared twice")


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)
