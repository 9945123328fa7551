"""Read a rules document (YAML or JSON) into checked ``Rule``s, or fail saying where and why.

Every rule is checked against the APIs being served before any is used: the operation
(or method and path) exists, a scripted answer is one the spec allows (a documented
status or a fault status, a named example that exists, a body valid against the
success schema, text/tool calls/JSON only where the operation answers like an LLM),
unless the rule says ``conformant: false``. One bad rule rejects the whole document:
nothing is half-loaded.

Nothing a rule says can stall the server or break an answer: ``regex`` is compiled with RE2,
whose searches take time linear in the text (a pattern RE2 cannot run, with backreferences or
lookaround, is refused); answer ``headers`` are checked by ``answer_headers``; a ``status`` is a
final one (200-599); every number is finite. A large document stays cheap: JSON text is read
with ``json`` (YAML only when it is not JSON), and the spec check of ``_allowed`` runs once per
kind of rule (``_Allowed``), not once per rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import re2

from gatewright.mock.answer_headers import header_problem
from gatewright.mock.negotiation import negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.preferences import NO_PREFERENCES
from gatewright.mock.rules.matcher import targets
from gatewright.mock.rules.models import (
    FAULT_STATUSES,
    Pattern,
    Reply,
    Rule,
    StreamFaults,
    ToolCallScript,
    When,
)
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_json, parse_yaml
from gatewright.spec.media import is_json

__all__ = ["RuleError", "load_rules", "parse_rules"]

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
_RULE_KEYS = frozenset({"name", "when", "then", "times"})
_RE2 = re2.Options()
_RE2.log_errors = False  # a refused pattern is the rule's error, not a line on the server's stderr


class RuleError(ValueError):
    """A rules document that cannot be used, with where: the source, the rule, the field."""

    def __init__(self, source: str, message: str, rule: str | None = None) -> None:
        where = f"{source}: rule {rule}: " if rule is not None else f"{source}: "
        super().__init__(where + message)
        self.source = source
        self.rule = rule


def load_rules(path: Path | str, apis: Mapping[str, MockApi]) -> list[Rule]:
    """The rules in a file (YAML or JSON)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(source, f"cannot read the file ({exc.strerror or exc})") from None
    return parse_rules(text, apis, source=source)


def parse_rules(
    document: str | bytes | Mapping[str, Any], apis: Mapping[str, MockApi], *, source: str = "runtime"
) -> list[Rule]:
    """Rules from a document (text or already parsed); ``RuleError`` on the first problem.

    They have no ids yet: the ``RuleBook`` that takes them numbers them (per app).
    """
    if isinstance(document, str | bytes):
        text = document.decode("utf-8", errors="replace") if isinstance(document, bytes) else document
        document = _parse(text, source)
    if not isinstance(document, Mapping) or not isinstance(document.get("rules"), list):
        raise RuleError(source, 'expected a document {"rules": [RULE, ...]}')
    rules: list[Rule] = []
    allowed = _Allowed(apis)
    for index, raw in enumerate(_as_json(document["rules"], source), start=1):
        try:
            rules.append(_rule(raw, apis, source, allowed))
        except _Invalid as exc:
            raise RuleError(source, str(exc), _label(index, raw)) from None
    return rules


def _label(index: int, raw: Any) -> str:
    return f"#{index}" + (f" ({raw['name']!r})" if isinstance(raw, Mapping) and raw.get("name") else "")


def _as_json(rules: list[Any], source: str) -> list[Any]:
    """The rules as JSON data, in one round trip through ``json`` for the whole list: what is checked,
    kept and shown by ``GET /__gatewright/rules``. A number that is not finite (YAML ``.nan``/``.inf``,
    JSON ``NaN``: a delay or a rate of NaN, a body no JSON can carry) is refused, naming the field."""
    try:
        copied: list[Any] = json.loads(json.dumps(rules, default=str, allow_nan=False))
    except ValueError:  # a number that is not finite, or (given from Python) a value inside itself
        for index, raw in enumerate(rules, start=1):
            where = _non_finite(raw)
            if where is not None:
                raise RuleError(source, f"`{where}` is not a finite number", _label(index, raw)) from None
        raise RuleError(source, "the rules are not JSON data") from None
    return copied


def _parse(text: str, source: str) -> Any:
    """The document in ``text``: JSON through ``json`` (a hundred times faster than YAML on a large
    document), anything else through the spec loader's safe YAML (JSON is YAML 1.2 too, so flow
    YAML such as ``{rules: [...]}`` that is not JSON still reads); aliases and nesting bounded."""
    try:
        if text.lstrip().startswith("{"):
            try:
                return parse_json(text, source)
            except SpecError:
                pass
        return parse_yaml(text, source)
    except SpecError as exc:
        line = f" at line {exc.line}" if exc.line else ""
        raise RuleError(source, f"not valid YAML or JSON{line}: {exc.message}") from None


class _Invalid(ValueError):
    pass


def _rule(raw: Any, apis: Mapping[str, MockApi], source: str, allowed: _Allowed) -> Rule:
    if not isinstance(raw, Mapping):
        raise _Invalid("a rule is a mapping with `when` and `then`")
    _known(raw, _RULE_KEYS, "rule")
    when = _when(raw.get("when") or {}, apis)
    then = raw.get("then")
    if not isinstance(then, Mapping):
        raise _Invalid("`then` is required: an answer, or {sequence: [answer, ...]}")
    if "sequence" in then:
        if set(then) != {"sequence"} or not isinstance(then["sequence"], list) or not then["sequence"]:
            raise _Invalid("`then.sequence` is a non-empty list of answers and stands alone")
        replies = tuple(_reply(item, f"then.sequence[{i}]") for i, item in enumerate(then["sequence"]))
    else:
        replies = (_reply(then, "then"),)
    times = raw.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise _Invalid("`times` is a positive integer")
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise _Invalid("`name` is a string")
    return Rule(
        when=when,
        replies=replies,
        name=name,
        times=times,
        source=source,
        only=allowed(when, replies),
        document=dict(raw),
    )


def _non_finite(raw: Any) -> str | None:
    """Where in ``raw`` a number that is not finite is, as ``then.delay_ms`` or ``then.json.a[0]``."""
    stack: list[tuple[Any, str]] = [(raw, "")]
    seen: set[int] = set()
    while stack:
        node, where = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return where
        if isinstance(node, Mapping | list) and id(node) not in seen:
            seen.add(id(node))
            if isinstance(node, list):
                stack.extend((value, f"{where}[{index}]") for index, value in enumerate(node))
            else:
                stack.extend((value, f"{where}.{key}" if where else str(key)) for key, value in node.items())
    return None


class _Allowed:
    """``_allowed`` remembered within one document. It reads only what the rule names as its operation
    and what kind of replies it gives (status, example, scripted or not, conformant), so ten thousand
    rules of a few kinds cost a few checks against the spec. A reply with a conformant ``body`` is
    validated against the schema for every rule that has one."""

    def __init__(self, apis: Mapping[str, MockApi]) -> None:
        self.apis = apis
        self._seen: dict[tuple[Any, ...], frozenset[tuple[str, str]] | str | None] = {}

    def __call__(self, when: When, replies: tuple[Reply, ...]) -> frozenset[tuple[str, str]] | None:
        if any(reply.has_body and reply.conformant for reply in replies):
            return _allowed(when, replies, self.apis)
        kinds = tuple((r.conformant, r.status, r.scripts_answer, r.example) for r in replies)
        key = (when.api, when.operation, when.method, when.path, kinds)
        if key not in self._seen:
            try:
                self._seen[key] = _allowed(when, replies, self.apis)
            except _Invalid as exc:
                self._seen[key] = str(exc)
        verdict = self._seen[key]
        if isinstance(verdict, str):
            raise _Invalid(verdict)
        return verdict


def _allowed(
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
        raise _Invalid(first)
    return None if everywhere else frozenset(allowed)


def _known(raw: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    if raw.keys() <= allowed:  # the usual case, in one set operation
        return
    unknown = sorted(str(k) for k in raw if k not in allowed)
    raise _Invalid(f"unknown {what} field(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")


def _when(raw: Any, apis: Mapping[str, MockApi]) -> When:
    if not isinstance(raw, Mapping):
        raise _Invalid("`when` is a mapping of conditions")
    _known(raw, _WHEN_KEYS, "when")
    strings = {k: raw.get(k) for k in ("api", "operation", "method", "path", "model", "contains", "regex")}
    for key, value in strings.items():
        if value is not None and not isinstance(value, str):
            raise _Invalid(f"`when.{key}` is a string")
    for key in ("tools", "after_tool_result"):
        if raw.get(key) is not None and not isinstance(raw.get(key), bool):
            raise _Invalid(f"`when.{key}` is true or false")
    regex = _regex(strings["regex"]) if strings["regex"] is not None else None
    body = raw.get("body") or {}
    headers = raw.get("headers") or {}
    if not isinstance(body, Mapping) or not all(
        isinstance(k, str) and (k == "" or k.startswith("/")) for k in body
    ):
        raise _Invalid('`when.body` maps JSON pointers ("/stream") to values')
    if not isinstance(headers, Mapping):
        raise _Invalid("`when.headers` maps header names to values")
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
        raise _Invalid(f"unknown api {when.api!r}; served: {', '.join(sorted(apis))}")
    if when.names_operation and next(targets(when, apis), None) is None:
        wanted = when.operation or f"{when.method or '*'} {when.path or '*'}"
        raise _Invalid(f"no served operation matches {wanted}")
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
        raise _Invalid(
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
        raise _Invalid(f"`{where}.{key}` is a non-negative {'integer' if integer else 'number'}")
    return value


def _reply(raw: Any, where: str) -> Reply:
    if not isinstance(raw, Mapping):
        raise _Invalid(f"`{where}` is a mapping")
    _known(raw, _REPLY_KEYS, where)
    given = [k for k in _ANSWER_KEYS if k in raw]
    if len(given) > 1 and set(given) != {"text", "tool_calls"}:
        raise _Invalid(
            f"`{where}` gives {' and '.join(given)}: an answer is one of {', '.join(_ANSWER_KEYS)}"
        )
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise _Invalid(f"`{where}.text` is a string")
    calls: list[ToolCallScript] = []
    for index, call in enumerate(raw.get("tool_calls") or []):
        if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
            raise _Invalid(f"`{where}.tool_calls[{index}]` is {{name: ..., arguments: {{...}}}}")
        arguments = call.get("arguments", {})
        if not isinstance(arguments, Mapping):
            raise _Invalid(f"`{where}.tool_calls[{index}].arguments` is a mapping")
        calls.append(ToolCallScript(call["name"], dict(arguments)))
    status = raw.get("status")
    if status is not None and (
        not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599
    ):
        raise _Invalid(f"`{where}.status` is a final HTTP status code (200-599)")
    headers = _headers(raw.get("headers") or {}, where)
    example = raw.get("example")
    if example is not None and not isinstance(example, str):
        raise _Invalid(f"`{where}.example` is the name of a documented example")
    message = raw.get("message")
    if message is not None and not isinstance(message, str):
        raise _Invalid(f"`{where}.message` is a string")
    conformant = raw.get("conformant", True)
    if not isinstance(conformant, bool):
        raise _Invalid(f"`{where}.conformant` is true or false")
    tps = _number(raw, "tokens_per_second", where)
    if tps == 0:
        raise _Invalid(f"`{where}.tokens_per_second` is positive")
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
        raise _Invalid(f"`{where}.headers` maps header names to values")
    headers = tuple((str(k), str(v)) for k, v in raw.items())
    for name, value in headers:
        problem = header_problem(name, value)
        if problem is not None:
            raise _Invalid(f"`{where}.headers`: {problem}")
    return headers


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
    if reply.scripts_answer and op.operation.compatible_wire is None:
        return "text, tool_calls and json answer only on LLM operations (x-gatewright-compatible)"
    if reply.scripts_answer and op.operation.compatible_wire == "openai-embeddings":
        return "text, tool_calls and json do not apply to embeddings; give a `body`"
    if reply.example is not None:
        names = {e.name for r in op.responses for m in r.media for e in m.examples}
        if reply.example not in names:
            return f"no example named {reply.example!r} (documented: {', '.join(sorted(names)) or 'none'})"
    if reply.has_body:
        status = reply.status if reply.status is not None else None
        decision = negotiate(op.responses, NO_PREFERENCES, "application/json", default_status=status)
        media = decision.media
        if media is None or media.schema_pointer is None or not is_json(media.media_type):
            return "the documented answer has no JSON body to replace"
        errors = api.schemas.errors(media.schema_pointer, reply.body, formats=True, limit=3)
        if errors:
            return "the body fails the response schema: " + "; ".join(
                f"{e.path or '/'}: {e.message}" for e in errors
            )
    return None


def _documents(op: MockOperation, status: int) -> bool:
    family = f"{str(status)[0]}XX"
    return any(r.key in (str(status), family) or r.key.upper() == family for r in op.responses)
