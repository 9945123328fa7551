"""A string that matches a regular expression, chosen by a seeded random source.

Covers what API schemas use (classes, repeats, groups, alternation, anchors);
JSON Schema patterns are unanchored, so a full match of the whole pattern
is always a valid value. Unbounded repeats are kept short.
"""

from __future__ import annotations

import random
import re
import string
from importlib import import_module
from typing import Any

sre_parse: Any = import_module("re._parser")
sre_constants: Any = import_module("re._constants")
_MAX_REPEAT = 4
_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: string.digits,
    sre_constants.CATEGORY_NOT_DIGIT: string.ascii_letters,
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
    sre_constants.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre_constants.CATEGORY_NOT_WORD: "-.",
}
_PRINTABLE = string.ascii_letters + string.digits


def sample_regex(pattern: str, rng: random.Random) -> str:
    """A string fully matching ``pattern``; raises ``ValueError`` when it cannot build one."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise ValueError(f"bad pattern {pattern!r}: {exc}") from None
    groups: dict[int, str] = {}
    return _emit(list(parsed), rng, groups)


def _class_chars(items: list[tuple[Any, Any]]) -> str:
    negate = False
    chars: list[str] = []
    for op, arg in items:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL:
            chars.append(chr(arg))
        elif op is sre_constants.RANGE:
            low, high = arg
            chars.extend(chr(c) for c in range(low, min(high, low + 200) + 1))
        elif op is sre_constants.CATEGORY:
            chars.extend(_CATEGORIES.get(arg, _PRINTABLE))
    if negate:
        excluded = set(chars)
        return "".join(c for c in _PRINTABLE if c not in excluded) or "~"
    return "".join(chars) or "a"


def _emit(items: list[tuple[Any, Any]], rng: random.Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, arg in items:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is sre_constants.ANY:
            out.append(rng.choice(_PRINTABLE))
        elif op is sre_constants.IN:
            out.append(rng.choice(_class_chars(list(arg))))
        elif op is sre_constants.BRANCH:
            out.append(_emit(list(rng.choice(arg[1])), rng, groups))
        elif op is sre_constants.SUBPATTERN:
            group, _, _, sub = arg
            text = _emit(list(sub), rng, groups)
            if group is not None:
                groups[group] = text
            out.append(text)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            low, high, sub = arg
            high = low + _MAX_REPEAT if high is sre_constants.MAXREPEAT else high
            count = rng.randint(low, max(low, min(high, low + _MAX_REPEAT)))
            out.extend(_emit(list(sub), rng, groups) for _ in range(count))
        elif op is sre_constants.GROUPREF:
            out.append(groups.get(arg, ""))
        elif op is sre_constants.CATEGORY:
            out.append(rng.choice(_CATEGORIES.get(arg, _PRINTABLE)))
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        elif op is sre_constants.ATOMIC_GROUP:
            out.append(_emit(list(arg), rng, groups))
        else:
            raise ValueError(f"unsupported regex construct {op}")
    return "".join(out)
