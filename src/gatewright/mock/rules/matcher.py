"""Does a rule's ``When`` hold for a request? Pure: the facts in, a yes or no out.

The conditions split in two. Those on the operation alone (``api``, ``operation``,
``method``, ``path``, and whether the operation has a prompt to read at all) are
``on_operation``/``can_match``: the loader asks ``targets`` which operations a rule names,
and the book indexes rules by operation with ``can_match``. Those on the request
(headers, body, model, prompt) are ``holds``. ``matches`` is both.

The prompt (latest user message, tools, tool result) is read only for rules that ask
about it, with the same reader the LLM answers use.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gatewright.mock.answers.prompt import READERS, read_prompt
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.rules.models import When
from gatewright.spec.answers import Prompt
from gatewright.spec.pointer import lookup

__all__ = ["RequestFacts", "can_match", "holds", "matches", "on_operation", "request_facts", "targets"]

_MISSING = object()


@dataclass(slots=True)
class RequestFacts:
    api: str
    operation: str
    method: str
    path: str  # the operation's path template
    body: Any
    headers: Mapping[str, str]
    read_prompt: Callable[[], Prompt | None]
    _prompt: Any = field(default=_MISSING)

    @property
    def prompt(self) -> Prompt | None:
        if self._prompt is _MISSING:
            self._prompt = self.read_prompt()
        return self._prompt  # type: ignore[no-any-return]


def request_facts(
    api: MockApi,
    op: MockOperation,
    body: Any,
    headers: Mapping[str, str],
    prompt: Callable[[], Prompt | None] | None = None,
) -> RequestFacts:
    """What the conditions read of a request to ``op``; the prompt only if the operation has one
    (``prompt`` reads it, by default from ``body``)."""
    wire = op.wire
    return RequestFacts(
        api=api.name,
        operation=op.operation_id,
        method=op.operation.method,
        path=op.operation.path,
        body=body,
        headers=_lower(headers),
        read_prompt=_no_prompt if wire not in READERS else (prompt or partial(read_prompt, wire, body)),
    )


def on_operation(when: When, api: str, operation: str, method: str, path: str) -> bool:
    """The conditions that name an operation: ``api``, ``operation``, ``method``, ``path`` (a glob)."""
    return (
        (when.api is None or when.api == api)
        and (when.operation is None or when.operation == operation)
        and (when.method is None or when.method == method)
        and (when.path is None or fnmatch.fnmatchcase(path, when.path))
    )


def targets(when: When, apis: Mapping[str, MockApi]) -> Iterator[tuple[MockApi, MockOperation]]:
    """The served operations the rule names (all of them when it names none)."""
    for api in apis.values():
        for op in api.operations.values():
            if on_operation(when, api.name, op.operation_id, op.operation.method, op.operation.path):
                yield api, op


def can_match(when: When, api: str, op: MockOperation) -> bool:
    """Whether some request to ``op`` can match: every condition that depends on the operation alone."""
    return on_operation(when, api, op.operation_id, op.operation.method, op.operation.path) and (
        not when.reads_prompt or op.wire in READERS
    )


def matches(when: When, facts: RequestFacts) -> bool:
    return on_operation(when, facts.api, facts.operation, facts.method, facts.path) and holds(when, facts)


def holds(when: When, facts: RequestFacts) -> bool:
    """The conditions on the request itself (headers, body, model, prompt)."""
    for name, value in when.headers:
        if facts.headers.get(name) != value:
            return False
    body = facts.body
    for pointer, value in when.body:
        if lookup(body, pointer, _MISSING) != value:
            return False
    if when.model is not None:
        model = body.get("model") if isinstance(body, Mapping) else None
        if not isinstance(model, str) or not fnmatch.fnmatchcase(model, when.model):
            return False
    if when.reads_prompt:
        prompt = facts.prompt
        if prompt is None:
            return False
        if when.contains is not None and when.contains not in prompt.latest_user_text:
            return False
        if when.regex is not None and when.regex.search(prompt.latest_user_text) is None:
            return False
        if when.tools is not None and bool(prompt.tools) != when.tools:
            return False
        if when.after_tool_result is not None and prompt.after_tool_result != when.after_tool_result:
            return False
    return True


def _no_prompt() -> None:
    return None


def _lower(headers: Mapping[str, str]) -> Mapping[str, str]:
    """Header lookups by lower-case name (aiohttp's headers are case-insensitive already)."""
    return headers if hasattr(headers, "getall") else {k.lower(): v for k, v in headers.items()}
