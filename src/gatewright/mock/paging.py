"""One page of a list, the way OpenAI-style list routes hand them out.

A list request may name a cursor (``after``: the id of the last item the client has), a page size
(``limit``, else the default the spec declares for it) and, through any other query parameter
its operation declares, a field its items must equal (``purpose=batch`` on a files list), or a
``prefix`` their keys start with (``prefix=projects/p1/`` on a KV list). The
official SDKs page by ``after`` until ``has_more`` is false: a list that ignored the cursor and
said nothing of ``has_more`` sent an auto-paginating client round the same page for ever.

A value a parameter names several times (``capability=a&capability=b``: beatra declares arrays)
lets through the items whose field is any of them. A parameter ``<x>_after``/``<x>_before``
(beatra's ``created_after``) bounds the item's ``<x>_at`` (or ``<x>``) time, strictly. Where the
operation declares ``order`` (beatra's tasks: ``asc``/``desc``, default ``desc``: newest first), or the
prose states the order of a list that declares none (``x-gatewright-list-order``: ipop's vector stores,
"Returns the most recent vector stores"), the items, kept oldest first, are turned round for ``desc``;
a cursor then means "after this item" in that order.

A list whose items are summaries unless asked for more (``x-gatewright-expand``: beatra's tasks,
"Returns TaskSummary by default. Use ``?expand=output,usage,...`` or ``?expand=all``") leaves out
the fields its parameter may add, except those the request names (``Expand``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["PAGING", "Expand", "ListPage", "cursor_page", "page_size", "summary", "values_of"]

# Query parameters that steer paging rather than name a field of the items.
PAGING = frozenset({"limit", "after", "before", "order", "page", "per_page", "page_size", "offset", "cursor"})
PREFIX = "prefix"  # the items whose ``key`` starts with it (ipop's KV keys); items without one: no filter
ORDER = "order"
DESCENDING = "desc"
BOUNDS = {"_after": 1, "_before": -1}  # a time parameter's suffix -> the side of it items must be on
KEY = "key"  # a keyed item's name (ipop's KV), which a ``prefix`` and a cursor read where there is no ``id``


@dataclass(frozen=True, slots=True)
class Expand:
    """A list's ``x-gatewright-expand``: the query parameter, the item fields it may add and the word
    that adds them all. Unasked, an item is a summary without those fields."""

    parameter: str
    fields: frozenset[str]
    all: str | None = None

    @classmethod
    def of(cls, declared: Any) -> Expand | None:
        """The extension's value read (None where it is absent or malformed)."""
        if not isinstance(declared, Mapping):
            return None
        parameter, fields, word = declared.get("parameter"), declared.get("fields"), declared.get("all")
        if not isinstance(parameter, str) or not isinstance(fields, list):
            return None
        named = frozenset(name for name in fields if isinstance(name, str))
        return cls(parameter, named, word if isinstance(word, str) else None)

    def left_out(self, query: Mapping[str, str]) -> frozenset[str]:
        """The fields the items leave out: those the request's comma-separated words (``output,usage``;
        the parameter given twice counts both) do not name, none where it names ``all``."""
        asked = {word.strip() for value in values_of(query, self.parameter) for word in value.split(",")}
        return frozenset() if self.all is not None and self.all in asked else self.fields - asked


def summary(item: Any, omit: frozenset[str]) -> Any:
    """``item`` without the fields in ``omit`` (an item that is no object as it is)."""
    if not omit or not isinstance(item, dict):
        return item
    return {name: value for name, value in item.items() if name not in omit}


@dataclass(frozen=True, slots=True)
class ListPage:
    """What one list request asks for: the values its items' fields must be one of, the times they
    must be after or before, a cursor, a page size, the order, and the fields its items leave out
    (``Expand``)."""

    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    after: str | None = None
    limit: int | None = None
    omit: frozenset[str] = frozenset()
    bounds: tuple[tuple[str, int, float], ...] = ()  # (parameter stem, +1 after / -1 before, instant)
    descending: bool = False

    @classmethod
    def of(
        cls,
        query: Mapping[str, str],
        declared: Sequence[str],
        default_limit: Any = None,
        expand: Expand | None = None,
        default_order: Any = None,
    ) -> ListPage:
        """The page ``query`` asks for, reading only what the operation declares (and ``after``,
        which every SDK sends when it pages); the expand parameter filters nothing."""
        steering = PAGING if expand is None else PAGING | {expand.parameter}
        filters: list[tuple[str, tuple[str, ...]]] = []
        bounds: list[tuple[str, int, float]] = []
        for name in declared:
            values = values_of(query, name)
            if name in steering or not values:
                continue
            bound = next(
                ((name.removesuffix(end), side) for end, side in BOUNDS.items() if name.endswith(end)), None
            )
            instant = _instant(values[0]) if bound is not None else None
            if bound is not None and instant is not None:
                bounds.append((bound[0], bound[1], instant))
            elif bound is None:
                filters.append((name, values))
        after = query.get("after") or query.get("cursor") or None  # (ipop's KV pages by ``cursor``)
        omit = expand.left_out(query) if expand is not None else frozenset()
        order = (query.get(ORDER) if ORDER in declared else None) or default_order
        limit = page_size(query, declared, default_limit)
        return cls(tuple(filters), after, limit, omit, tuple(bounds), order == DESCENDING)

    def accepts(self, item: Mapping[str, Any], present: frozenset[str] | None = None) -> bool:
        """Whether ``item`` passes the filters and time bounds; those on a field outside ``present``
        (when given: no item of the list has it) filter nothing."""
        for name, values in self.filters:
            if present is not None and name not in present:
                continue
            if name == PREFIX and KEY in item:
                if not any(_text(item.get(KEY)).startswith(value) for value in values):
                    return False
            elif _text(item.get(name)) not in values:
                return False
        for stem, side, instant in self.bounds:
            field = next((f for f in (f"{stem}_at", stem) if f in item), None)
            if field is None and present is not None:
                continue
            when = _instant(item.get(field)) if field is not None else None
            if when is None or (when - instant) * side <= 0:
                return False
        return True

    def select(self, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        """The page of ``items`` (kept oldest first) and whether more remain after it."""
        if self.filters or self.bounds:  # a parameter no item has a field for filters nothing
            present = frozenset(name for item in items for name in item)
            present |= {PREFIX} if KEY in present else frozenset()
            items = [item for item in items if self.accepts(item, present)]
        if self.descending:
            items = items[::-1]
        return cursor_page(items, after=self.after, limit=self.limit)


def values_of(query: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Every non-empty value the query gives ``name`` (a parameter may be given more than once)."""
    getall = getattr(query, "getall", None)
    values = getall(name, []) if callable(getall) else [query.get(name) or ""]
    return tuple(str(value) for value in values if value)


def cursor_page(
    items: list[T], *, after: str | None, limit: int | None, key: Callable[[T], Iterable[Any]] | None = None
) -> tuple[list[T], bool]:
    """The items after the one ``after`` names (its ``id`` or ``key``, or what ``key`` gives of it), at
    most ``limit`` of them, and whether more remain. An ``after`` no item has (it was deleted since)
    gives an empty last page, so a client paging by it stops rather than starting again from the first."""
    names = key or _names
    start = 0
    if after is not None:
        start = next((index + 1 for index, item in enumerate(items) if after in names(item)), len(items))
    end = len(items) if limit is None else start + limit
    return items[start:end], end < len(items)


def _names(item: Any) -> tuple[Any, ...]:
    """What a cursor may name a listed item by: its ``id``, or its ``key`` (ipop's KV)."""
    return (item.get("id"), item.get(KEY)) if isinstance(item, Mapping) else ()


def page_size(query: Mapping[str, str], declared: Sequence[str], default: Any = None) -> int | None:
    """The page size a list request asks for (its ``limit``, never below 0), else the default the spec
    declares for it; None when the operation declares no ``limit`` (or a default that is no count)."""
    if "limit" not in declared:
        return None
    try:
        return max(int(query.get("limit", "")), 0)
    except ValueError:
        return (
            default if isinstance(default, int) and not isinstance(default, bool) and default >= 0 else None
        )


def _instant(value: Any) -> float | None:
    """A time as seconds since the epoch: a number is one already, a string is ISO 8601 (``Z`` or an
    offset; none is UTC); None for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)).timestamp()


def _text(value: Any) -> str:
    """A field as a query string spells it (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
