"""A rule's ``when`` and ``then`` read into values, once the document's structure has passed
``spec/schemas/rules.schema.json``; what a schema cannot say is checked here, raising ``Invalid``
saying which field and why.

Nothing a rule says can stall the server or break an answer: ``regex`` is compiled with RE2,
whose searches take time linear in the text (a pattern RE2 cannot run, with backreferences or
lookaround, is refused); answer ``headers`` are checked by ``answer_headers`` (shared with the
replay); ``api`` and the operation a rule names must be served. Which answer fields combine is
checked here too: a schema could only say it as a ``not`` over every pair, whose message would not
say why. Whether the spec allows a reply is ``allowed``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import re2

from gatewright.mock.answer_headers import header_problem
from gatewright.mock.operations import MockApi
from gatewright.mock.rules.matcher import can_match, targets
from gatewright.mock.rules.models import Pattern, Reply, StreamFaults, ToolCallScript, When

__all__ = ["Invalid", "read_reply", "read_when", "whole"]

_ANSWER_KEYS = ("text", "tool_calls", "json", "body", "example", "status")
_RE2 = re2.Options()
_RE2.log_errors = False  # a refused pattern is the rule's error, not a line on the server's stderr


class Invalid(ValueError):
    """A rule that cannot be used, saying why (the loader adds which rule of which source)."""


def whole(value: Any) -> int | None:
    """A count the schema accepted as an integer: JSON Schema counts ``2.0`` as one, a status or a
    number of events is an ``int``."""
    return None if value is None else int(value)


_PROMPT_FIELDS = ("contains", "regex", "tools", "after_tool_result")  # the conditions When.reads_prompt names


def read_when(raw: Mapping[str, Any], apis: Mapping[str, MockApi]) -> When:
    method, regex = raw.get("method"), raw.get("regex")
    when = When(
        api=raw.get("api"),
        operation=raw.get("operation"),
        method=method.upper() if method else None,
        path=raw.get("path"),
        model=raw.get("model"),
        contains=raw.get("contains"),
        regex=_regex(regex) if regex is not None else None,
        tools=raw.get("tools"),
        after_tool_result=raw.get("after_tool_result"),
        body=tuple((raw.get("body") or {}).items()),
        headers=tuple((str(k).lower(), str(v)) for k, v in (raw.get("headers") or {}).items()),
    )
    if when.api is not None and when.api not in apis:
        raise Invalid(f"unknown api {when.api!r}; served: {', '.join(sorted(apis))}")
    if when.names_operation:
        wanted = when.operation or f"{when.method or '*'} {when.path or '*'}"
        named = list(targets(when, apis))
        if not named:
            raise Invalid(f"no served operation matches {wanted}")
        if not any(can_match(when, api.name, op) for api, op in named):  # on the prompt, where none is
            field = next(name for name in _PROMPT_FIELDS if raw.get(name) is not None)
            raise Invalid(
                f"`when.{field}` reads the prompt, and {wanted} takes none: it matches chat, "
                "completions, Responses and messages operations only"
            )
    return when


def _regex(pattern: str) -> Pattern:
    """``pattern`` as RE2 runs it. Python's ``re`` backtracks: ``^(a+)+$`` on 27 characters held the
    server for seconds, and it has no time limit. RE2 has no backtracking; what it cannot run
    (backreferences, lookaround) or holds too large a program is refused here, saying so."""
    try:
        compiled: Pattern = re2.compile(pattern, _RE2)
    except re2.error as exc:  # its message is bytes: b"invalid perl operator: (?="
        why = exc.args[0] if exc.args else b"refused"
        reason = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        raise Invalid(
            f"`when.regex` cannot be used: {reason}. Rules run patterns with RE2, in time linear in the "
            "text (no backreferences or lookaround; see https://github.com/google/re2/wiki/Syntax)"
        ) from None
    return compiled


def read_reply(raw: Mapping[str, Any], where: str) -> Reply:
    given = [k for k in _ANSWER_KEYS if k in raw]
    if len(given) > 1 and set(given) != {"text", "tool_calls"}:
        raise Invalid(f"`{where}` gives {' and '.join(given)}: an answer is one of {', '.join(_ANSWER_KEYS)}")
    calls = tuple(
        ToolCallScript(c["name"], dict(c.get("arguments", {}))) for c in raw.get("tool_calls") or ()
    )
    return Reply(
        text=raw.get("text"),
        tool_calls=calls,
        json=raw.get("json"),
        has_json="json" in raw,
        body=raw.get("body"),
        has_body="body" in raw,
        example=raw.get("example"),
        status=whole(raw.get("status")),
        message=raw.get("message"),
        headers=_headers(raw.get("headers") or {}, where),
        delay_ms=raw.get("delay_ms") or 0.0,
        stream=StreamFaults(
            ttft_ms=raw.get("ttft_ms") or 0.0,
            tokens_per_second=raw.get("tokens_per_second"),
            cut_after=whole(raw.get("cut_after")),
            truncate_after=whole(raw.get("truncate_after")),
            malformed_after=whole(raw.get("malformed_after")),
            stall_after=whole(raw.get("stall_after")),
        ),
        conformant=raw.get("conformant", True),
    )


def _headers(raw: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    headers = tuple((str(k), str(v)) for k, v in raw.items())
    for name, value in headers:
        problem = header_problem(name, value)
        if problem is not None:
            raise Invalid(f"`{where}.headers`: {problem}")
    return headers
