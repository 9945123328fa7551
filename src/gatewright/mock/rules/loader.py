"""Read a rules document (YAML or JSON) into checked ``Rule``s, or fail saying where and why.

Every rule is checked against the APIs being served before any is used: the operation
(or method and path) exists, a scripted answer is one the spec allows (a documented
status or a fault status, a named example that exists, a body valid against the
success schema, text/tool calls/JSON only where the operation answers like an LLM),
unless the rule says ``conformant: false``. One bad rule rejects the whole document:
nothing is half-loaded.

This module reads the document and its rules; ``fields`` checks each field of a rule's ``when``
and ``then`` (RE2 patterns, answer headers, statuses, numbers), ``allowed`` what the spec lets a
rule answer. Every number is finite. A large document stays cheap: JSON text is read with ``json``
(YAML only when it is not JSON), and the spec check runs once per kind of rule (``Allowed``), not
once per rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatewright.mock.operations import MockApi
from gatewright.mock.rules.allowed import Allowed
from gatewright.mock.rules.fields import Invalid, known, read_reply, read_when
from gatewright.mock.rules.models import Rule
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_json, parse_yaml

__all__ = ["RuleError", "load_rules", "parse_rules"]

_RULE_KEYS = frozenset({"name", "when", "then", "times"})


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
    allowed = Allowed(apis)
    for index, raw in enumerate(_as_json(document["rules"], source), start=1):
        try:
            rules.append(_rule(raw, apis, source, allowed))
        except Invalid as exc:
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


def _rule(raw: Any, apis: Mapping[str, MockApi], source: str, allowed: Allowed) -> Rule:
    if not isinstance(raw, Mapping):
        raise Invalid("a rule is a mapping with `when` and `then`")
    known(raw, _RULE_KEYS, "rule")
    when = read_when(raw.get("when") or {}, apis)
    then = raw.get("then")
    if not isinstance(then, Mapping):
        raise Invalid("`then` is required: an answer, or {sequence: [answer, ...]}")
    if "sequence" in then:
        if set(then) != {"sequence"} or not isinstance(then["sequence"], list) or not then["sequence"]:
            raise Invalid("`then.sequence` is a non-empty list of answers and stands alone")
        replies = tuple(read_reply(item, f"then.sequence[{i}]") for i, item in enumerate(then["sequence"]))
    else:
        replies = (read_reply(then, "then"),)
    times = raw.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise Invalid("`times` is a positive integer")
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise Invalid("`name` is a string")
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
