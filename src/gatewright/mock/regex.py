"""A string that matches a regular expression, chosen by a seeded random source.

Covers what API schemas use (classes, repeats, groups, alternation, anchors);
JSON Schema patterns are unanchored, so a full match of the whole pattern
is always a valid value. Unbounded repeats are kept short, unless the schema asks for a
length: then the length is chosen first (inside what the pattern can reach and the schema's
``minLength``/``maxLength``) and shared out among the pattern's parts, so a 40-character
``^[a-f0-9]+$`` is 40 characters of the class, not a short match padded with what it forbids.
"""

from __future__ import annotations

import functools
import math
import random
import re
import string
from collections.abc import Callable
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


def sample_regex(
    pattern: str, rng: random.Random, *, min_length: int = 0, max_length: int | None = None
) -> str:
    """A string fully matching ``pattern``, of ``min_length`` to ``max_length`` characters when
    either is given; raises ``ValueError`` when it cannot build one (no such length included)."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise ValueError(f"bad pattern {pattern!r}: {exc}") from None
    groups: dict[int, str] = {}
    if min_length <= 0 and max_length is None:
        return _emit(list(parsed), rng, groups)
    items = list(parsed)
    shortest, longest = _span(items)
    low = max(shortest, min_length)
    high = min(longest, max_length if max_length is not None else math.inf)
    if low > high:
        raise ValueError(f"pattern {pattern!r} has no match of {min_length} to {max_length} characters")
    return _emit_sized(items, rng, groups, rng.randint(low, int(min(high, low + _MAX_REPEAT))))


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


# -- matches of a chosen length ------------------------------------------------------------------
_ONE_CHARACTER = frozenset(
    {
        sre_constants.LITERAL,
        sre_constants.NOT_LITERAL,
        sre_constants.ANY,
        sre_constants.IN,
        sre_constants.CATEGORY,
    }
)
_REPEATS = frozenset({sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT})
_SHARES = 8  # draws of how a sequence's length is shared among its parts
_EMPTY = frozenset({sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT})


def _span(items: list[tuple[Any, Any]]) -> tuple[int, float]:
    """The shortest and longest match of a sequence (``math.inf``: no longest)."""
    shortest, longest = 0, 0.0
    for op, arg in items:
        low, high = _item_span(op, arg)
        shortest, longest = shortest + low, longest + high
    return shortest, longest


def _item_span(op: Any, arg: Any) -> tuple[int, float]:
    if op in _ONE_CHARACTER:
        return 1, 1
    if op in _EMPTY:
        return 0, 0
    if op is sre_constants.BRANCH:
        spans = [_span(list(branch)) for branch in arg[1]]
        return min(low for low, _ in spans), max(high for _, high in spans)
    if op is sre_constants.SUBPATTERN:
        return _span(list(arg[3]))
    if op is sre_constants.ATOMIC_GROUP:
        return _span(list(arg))
    if op in _REPEATS:
        low, high, sub = arg
        sub_low, sub_high = _span(list(sub))
        most = math.inf if high == sre_constants.MAXREPEAT else high
        return low * sub_low, 0 if sub_high == 0 else most * sub_high
    if op is sre_constants.GROUPREF:
        return 0, math.inf  # whatever the group matched: the caller's full-match check judges it
    raise ValueError(f"unsupported regex construct {op}")


def _share(
    spans: list[tuple[int, float]],
    target: int,
    rng: random.Random,
    reaches: list[Callable[[int], bool]] | None = None,
) -> list[int]:
    """Lengths for consecutive parts of these spans that add up to ``target`` (each one a part
    ``reaches``, when given: ``( [A-Z][a-z]*)*`` spans 0 and up, yet has no match of 1)."""
    after_low, after_high = [0] * (len(spans) + 1), [0.0] * (len(spans) + 1)
    for index in range(len(spans) - 1, -1, -1):
        after_low[index] = after_low[index + 1] + spans[index][0]
        after_high[index] = after_high[index + 1] + spans[index][1]
    lengths: list[int] = []
    left = target
    for index, (low, high) in enumerate(spans):
        least = int(max(low, left - after_high[index + 1]))
        most = int(min(high, left - after_low[index + 1]))
        length = _pick(least, most, reaches[index] if reaches is not None else None, rng)
        if length is None:
            raise ValueError(f"no way to make {target} characters")
        lengths.append(length)
        left -= length
    return lengths


def _pick(least: int, most: int, fits: Callable[[int], bool] | None, rng: random.Random) -> int | None:
    """A length from ``least`` to ``most`` that ``fits``: a few drawn, then the shortest ones in turn."""
    if least > most:
        return None
    for _ in range(4):
        length = least if least == most else rng.randint(least, most)
        if fits is None or fits(length):
            return length
    return next((n for n in range(least, min(most, least + 64) + 1) if fits is None or fits(n)), None)


def _emit_sized(items: list[tuple[Any, Any]], rng: random.Random, groups: dict[int, str], target: int) -> str:
    reaches: list[Callable[[int], bool]] = [functools.partial(_item_reaches, op, arg) for op, arg in items]
    spans = [_item_span(op, arg) for op, arg in items]
    for _ in range(_SHARES - 1):  # a part given too little may leave a rest the next cannot make: redraw
        try:
            lengths = _share(spans, target, rng, reaches)
            break
        except ValueError:
            continue
    else:
        lengths = _share(spans, target, rng, reaches)
    return "".join(
        _emit_item_sized(op, arg, rng, groups, length)
        for (op, arg), length in zip(items, lengths, strict=True)
    )


def _emit_item_sized(op: Any, arg: Any, rng: random.Random, groups: dict[int, str], target: int) -> str:
    if op is sre_constants.BRANCH:
        fitting = [list(b) for b in arg[1] if _span(list(b))[0] <= target <= _span(list(b))[1]]
        return _emit_sized(rng.choice(fitting), rng, groups, target)
    if op is sre_constants.SUBPATTERN:
        group, _, _, sub = arg
        text = _emit_sized(list(sub), rng, groups, target)
        if group is not None:
            groups[group] = text
        return text
    if op is sre_constants.ATOMIC_GROUP:
        return _emit_sized(list(arg), rng, groups, target)
    if op in _REPEATS:
        low, high, sub = arg
        sub_items = list(sub)
        span = _span(sub_items)
        count = _repeat_count(low, high, span, target, rng)
        if len(sub_items) == 1 and sub_items[0][0] in _ONE_CHARACTER:  # a class repeated: draw them at once
            part, argument = sub_items[0]
            return _characters(part, argument, rng, count)
        fixed = span[0] == span[1]  # each run the same length: nothing to share
        lengths = [span[0]] * count if fixed else _share([span] * count, target, rng)
        return "".join(_emit_sized(sub_items, rng, groups, length) for length in lengths)
    return _emit([(op, arg)], rng, groups)  # one character, an assertion or a back reference


def _characters(op: Any, arg: Any, rng: random.Random, count: int) -> str:
    """``count`` characters of one single-character part (a literal, a class, any)."""
    if op is sre_constants.IN:
        return "".join(rng.choices(_class_chars(list(arg)), k=count))
    if op is sre_constants.ANY:
        return "".join(rng.choices(_PRINTABLE, k=count))
    if op is sre_constants.CATEGORY:
        return "".join(rng.choices(_CATEGORIES.get(arg, _PRINTABLE), k=count))
    return _emit([(op, arg)], rng, {}) * count  # a literal, or the one character a NOT_LITERAL gives


def _item_reaches(op: Any, arg: Any, target: int) -> bool:
    """Whether one part of a pattern has a match of ``target`` characters (a repeat: some count of runs
    spans it; anything else: its span holds it)."""
    if op in _REPEATS:
        low, high, sub = arg
        return _repeat_counts(low, high, _span(list(sub)), target) is not None
    if op is sre_constants.BRANCH:
        return any(_span(list(branch))[0] <= target <= _span(list(branch))[1] for branch in arg[1])
    low, high = _item_span(op, arg)
    return low <= target <= high


def _repeat_counts(low: int, high: int, span: tuple[int, float], target: int) -> tuple[int, float] | None:
    """The fewest and most runs of parts of ``span`` a repeat may make ``target`` characters with."""
    sub_low, sub_high = span
    most: float = math.inf if high == sre_constants.MAXREPEAT else high
    if sub_high == 0:
        return (low, low) if target == 0 else None
    least = max(low, math.ceil(target / sub_high) if sub_high != math.inf else int(target > 0))
    if sub_low:
        most = min(most, target // sub_low)
    return (least, most) if least <= most else None


def _repeat_count(low: int, high: int, span: tuple[int, float], target: int, rng: random.Random) -> int:
    """How many times a repeat runs to make ``target`` characters of parts of ``span``."""
    counts = _repeat_counts(low, high, span, target)
    if counts is None:
        raise ValueError(f"no repeat makes {target} characters")
    least, most = counts
    return rng.randint(least, int(min(most, least + _MAX_REPEAT)))
