"""Read a rules document (YAML or JSON) into checked ``Rule``s, or fail saying where and why.

Its structure (which fields, their types and ranges, what is required) is
``spec/schemas/rules.schema.json``, judged by ``spec.document_schemas``; what a schema cannot say
is checked here. Every rule is checked against the APIs being served before any is used: the
operation (or method and path) exists, a scripted answer is one the spec allows (a documented
status or a fault status, a named example that exists, a body valid against the success schema,
text/tool calls/JSON only where the operation answers like an LLM), unless the rule says
``conformant: false``. One bad rule rejects the whole document: nothing is half-loaded.

This module reads the document and its rules; ``fields`` reads each rule's ``when`` and ``then``
into values (RE2 patterns, answer headers, the served APIs), ``allowed`` what the spec lets a rule
answer. Every number is finite. A large document stays cheap: JSON text is read with ``json`` (YAML
only when it is not JSON), the schema is judged once for the whole document, and the spec check runs
once per kind of rule (``Allowed``), not once per rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatewright.mock.operations import MockApi
from gatewright.mock.rules.allowed import Allowed
from gatewright.mock.rules.fields import Invalid, read_reply, read_when, whole
from gatewright.mock.rules.models import Rule
from gatewright.spec.document_schemas import problem
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_json, parse_yaml
from gatewright.spec.pointer import split

__all__ = ["RuleError", "load_rules", "parse_rules"]


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
    """Rules from a document (text or already parsed); ``RuleError`` saying which rule, which field
    and why: the problem the schema finds most relevant, else the first that a rule's checks against
    the spec find.

    They have no ids yet: the ``RuleBook`` that takes them numbers them (per app).
    """
    if isinstance(document, str | bytes):
        text = document.decode("utf-8", errors="replace") if isinstance(document, bytes) else document
        document = _parse(text, source)
    copied = _as_json(document, source)
    found = problem("rules", copied)
    if found is not None:
        label, field = _where(copied, _tokens(copied, found.pointer))
        if label is None:
            at = f"`{field}`: " if field else ""
            raise RuleError(source, f'expected a document {{"rules": [RULE, ...]}}: {at}{found.message}')
        raise RuleError(source, f"`{field}`: {found.message}" if field else found.message, label)
    rules: list[Rule] = []
    allowed = Allowed(apis)
    for index, raw in enumerate(copied["rules"], start=1):
        try:
            rules.append(_rule(raw, apis, source, allowed))
        except Invalid as exc:
            raise RuleError(source, str(exc), _label(index, raw)) from None
    return rules


def _label(index: int, raw: Any) -> str:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    return f"#{index}" + (f" ({name!r})" if isinstance(name, str) and name else "")


def _as_json(document: Any, source: str) -> Any:
    """The document as JSON data, in one round trip through ``json``: what is checked, and what each
    rule keeps and ``GET /__gatewright/rules`` shows. A number that is not finite (YAML
    ``.nan``/``.inf``, JSON ``NaN``: a delay or a rate of NaN, a body no JSON can carry) is refused,
    naming the field: a schema cannot, as ``NaN`` passes every bound it can set."""
    try:
        return json.loads(json.dumps(document, default=str, allow_nan=False))
    except ValueError:  # a number that is not finite, or (given from Python) a value inside itself
        tokens = _non_finite(document)
        if tokens is None:
            raise RuleError(source, "the rules are not JSON data") from None
        label, field = _where(document, tokens)
        raise RuleError(source, f"`{field}` is not a finite number", label) from None


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


def _rule(raw: Mapping[str, Any], apis: Mapping[str, MockApi], source: str, allowed: Allowed) -> Rule:
    """One rule the schema accepted, read into values and checked against the served APIs."""
    when = read_when(raw.get("when") or {}, apis)
    then = raw["then"]
    if "sequence" in then:
        replies = tuple(read_reply(item, f"then.sequence[{i}]") for i, item in enumerate(then["sequence"]))
    else:
        replies = (read_reply(then, "then"),)
    return Rule(
        when=when,
        replies=replies,
        name=raw.get("name"),
        times=whole(raw.get("times")),
        source=source,
        only=allowed(when, replies),
        document=dict(raw),
    )


def _where(document: Any, tokens: list[str | int]) -> tuple[str | None, str]:
    """Which rule (its label; None outside the rules) and which field of it, as ``then.sequence[1].status``:
    how a rule's messages name a place (the schema's JSON pointer, the finite check's walk)."""
    label = None
    if len(tokens) >= 2 and tokens[0] == "rules" and isinstance(tokens[1], int):
        label, tokens = _label(tokens[1] + 1, document["rules"][tokens[1]]), tokens[2:]
    field = ""
    for token in tokens:
        field += f"[{token}]" if isinstance(token, int) else f".{token}" if field else token
    return label, field


def _tokens(document: Any, pointer: str) -> list[str | int]:
    """The steps of a JSON pointer into ``document``, an index into a list as an int."""
    tokens: list[str | int] = []
    node = document
    for token in split(pointer):
        if isinstance(node, list):
            node = node[int(token)]
            tokens.append(int(token))
        else:
            node = node.get(token) if isinstance(node, Mapping) else None
            tokens.append(token)
    return tokens


def _non_finite(raw: Any) -> list[str | int] | None:
    """Where in ``raw`` a number that is not finite is, as the steps to it (``["rules", 0, "then"]``)."""
    stack: list[tuple[Any, list[str | int]]] = [(raw, [])]
    seen: set[int] = set()
    while stack:
        node, where = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return where
        if isinstance(node, Mapping | list) and id(node) not in seen:
            seen.add(id(node))
            if isinstance(node, list):
                stack.extend((value, [*where, index]) for index, value in enumerate(node))
            else:
                stack.extend((value, [*where, str(key)]) for key, value in node.items())
    return None
