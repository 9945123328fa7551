"""A rule's ``when`` and ``then`` read field by field: each field's type and range, or ``Invalid``
saying which field and why.

Nothing a rule says can stall the server or break an answer: ``regex`` is compiled with RE2,
whose searches take time linear in the text (a pattern RE2 cannot run, with backreferences or
lookaround, is refused); answer ``headers`` are checked by ``answer_headers``; a ``status`` is a
final one (200-599); a number is non-negative. Whether the spec allows a reply is ``allowed``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import re2

from gatewright.mock.answer_headers import header_problem
from gatewright.mock.operations import MockApi
from gatewright.mock.rules.matcher import targets
from gatewright.mock.rules.models import Pattern, Reply, StreamFaults, ToolCallScript, When

__all__ = ["Invalid", "known", "read_reply", "read_when"]

_WHEN_KEYS = frozenset(
    {
        "api",
        "operation",
        "method",
        "path",
        "model",
        "contains",
        "regex",
        "tools",
        "after_tool_result",
        "body",
        "headers",
    }
)
_ANSWER_KEYS = ("text", "tool_calls", "json", "body", "example", "status")
_REPLY_KEYS = frozenset(
    {
        *_ANSWER_KEYS,
        "message",
        "headers",
        "delay_ms",
        "ttft_ms",
        "tokens_per_second",
        "cut_after",
        "truncate_after",
        "malformed_after",
        "stall_after",
        "conformant",
    }
)
_RE2 = re2.Options()
_RE2.log_errors = False  # a refused pattern is the rule's error, not a line on the server's stderr


class Invalid(ValueError):
    """A rule that cannot be used, saying why (the loader adds which rule of which source)."""


def known(raw: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    if raw.keys() <= allowed:  # the usual case, in one set operation
        return
    unknown = sorted(str(k) for k in raw if k not in allowed)
    raise Invalid(f"unknown {what} field(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")


def read_when(raw: Any, apis: Mapping[str, MockApi]) -> When:
    if not isinstance(raw, Mapping):
        raise Invalid("`when` is a mapping of conditions")
    known(raw, _WHEN_KEYS, "when")
    strings = {k: raw.get(k) for k in ("api", "operation", "method", "path", "model", "contains", "regex")}
    for key, value in strings.items():
        if value is not None and not isinstance(value, str):
            raise Invalid(f"`when.{key}` is a string")
    for key in ("tools", "after_tool_result"):
        if raw.get(key) is not None and not isinstance(raw.get(key), bool):
            raise Invalid(f"`when.{key}` is true or false")
    regex = _regex(strings["regex"]) if strings["regex"] is not None else None
    body = raw.get("body") or {}
    headers = raw.get("headers") or {}
    if not isinstance(body, Mapping) or not all(
        isinstance(k, str) and (k == "" or k.startswith("/")) for k in body
    ):
        raise Invalid('`when.body` maps JSON pointers ("/stream") to values')
    if not isinstance(headers, Mapping):
        raise Invalid("`when.headers` maps header names to values")
    when = When(
        api=strings["api"],
        operation=strings["operation"],
        method=strings["method"].upper() if strings["method"] else None,
        path=strings["path"],
        model=strings["model"],
        contains=strings["contains"],
        regex=regex,
        tools=raw.get("tools"),
        after_tool_result=raw.get("after_tool_result"),
        body=tuple((k, v) for k, v in body.items()),
        headers=tuple((str(k).lower(), str(v)) for k, v in headers.items()),
    )
    if when.api is not None and when.api not in apis:
        raise Invalid(f"unknown api {when.api!r}; served: {', '.join(sorted(apis))}")
    if when.names_operation and next(targets(when, apis), None) is None:
        wanted = when.operation or f"{when.method or '*'} {when.path or '*'}"
        raise Invalid(f"no served operation matches {wanted}")
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


def _number(raw: Mapping[str, Any], key: str, where: str, *, integer: bool = False) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
        raise Invalid(f"`{where}.{key}` is a non-negative {'integer' if integer else 'number'}")
    return value


def read_reply(raw: Any, where: str) -> Reply:
    if not isinstance(raw, Mapping):
        raise Invalid(f"`{where}` is a mapping")
    known(raw, _REPLY_KEYS, where)
    given = [k for k in _ANSWER_KEYS if k in raw]
    if len(given) > 1 and set(given) != {"text", "tool_calls"}:
        raise Invalid(f"`{where}` gives {' and '.join(given)}: an answer is one of {', '.join(_ANSWER_KEYS)}")
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise Invalid(f"`{where}.text` is a string")
    calls: list[ToolCallScript] = []
    for index, call in enumerate(raw.get("tool_calls") or []):
        if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
            raise Invalid(f"`{where}.tool_calls[{index}]` is {{name: ..., arguments: {{...}}}}")
        arguments = call.get("arguments", {})
        if not isinstance(arguments, Mapping):
            raise Invalid(f"`{where}.tool_calls[{index}].arguments` is a mapping")
        calls.append(ToolCallScript(call["name"], dict(arguments)))
    status = raw.get("status")
    if status is not None and (
        not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599
    ):
        raise Invalid(f"`{where}.status` is a final HTTP status code (200-599)")
    headers = _headers(raw.get("headers") or {}, where)
    example = raw.get("example")
    if example is not None and not isinstance(example, str):
        raise Invalid(f"`{where}.example` is the name of a documented example")
    message = raw.get("message")
    if message is not None and not isinstance(message, str):
        raise Invalid(f"`{where}.message` is a string")
    conformant = raw.get("conformant", True)
    if not isinstance(conformant, bool):
        raise Invalid(f"`{where}.conformant` is true or false")
    tps = _number(raw, "tokens_per_second", where)
    if tps == 0:
        raise Invalid(f"`{where}.tokens_per_second` is positive")
    return Reply(
        text=text,
        tool_calls=tuple(calls),
        json=raw.get("json"),
        has_json="json" in raw,
        body=raw.get("body"),
        has_body="body" in raw,
        example=example,
        status=status,
        message=message,
        headers=headers,
        delay_ms=_number(raw, "delay_ms", where) or 0.0,
        stream=StreamFaults(
            ttft_ms=_number(raw, "ttft_ms", where) or 0.0,
            tokens_per_second=tps,
            cut_after=_number(raw, "cut_after", where, integer=True),
            truncate_after=_number(raw, "truncate_after", where, integer=True),
            malformed_after=_number(raw, "malformed_after", where, integer=True),
            stall_after=_number(raw, "stall_after", where, integer=True),
        ),
        conformant=conformant,
    )


def _headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping):
        raise Invalid(f"`{where}.headers` maps header names to values")
    headers = tuple((str(k), str(v)) for k, v in raw.items())
    for name, value in headers:
        problem = header_problem(name, value)
        if problem is not None:
            raise Invalid(f"`{where}.headers`: {problem}")
    return headers
