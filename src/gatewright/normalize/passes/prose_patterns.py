"""Carry what a spec says only in prose about a field's strings into the field's schema.

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
"""

from __future__ import annotations

import re
from typing import Any

from gatewright.normalize.lifecycle_model import ApiLifecycles, Behaviour, FieldPattern
from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.passes.behaviours import check_quotes, quoted, refused
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import escape

__all__ = ["prose_patterns"]

KIND = "field_pattern"
# Keywords that describe a field rather than constrain it: they stay on a widened field.
_ANNOTATIONS = frozenset(
    {"title", "description", "examples", "example", "default", "deprecated", "readOnly", "writeOnly"}
)


@repair_pass("prose_patterns")
def prose_patterns(document: Document, context: Context, log: RepairLog) -> None:
    """Give fields the patterns the lifecycle file quotes the prose for (a value's form, a widened enum)."""
    declared = context.lifecycles
    statements = declared.statements(KIND) if declared is not None else ()
    if declared is None or not statements:
        return
    check_quotes(document, context.prose, declared, statements)
    for behaviour in statements:
        stated = behaviour.value
        assert isinstance(stated, FieldPattern)  # the loader makes one of every field_pattern statement
        where, field = _field(document, declared, behaviour, stated)
        apply = _widen if stated.widens else _narrow
        apply(declared, behaviour, where, field, log)


def _field(
    document: Document, declared: ApiLifecycles, behaviour: Behaviour, stated: FieldPattern
) -> tuple[str, dict[str, Any]]:
    """The field's own schema node (where the component declares it) and its pointer."""
    component = document.get("components", {}).get("schemas", {}).get(stated.schema)
    if not isinstance(component, dict):
        raise refused(declared, behaviour, f"schema {stated.schema} is not in the document")
    field = component.get("properties", {}).get(stated.field)
    if not isinstance(field, dict) or "$ref" in field:
        raise refused(declared, behaviour, f"{stated.schema} declares no inline property {stated.field}")
    try:
        re.compile(stated.pattern)
    except re.error as exc:
        raise refused(declared, behaviour, f"{stated.pattern!r} is no regular expression: {exc}") from None
    return f"/components/schemas/{escape(stated.schema)}/properties/{escape(stated.field)}", field


def _narrow(
    declared: ApiLifecycles, behaviour: Behaviour, where: str, field: dict[str, Any], log: RepairLog
) -> None:
    """The field's strings must match: its ``pattern``."""
    stated: FieldPattern = behaviour.value
    if field.get("pattern") == stated.pattern:
        return
    if "pattern" in field:
        raise refused(declared, behaviour, f"{stated.schema}.{stated.field} has a pattern already")
    default = field.get("default")
    if isinstance(default, str) and re.search(stated.pattern, default) is None:
        raise refused(declared, behaviour, f"the default {default!r} does not match {stated.pattern!r}")
    field["pattern"] = stated.pattern
    log.add(
        f"{where}/pattern",
        f"gave `{stated.field}` the form the prose states",
        quoted(behaviour),
        after=stated.pattern,
    )


def _widen(
    declared: ApiLifecycles, behaviour: Behaviour, where: str, field: dict[str, Any], log: RepairLog
) -> None:
    """Strings that match are valid beside what the field accepted: ``anyOf`` [what it was, the pattern]."""
    stated: FieldPattern = behaviour.value
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
        raise refused(declared, behaviour, f"{stated.schema}.{stated.field} takes any string already")
    before = dict(field)
    constraints = {key: field.pop(key) for key in list(field) if key not in _ANNOTATIONS}
    added: dict[str, Any] = {"type": "string", "pattern": stated.pattern}
    if stated.description is not None:
        added["description"] = stated.description
    field["anyOf"] = [constraints, added]
    log.add(
        where,
        f"accepted strings of the form `{stated.pattern}` in `{stated.field}` beside the values it listed",
        quoted(behaviour),
        before=before,
        after=dict(field),
    )
