"""Which of an operation's rules a request may match, found without trying each of them.

The book keeps, per operation, the rules that can answer there in the order they are tried. A suite
that scopes ten thousand rules by ``x-test-id`` (or a rules file of fifty thousand) would otherwise
try every one on every request: 7 to 40 ms each, all of it on the event loop. So each rule is filed
under one of its conditions, the first of:

- a ``headers`` condition: found by a lookup of the request's value of that header;
- a ``body`` condition whose value is a JSON scalar, or a ``model`` without glob characters (the
  body's ``/model``): found by a lookup of the request's value at that pointer;
- ``contains``: one substring test per distinct text, however many rules share it;
- none of these: always tried.

A rule is filed once, so no rule is found twice; the rules found are merged back into the book's
order and tried with ``matcher.holds``, which checks every condition. The index only skips rules
that cannot match: it never decides that one does.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Iterator, Sequence

from gatewright.mock.rules.matcher import RequestFacts
from gatewright.mock.rules.models import Rule, When
from gatewright.spec.pointer import lookup

__all__ = ["RuleIndex"]

_MISSING = object()
_GLOB = frozenset("*?[")
_SCALARS = (str, int, float, bool, type(None))


class RuleIndex:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._headers: dict[str, dict[str, list[int]]] = {}  # name -> value -> positions
        self._body: dict[str, dict[Hashable, list[int]]] = {}  # pointer -> value -> positions
        self._contains: dict[str, list[int]] = {}  # text -> positions
        self._always: list[int] = []
        for position, rule in enumerate(self.rules):
            when = rule.when
            if when.headers:
                name, value = when.headers[0]
                self._headers.setdefault(name, {}).setdefault(value, []).append(position)
            elif (found := _body_key(when)) is not None:
                self._body.setdefault(found[0], {}).setdefault(found[1], []).append(position)
            elif when.contains is not None:
                self._contains.setdefault(when.contains, []).append(position)
            else:
                self._always.append(position)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def candidates(self, facts: RequestFacts) -> Iterator[Rule]:
        """The rules ``facts`` may match, in the book's order (the others cannot)."""
        found: list[Sequence[int]] = [self._always] if self._always else []
        for name, by_value in self._headers.items():
            header = facts.headers.get(name)
            if header is not None and (hit := by_value.get(header)):
                found.append(hit)
        for pointer, by_body_value in self._body.items():
            value = lookup(facts.body, pointer, _MISSING)
            try:
                hit = by_body_value.get(value)
            except TypeError:  # an array or an object: no scalar equals it
                continue
            if hit:
                found.append(hit)
        if self._contains and (prompt := facts.prompt) is not None:
            text = prompt.latest_user_text
            found.extend(hit for needle, hit in self._contains.items() if needle in text)
        positions: Iterable[int] = found[0] if len(found) == 1 else heapq.merge(*found)
        return (self.rules[position] for position in positions)


def _body_key(when: When) -> tuple[str, Hashable] | None:
    """The first condition on the body with one value to look up: (pointer, value), or None."""
    for pointer, value in when.body:
        if isinstance(value, _SCALARS):
            return pointer, value
    if when.model is not None and not _GLOB.intersection(when.model):
        return "/model", when.model
    return None
