"""Task lifecycles declared for one source document, read from the YAML file beside it.

Which operations start, poll and cancel a task, and what each status value means, is knowledge
about a particular document, not code: it lives in ``<source stem>.lifecycles.yaml`` next to the
source (``specs/sources/ipop.json`` -> ``specs/sources/ipop.lifecycles.yaml``; format in
docs/lifecycles.md), so ``normalize`` can give any document its tasks and every judgement call is
reviewed as data with its reason. The same file holds the ``behaviours`` a spec states only in prose,
each quoting the spec's words, so the mock acts on data, never on code keyed by an API's name.

This module reads such a file into the frozen model of ``lifecycle_model.py``. What each key may hold
(which keys exist, their types, the required ones, one kind per statement) is the file's JSON Schema,
``spec/schemas/lifecycles.schema.json``; what a schema cannot say is checked here: names declared once,
a status value in one state list only, a ``serve`` naming a declared shape, an operation created by one
lifecycle, a statement's operations playing their role in a lifecycle. Every refusal is one
``SpecError`` naming the file, the line and a JSON pointer into it. What depends on the document (does
``GET /v1/jobs/{id}`` exist, does the status enum agree) the passes check when they apply it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatewright.normalize.lifecycle_model import (
    BEHAVIOURS,
    Actions,
    ApiKeyHeader,
    ApiLifecycles,
    Behaviour,
    EchoAs,
    Expansion,
    FieldDefault,
    FieldPattern,
    FieldValues,
    FilePurpose,
    Lifecycle,
    ListShows,
    Move,
    ParameterDefault,
    Required,
    RequiredHeader,
    Shape,
    Transcript,
)
from gatewright.spec.document_schemas import problem
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml, read_text, yaml_line
from gatewright.spec.tasks import STATE_KINDS, States

__all__ = ["LIFECYCLES_SUFFIX", "lifecycles_beside", "load_lifecycles", "parse_lifecycles"]

LIFECYCLES_SUFFIX = ".lifecycles.yaml"


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
        found = problem("lifecycles", data)
        if found is not None:
            raise _refused(found.pointer, found.explained())
        declared = _model(data, source, text)
        _check(declared)
        return declared
    except SpecError as error:
        line = yaml_line(text, error.pointer) if text else None
        raise SpecError(error.message, source=source, line=line, pointer=error.pointer) from None


# --- the model of a file the schema accepted ------------------------------------------------------------


def _model(data: Mapping[str, Any], source: str, text: str) -> ApiLifecycles:
    required = tuple(
        Required(entry["schema"], tuple(entry["fields"]), entry["why"]) for entry in data.get("required", [])
    )
    shapes = tuple(
        Shape(entry["name"], entry["replaces"], entry["schema"], entry["why"])
        for entry in data.get("shapes", [])
    )
    lifecycles = tuple(_lifecycle(entry) for entry in data["lifecycles"])
    behaviours = tuple(
        _behaviour(entry, yaml_line(text, f"/behaviours/{index}") if text else None)
        for index, entry in enumerate(data.get("behaviours", []))
    )
    return ApiLifecycles(lifecycles, shapes, required, source, behaviours)


def _lifecycle(entry: Mapping[str, Any]) -> Lifecycle:
    """The keys of a lifecycle are the model's fields (the schema admits no other)."""
    fields = dict(entry)
    fields["creates"] = tuple(entry["creates"])
    fields["states"] = States(**{kind: tuple(entry["states"][kind]) for kind in STATE_KINDS})
    fields["add_status_values"] = tuple(entry.get("add_status_values", ()))
    return Lifecycle(**fields)


def _behaviour(entry: Mapping[str, Any], line: int | None) -> Behaviour:
    """One statement: its one ``BEHAVIOURS`` key (the schema holds it to exactly one) and its value."""
    kind = next(key for key in BEHAVIOURS if key in entry)
    stated = entry[kind]
    value: Any = stated
    if kind == "idempotency":
        value = stated["header"]
    elif kind == "counter":
        value = (stated["field"], stated["follows"])
    elif kind in ("also_served_by", "set_on_success", "reasoning_content"):
        value = tuple(stated)
    elif kind == "api_key_header":
        value = ApiKeyHeader(stated["scheme"], stated["header"], stated.get("description"))
    elif kind == "required_header":
        value = RequiredHeader(stated["name"], stated["schema"], stated.get("description"))
    elif kind == "expand":
        value = Expansion(stated["parameter"], tuple(stated["fields"]), stated.get("all"))
    elif kind == "field_pattern":
        value = FieldPattern(
            stated["schema"],
            stated["field"],
            stated["pattern"],
            stated.get("widens", False),
            stated.get("description"),
            tuple((named["operation"], named["name"]) for named in stated.get("parameters", ())),
        )
    elif kind == "echo_as":
        value = EchoAs(stated["field"], stated["as"])
    elif kind == "field_values":
        value = FieldValues(stated["parameter"], stated["schema"], stated["field"])
    elif kind == "field_default":
        value = FieldDefault(stated["schema"], stated["field"], stated["value"])
    elif kind == "parameter_default":
        value = ParameterDefault(stated["name"], stated["value"])
    elif kind == "rerank":
        value = stated["results"]
    elif kind == "file_purpose":
        value = FilePurpose(stated["field"], stated["purpose"])
    elif kind == "actions":
        moves = tuple(
            (name, Move(tuple(move.get("from", ())), move.get("via"), move.get("to")))
            for name, move in stated["moves"].items()
        )
        value = Actions(stated["parameter"], moves)
    elif kind == "transcript":
        value = Transcript(stated["messages"], stated["prompt"], stated["answer"])
    elif kind == "mcp":
        value = tuple(stated.get("tools", ()))
    elif kind == "list_shows":
        value = ListShows(stated["parameter"], str(stated["value"]), stated["tasks"])
    return Behaviour(
        kind,
        tuple(entry.get("operations", ())),
        value,
        entry["why"],
        note=entry.get("note", ""),
        line=line,
        reason=entry.get("reason", ""),
    )


# --- what a schema cannot say: names, states and roles that must agree ----------------------------------


def _check(declared: ApiLifecycles) -> None:
    for index, lifecycle in enumerate(declared.lifecycles):
        _check_states(lifecycle, f"/lifecycles/{index}")
    _unique("required", [entry.schema for entry in declared.required], "a required-fields entry for schema")
    _unique("shapes", [shape.name for shape in declared.shapes], "shape")
    _unique("lifecycles", [lifecycle.name for lifecycle in declared.lifecycles], "lifecycle")
    shape_names = {shape.name for shape in declared.shapes}
    creates: dict[str, str] = {}
    for index, lifecycle in enumerate(declared.lifecycles):
        if lifecycle.serve is not None and lifecycle.serve not in shape_names:
            raise _refused(
                f"/lifecycles/{index}/serve",
                f"lifecycle {lifecycle.name!r} serves {lifecycle.serve!r}, which no shape declares",
            )
        for create in lifecycle.creates:
            if create in creates:
                raise _refused(
                    f"/lifecycles/{index}/creates",
                    f"{create} creates tasks of both {creates[create]!r} and {lifecycle.name!r}",
                )
            creates[create] = lifecycle.name
    _check_roles(declared.behaviours, declared.lifecycles)


def _check_states(lifecycle: Lifecycle, where: str) -> None:
    """Every status value in exactly one state list, and something before the end."""
    seen: dict[str, str] = {}
    for kind in STATE_KINDS:
        for value in lifecycle.states[kind]:
            if value in seen:
                raise _refused(
                    f"{where}/states/{kind}", f"status {value!r} is in both {seen[value]!r} and {kind!r}"
                )
            seen[value] = kind
    if not (lifecycle.states.initial or lifecycle.states.running):
        raise _refused(f"{where}/states", f"lifecycle {lifecycle.name!r} has no initial or running state")
    unknown = [value for value in lifecycle.add_status_values if value not in seen]
    if unknown:
        raise _refused(
            f"{where}/add_status_values", f"{unknown} are in no state list of lifecycle {lifecycle.name!r}"
        )


def _check_roles(behaviours: tuple[Behaviour, ...], lifecycles: tuple[Lifecycle, ...]) -> None:
    """Each operation plays the role its statement needs in a declared lifecycle; a statement is made
    once (per operation, per header or scheme for the auth kinds, per field for a pattern or a default,
    per answer field and operation for an echo)."""
    roles = {
        "create": {create for lifecycle in lifecycles for create in lifecycle.creates},
        "cancel": {lifecycle.cancel for lifecycle in lifecycles if lifecycle.cancel},
        "poll": {lifecycle.poll for lifecycle in lifecycles},
    }
    stated: dict[tuple[str, ...], int] = {}
    for index, behaviour in enumerate(behaviours):
        role = BEHAVIOURS[behaviour.kind]
        for where, subject, label in _subjects(behaviour, f"/behaviours/{index}"):
            operation = subject[-1]
            if role is not None and operation not in roles[role]:
                raise _refused(
                    where, f"{behaviour.kind} names {operation}, which is the {role} of no lifecycle"
                )
            earlier = stated.setdefault(subject, index)
            if earlier != index:
                raise _refused(where, f"{label} is stated twice (also /behaviours/{earlier})")
        if behaviour.kind == "also_served_by":
            _check_served_by(behaviour, f"/behaviours/{index}", roles["poll"])
        if behaviour.kind == "list_shows" and behaviour.value.tasks not in roles["poll"]:
            raise _refused(
                f"/behaviours/{index}/list_shows/tasks",
                f"{behaviour.value.tasks} polls no lifecycle, so the tasks it would show are unknown",
            )
        if behaviour.kind == "transcript":
            for position, operation in enumerate(behaviour.operations):
                if acted_on(operation, lifecycles) is None:
                    raise _refused(
                        f"/behaviours/{index}/operations/{position}",
                        "transcript names a route under the poll of no lifecycle",
                    )
        if behaviour.kind == "actions":
            for position, operation in enumerate(behaviour.operations):
                _check_moves(
                    behaviour.value, acted_on(operation, lifecycles), f"/behaviours/{index}", position
                )


def _subjects(behaviour: Behaviour, where: str) -> list[tuple[str, tuple[str, ...], str]]:
    """What a statement is about, once each: (pointer, key, how an error names it)."""
    kind = behaviour.kind
    if isinstance(behaviour.value, FieldPattern):
        named = f"{behaviour.value.schema}.{behaviour.value.field}"
        return [(f"{where}/{kind}/field", (kind, named), f"{kind} of {named}")] + [
            (
                f"{where}/{kind}/parameters/{position}",
                (kind, operation, name),
                f"{kind} of {operation} {name}",
            )
            for position, (operation, name) in enumerate(behaviour.value.parameters)
        ]
    if isinstance(behaviour.value, FieldDefault):
        named = f"{behaviour.value.schema}.{behaviour.value.field}"
        return [(f"{where}/{kind}/field", (kind, named), f"{kind} of {named}")]
    if isinstance(behaviour.value, ApiKeyHeader):
        scheme = behaviour.value.scheme
        return [(f"{where}/{kind}/scheme", (kind, scheme), f"{kind} scheme {scheme}")]
    key: tuple[str, ...] = ()
    named = kind
    if isinstance(behaviour.value, RequiredHeader):
        key, named = (behaviour.value.name.lower(),), f"{kind} {behaviour.value.name}"
    elif isinstance(behaviour.value, EchoAs):
        key, named = (behaviour.value.answer,), f"{kind} {behaviour.value.answer}"
    elif isinstance(behaviour.value, FieldValues):  # once per operation and parameter
        key, named = (behaviour.value.parameter,), f"{kind} {behaviour.value.parameter}"
    elif isinstance(behaviour.value, ParameterDefault):  # once per operation and parameter
        key, named = (behaviour.value.name,), f"{kind} {behaviour.value.name}"
    elif isinstance(behaviour.value, FilePurpose):  # once per operation and field
        key, named = (behaviour.value.field,), f"{kind} of {behaviour.value.field}"
    elif isinstance(behaviour.value, ListShows):  # once per operation, parameter and value
        shows = behaviour.value
        key, named = (shows.parameter, shows.value), f"{kind} {shows.parameter}={shows.value}"
    return [
        (f"{where}/operations/{position}", (kind, *key, operation), f"{named} of {operation}")
        for position, operation in enumerate(behaviour.operations)
    ]


def acted_on(operation: str, lifecycles: tuple[Lifecycle, ...]) -> Lifecycle | None:
    """The lifecycle whose task an action route acts on: the one polled at the route's parent item
    (``POST /v1/gpu/instances/{instance_id}/{action}`` under ``GET /v1/gpu/instances/{instance_id}``)."""
    path = operation.partition(" ")[2]
    return next((lc for lc in lifecycles if path.startswith(lc.poll.partition(" ")[2] + "/")), None)


def _check_moves(actions: Actions, lifecycle: Lifecycle | None, where: str, position: int) -> None:
    """An action route lies under a lifecycle's poll, and each move speaks its status words: ``via``
    a word of a task in motion (initial or running), ``to`` one of a task at rest (terminal)."""
    if lifecycle is None:
        raise _refused(
            f"{where}/operations/{position}", "actions names a route under the poll of no lifecycle"
        )
    states = lifecycle.states
    for name, move in actions.moves:
        words = {
            "from": move.from_,
            "via": (move.via,) if move.via else (),
            "to": (move.to,) if move.to else (),
        }
        kinds = {
            "from": STATE_KINDS,
            "via": ("initial", "running"),
            "to": ("succeeded", "failed", "cancelled"),
        }
        for key, values in words.items():
            allowed = {word for kind in kinds[key] for word in states[kind]}
            for value in values:
                if value not in allowed:
                    raise _refused(
                        f"{where}/actions/moves/{name}/{key}",
                        f"{value!r} is no {'/'.join(kinds[key])} status of lifecycle {lifecycle.name!r}",
                    )


def _check_served_by(behaviour: Behaviour, where: str, polls: set[str]) -> None:
    overlap = sorted(set(behaviour.value) & set(behaviour.operations))
    if overlap:
        raise _refused(f"{where}/also_served_by", f"{overlap[0]} cannot serve its own tasks as another route")
    for position, operation in enumerate(behaviour.value):
        if operation not in polls:
            raise _refused(
                f"{where}/also_served_by/{position}",
                f"{operation} polls no lifecycle, so its words for a task are unknown",
            )


def _unique(key: str, names: list[str], what: str) -> None:
    for index, name in enumerate(names):
        if name in names[:index]:
            raise _refused(f"/{key}/{index}", f"{what} {name!r} is declared twice")


def _refused(pointer: str, message: str) -> SpecError:
    """A refusal at ``pointer``; ``parse_lifecycles`` names the file and the line."""
    return SpecError(message, pointer=pointer)
