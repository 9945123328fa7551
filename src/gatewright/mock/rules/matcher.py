"""Does a rule's ``When`` hold for a request? Pure: the facts in, a yes or no out.

The prompt (latest user message, tools, tool result) is read only for rules that ask
about it, with the same reader the LLM answers use.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewright.mock.rules.models import When
from gatewright.spec.answers import Prompt
from gatewright.spec.pointer import lookup

__all__ = ["RequestFacts", "matches"]

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


def matches(when: When, facts: RequestFacts) -> bool:
    if when.api is not None and when.api != facts.api:
        return False
    if when.operation is not None and when.operation != facts.operation:
        return False
    if when.method is not None and when.method != facts.method:
        return False
    if when.path is not None and not fnmatch.fnmatchcase(facts.path, when.path):
        return False
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
