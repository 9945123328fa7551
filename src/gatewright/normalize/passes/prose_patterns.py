"""Carry what a spec says only in prose about a field (its strings, its default) into the field's schema.

A page may say what a free string looks like (ipop's batch window: "e.g. '24h', '30m', '600s'. Max 7d.")
or that a field takes more than its schema lists (a fine-tune's ``ft:`` id is "invokable through
/v1/chat/completions", whose ``model`` is an enum of catalog ids). Both are data, not code: the lifecycle
file's ``field_pattern`` statements (docs/lifecycles.md#behaviours), each quoting the spec's words in
``why``, which the pass checks against the document first (a page that stops saying it stops the repair
loudly). Then each statement is applied to the component's field, logged with the quote:

- a pattern the values must follow becomes the field's ``pattern`` (a field that has another one, or a
  ``default`` the pattern refuses, is an error: the statement and the document disagree);
- a pattern that widens the field puts what constrains it now into the first branch of an ``anyOf`` and
  the pattern into the second, its annotations (``description``, ``examples``, ``default``) staying on the
  field, so every value valid before stays valid and strings that match are valid too.

A ``field_values`` statement says a parameter takes the values a field holds (ipop's upload ``purpose``,
any string in the query, is the purpose its file object states from a list): the parameter, a free string,
takes the field's schema (after the patterns, so as they widened it).

A ``field_pattern`` statement's ``parameters`` are where the same values are named again (a fine-tune's
id is a model, so ``GET /v1/models/{model_id}`` retrieves it): each one's schema takes the pattern alike.

A ``field_default`` statement says what a field is when not sent, where the prose states a default its
schema does not (ipop's fine-tune ``learning_rate``: "Adam learning rate. Default 1e-4."): the field takes
it as its ``default`` (after the patterns, so the value is judged against the field as they left it), which
the mock reports for a field a request left out. A field that has another default, or whose own schema
refuses the value, is an error: the statement and the document disagree. A ``parameter_default`` statement
gives a parameter of the operations it names its default alike (ipop's vector store list: "Use the `limit`
query param to cap the page size (default 20, max 100)."), which the mock's lists read when it is not sent.

A ``list_shows`` statement says a list shows other tasks when a query parameter has a value (voxvey's video
list, "... or to provider-native tasks when `provider=byte` is supplied.", whose ``provider`` enum lists
``openai`` and ``xai`` only): the parameter's enum gains the value here, so the request is valid; the
tasks pass declares what the list then shows (``passes.route_statements``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from referencing.exceptions import Unresolvable

from gatewright.normalize.lifecycle_model import (
    ApiLifecycles,
    Behaviour,
    FieldDefault,
    FieldPattern,
    FieldValues,
    ListShows,
    ParameterDefault,
)
from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.passes.behaviours import check_quotes, quoted, refused
from gatewright.normalize.passes.widening.kinds import same
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import iter_operations
from gatewright.spec.model import WIDENED_EXTENSION
from gatewright.spec.pointer import escape
from gatewright.spec.validation import DocumentValidators, describe

__all__ = ["prose_patterns"]

KIND = "field_pattern"
VALUES = "field_values"
DEFAULT = "field_default"
PARAMETER_DEFAULT = "parameter_default"
SHOWS = "list_shows"
# Keywords that describe a field rather than constrain it: they stay on a widened field.
_ANNOTATIONS = frozenset(
    {"title", "description", "examples", "example", "default", "deprecated", "readOnly", "writeOnly"}
)


@repair_pass("prose_patterns")
def prose_patterns(document: Document, context: Context, log: RepairLog) -> None:
    """Give fields the patterns and defaults the lifecycle file quotes the prose for (a value's form, a
    widened enum, the value a field not sent takes)."""
    declared = context.lifecycles
    kinds = (KIND, VALUES, DEFAULT, PARAMETER_DEFAULT, SHOWS)
    statements = declared.statements(*kinds) if declared is not None else ()
    if declared is None or not statements:
        return
    check_quotes(document, context.prose, declared, statements)
    for behaviour in declared.statements(KIND):
        stated = behaviour.value
        assert isinstance(stated, FieldPattern)  # the loader makes one of every field_pattern statement
        try:
            re.compile(stated.pattern)
        except re.error as exc:
            raise refused(
                declared, behaviour, f"{stated.pattern!r} is no regular expression: {exc}"
            ) from None
        apply = _widen if stated.widens else _narrow
        apply(declared, behaviour, _field(document, declared, behaviour, stated.schema, stated.field), log)
        for operation, name in stated.parameters:
            apply(declared, behaviour, _parameter(document, declared, behaviour, operation, name), log)
    for behaviour in declared.statements(VALUES):  # after the patterns: a field's values as widened
        for operation in behaviour.operations:
            _take_values(document, declared, behaviour, operation, log)
    for behaviour in declared.statements(DEFAULT):  # after the patterns: judged against the field as left
        default: FieldDefault = behaviour.value
        place = _field(document, declared, behaviour, default.schema, default.field)
        _give_default(document, declared, behaviour, place, value=default.value, log=log)
    for behaviour in declared.statements(PARAMETER_DEFAULT):
        given: ParameterDefault = behaviour.value
        for operation in behaviour.operations:
            place = _parameter(document, declared, behaviour, operation, given.name)
            _give_default(document, declared, behaviour, place, value=given.value, log=log)
    for behaviour in declared.statements(SHOWS):
        shows: ListShows = behaviour.value
        for operation in behaviour.operations:
            place = _parameter(document, declared, behaviour, operation, shows.parameter)
            _take_value(declared, behaviour, place, shows.value, log)


@dataclass(frozen=True, slots=True)
class _Place:
    """A schema node that takes the pattern: where it is, the node, the name the log gives its values
    and the name an error gives it."""

    where: str
    node: dict[str, Any]
    label: str
    named: str


def _field(
    document: Document, declared: ApiLifecycles, behaviour: Behaviour, schema: str, name: str
) -> _Place:
    """The field's own schema node (where the component declares it)."""
    component = document.get("components", {}).get("schemas", {}).get(schema)
    if not isinstance(component, dict):
        raise refused(declared, behaviour, f"schema {schema} is not in the document")
    field = component.get("properties", {}).get(name)
    if not isinstance(field, dict) or "$ref" in field:
        raise refused(declared, behaviour, f"{schema} declares no inline property {name}")
    return _Place(
        f"/components/schemas/{escape(schema)}/properties/{escape(name)}", field, name, f"{schema}.{name}"
    )


def _parameter(
    document: Document, declared: ApiLifecycles, behaviour: Behaviour, operation: str, name: str
) -> _Place:
    """The schema of the parameter ``name`` that ``operation`` (``METHOD /path``) declares inline."""
    ref = next((r for r in iter_operations(document) if f"{r.method.upper()} {r.path}" == operation), None)
    if ref is None:
        raise refused(declared, behaviour, f"{operation} is not in the document")
    parameters = ref.definition.get("parameters", [])
    position = next(
        (
            n
            for n, p in enumerate(parameters)
            if isinstance(p, dict) and p.get("name") == name and "$ref" not in p
        ),
        None,
    )
    schema = parameters[position].get("schema") if position is not None else None
    if position is None or not isinstance(schema, dict) or "$ref" in schema:
        raise refused(declared, behaviour, f"{operation} declares no parameter {name} with an inline schema")
    return _Place(f"{ref.pointer}/parameters/{position}/schema", schema, name, f"{operation} {name}")


def _take_values(
    document: Document, declared: ApiLifecycles, behaviour: Behaviour, operation: str, log: RepairLog
) -> None:
    """The parameter takes what the field holds: the field's schema, the parameter's annotations kept."""
    stated: FieldValues = behaviour.value
    field = _field(document, declared, behaviour, stated.schema, stated.field)
    place = _parameter(document, declared, behaviour, operation, stated.parameter)
    constraints = {key: value for key, value in place.node.items() if key not in _ANNOTATIONS}
    if constraints == {key: value for key, value in field.node.items() if key not in _ANNOTATIONS}:
        return
    if set(constraints) - {"type"} or constraints.get("type", "string") != "string":
        raise refused(declared, behaviour, f"{place.named} limits its values already")
    before = dict(place.node)
    for key in constraints:
        del place.node[key]
    place.node.update(copy.deepcopy({k: v for k, v in field.node.items() if k not in _ANNOTATIONS}))
    log.add(
        place.where,
        f"gave `{place.label}` the values of {field.named}",
        quoted(behaviour),
        before=before,
        after=dict(place.node),
    )


def _take_value(
    declared: ApiLifecycles, behaviour: Behaviour, place: _Place, value: str, log: RepairLog
) -> None:
    """The parameter's ``enum`` gains ``value`` (a free string takes it already); one whose values are
    limited otherwise (a pattern, a const, not a string) is refused: the statement and the document
    disagree."""
    node = place.node
    enum = node.get("enum")
    if isinstance(enum, list) and value in enum:
        return
    limited = set(node) - _ANNOTATIONS - {"type", "enum"} or node.get("type", "string") != "string"
    if limited or (enum is not None and not isinstance(enum, list)):
        message = f"{place.named} cannot take {value!r}: its values are limited otherwise"
        raise refused(declared, behaviour, message)
    if enum is None:
        return
    enum.append(value)
    log.add(
        f"{place.where}/enum",
        f"accepted `{value}` in `{place.label}`, as the prose names it",
        quoted(behaviour),
        before=enum[:-1],
        after=list(enum),
    )


def _narrow(declared: ApiLifecycles, behaviour: Behaviour, place: _Place, log: RepairLog) -> None:
    """The field's strings must match: its ``pattern``."""
    stated: FieldPattern = behaviour.value
    field = place.node
    if field.get("pattern") == stated.pattern:
        return
    if "pattern" in field:
        raise refused(declared, behaviour, f"{place.named} has a pattern already")
    default = field.get("default")
    if isinstance(default, str) and re.search(stated.pattern, default) is None:
        raise refused(declared, behaviour, f"the default {default!r} does not match {stated.pattern!r}")
    field["pattern"] = stated.pattern
    log.add(
        f"{place.where}/pattern",
        f"gave `{place.label}` the form the prose states",
        quoted(behaviour),
        after=stated.pattern,
    )


def _widen(declared: ApiLifecycles, behaviour: Behaviour, place: _Place, log: RepairLog) -> None:
    """Strings that match are valid beside what the field accepted: ``anyOf`` [what it was, the pattern]."""
    stated: FieldPattern = behaviour.value
    field = place.node
    branches = field.get("anyOf")
    if isinstance(branches, list) and any(
        isinstance(b, dict) and b.get("pattern") == stated.pattern for b in branches
    ):
        return
    kind = field.get("type")
    any_string = kind in (None, "string") or (
        isinstance(kind, list) and "string" in kind
    )  # or ["string", "null"]
    if set(field) - _ANNOTATIONS <= {"type"} and any_string:
        raise refused(declared, behaviour, f"{place.named} takes any string already")
    before = dict(field)
    constraints = {key: field.pop(key) for key in list(field) if key not in _ANNOTATIONS}
    added: dict[str, Any] = {"type": "string", "pattern": stated.pattern, WIDENED_EXTENSION: True}
    if stated.description is not None:
        added["description"] = stated.description
    field["anyOf"] = [constraints, added]
    log.add(
        place.where,
        f"accepted strings of the form `{stated.pattern}` in `{place.label}` beside the values it listed",
        quoted(behaviour),
        before=before,
        after=dict(field),
    )


def _give_default(
    document: Document,
    declared: ApiLifecycles,
    behaviour: Behaviour,
    place: _Place,
    *,
    value: Any,
    log: RepairLog,
) -> None:
    """The field's (or parameter's) ``default``: the stated value, which its own schema must accept (refs
    resolved in the document); one that defaults to another value already is refused, not overwritten."""
    if "default" in place.node:
        if same(place.node["default"], value):
            return
        raise refused(declared, behaviour, f"{place.named} has the default {place.node['default']!r} already")
    try:
        errors = DocumentValidators(document).errors(place.node, value)
    except Unresolvable as exc:  # a $ref in the field's schema that leads nowhere: the statement cannot hold
        raise refused(declared, behaviour, f"{place.named} cannot be judged: {exc}") from None
    if errors:
        raise refused(declared, behaviour, f"{place.named} does not take {value!r}: {describe(errors[0])}")
    place.node["default"] = copy.deepcopy(value)
    log.add(
        f"{place.where}/default",
        f"gave `{place.label}` the default the prose states",
        quoted(behaviour),
        after=value,
    )
