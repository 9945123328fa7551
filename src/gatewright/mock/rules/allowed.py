"""Where the spec lets a rule answer: a documented status (or a fault's), a named example that
exists, a body valid against the success schema, scripted answers only where the operation answers
like an LLM, unless the reply says ``conformant: false``.

The check reads only what the rule names as its operation and what kind of replies it gives, so
``Allowed`` runs it once per kind of rule within a document, not once per rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatewright.mock.negotiation import json_schema, negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.preferences import NO_PREFERENCES
from gatewright.mock.rules.fields import Invalid
from gatewright.mock.rules.matcher import targets
from gatewright.mock.rules.models import FAULT_STATUSES, Reply, When

__all__ = ["Allowed", "where_allowed"]


class Allowed:
    """``where_allowed`` remembered within one document. It reads only what the rule names as its operation
    and what kind of replies it gives (status, example, scripted or not, conformant), so ten thousand
    rules of a few kinds cost a few checks against the spec. A reply with a conformant ``body`` is
    validated against the schema for every rule that has one."""

    def __init__(self, apis: Mapping[str, MockApi]) -> None:
        self.apis = apis
        self._seen: dict[tuple[Any, ...], frozenset[tuple[str, str]] | str | None] = {}

    def __call__(self, when: When, replies: tuple[Reply, ...]) -> frozenset[tuple[str, str]] | None:
        if any(reply.has_body and reply.conformant for reply in replies):
            return where_allowed(when, replies, self.apis)
        kinds = tuple((r.conformant, r.status, r.scripts_answer, r.example) for r in replies)
        key = (when.api, when.operation, when.method, when.path, kinds)
        if key not in self._seen:
            try:
                self._seen[key] = where_allowed(when, replies, self.apis)
            except Invalid as exc:
                self._seen[key] = str(exc)
        verdict = self._seen[key]
        if isinstance(verdict, str):
            raise Invalid(verdict)
        return verdict


def where_allowed(
    when: When, replies: tuple[Reply, ...], apis: Mapping[str, MockApi]
) -> frozenset[tuple[str, str]] | None:
    """Where the rule may answer: None for everywhere it matches, else a set of (api, operationId).

    A rule that names its operation (``operation``, ``method``, ``path``) is refused when the spec
    forbids a reply there. One that does not (``headers`` only, say) applies where every reply is
    allowed, and is refused only when that is nowhere.
    """
    allowed: set[tuple[str, str]] = set()
    first: str | None = None
    everywhere = True
    for api, op in targets(when, apis):
        for index, reply in enumerate(replies):
            problem = _forbidden(reply, api, op)
            if problem is not None:
                where = "then" if len(replies) == 1 else f"then.sequence[{index}]"
                first = first or (
                    f"{where}: {problem} ({api.name} {op.operation_id}); "
                    "add `conformant: false` to send it anyway"
                )
                everywhere = False
                break
        else:
            allowed.add((api.name, op.operation_id))
    if first is not None and (when.names_operation or not allowed):
        raise Invalid(first)
    return None if everywhere else frozenset(allowed)


def _forbidden(reply: Reply, api: MockApi, op: MockOperation) -> str | None:
    """Why the spec forbids this answer on this operation (None when it allows it)."""
    if not reply.conformant:
        return None
    if reply.status is not None and reply.status not in FAULT_STATUSES and not _documents(op, reply.status):
        documented = ", ".join(r.key for r in op.responses)
        faults = ", ".join(map(str, sorted(FAULT_STATUSES)))
        return (
            f"status {reply.status} is not documented (documented: {documented}; "
            f"faults allowed anywhere: {faults})"
        )
    if reply.scripts_answer and op.wire is None:
        return "text, tool_calls and json answer only on LLM operations (x-gatewright-compatible)"
    if reply.scripts_answer and op.wire == "openai-embeddings":
        return "text, tool_calls and json do not apply to embeddings; give a `body`"
    if reply.example is not None:
        names = {e.name for r in op.responses for m in r.media for e in m.examples}
        if reply.example not in names:
            return f"no example named {reply.example!r} (documented: {', '.join(sorted(names)) or 'none'})"
    if reply.has_body:
        status = reply.status if reply.status is not None else None
        decision = negotiate(op.responses, NO_PREFERENCES, "application/json", default_status=status)
        pointer = json_schema(decision)
        if pointer is None:
            return "the documented answer has no JSON body to replace"
        errors = api.schemas.errors(pointer, reply.body, formats=True, limit=3)
        if errors:
            return "the body fails the response schema: " + "; ".join(
                f"{e.path or '/'}: {e.message}" for e in errors
            )
    return None


def _documents(op: MockOperation, status: int) -> bool:
    family = f"{str(status)[0]}XX"
    return any(r.key in (str(status), family) or r.key.upper() == family for r in op.responses)
