"""One page of a list, the way OpenAI-style list routes hand them out.

A list request may name a cursor (``after``: the id of the last item the client has), a page size
(``limit``, else the default the spec declares for it) and, through any other query parameter
its operation declares, a field its items must equal (``purpose=batch`` on a files list), or a
``prefix`` their keys start with (``prefix=projects/p1/`` on a KV list). The
official SDKs page by ``after`` until ``has_more`` is false: a list that ignored the cursor and
said nothing of ``has_more`` sent an auto-paginating client round the same page for ever.

A list whose items are summaries unless asked for more (``x-gatewright-expand``: beatra's tasks,
"Returns TaskSummary by default. Use ``?expand=output,usage,...`` or ``?expand=all``") leaves out
the fields its parameter may add, except those the request names (``Expand``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["PAGING", "Expand", "ListPage", "cursor_page", "page_size", "summary"]

# Query parameters that steer paging rather than name a field of the items.
PAGING = frozenset({"limit", "after", "before", "order", "page", "per_page", "page_size", "offset", "cursor"})
PREFIX = "prefix"  # the items whose ``key`` starts with it (ipop's KV keys); items without one: no filter
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
        getall = getattr(query, "getall", None)
        values = getall(self.parameter, []) if callable(getall) else [query.get(self.parameter) or ""]
        asked = {word.strip() for value in values for word in str(value).split(",")}
        return frozenset() if self.all is not None and self.all in asked else self.fields - asked


def summary(item: Any, omit: frozenset[str]) -> Any:
    """``item`` without the fields in ``omit`` (an item that is no object as it is)."""
    if not omit or not isinstance(item, dict):
        return item
    return {name: value for name, value in item.items() if name not in omit}


@dataclass(frozen=True, slots=True)
class ListPage:
    """What one list request asks for: the fields its items must have, a cursor, a page size and the
    fields its items leave out (``Expand``)."""

    filters: tuple[tuple[str, str], ...] = ()
    after: str | None = None
    limit: int | None = None
    omit: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        query: Mapping[str, str],
        declared: Sequence[str],
        default_limit: Any = None,
        expand: Expand | None = None,
    ) -> ListPage:
        """The page ``query`` asks for, reading only what the operation declares (and ``after``,
        which every SDK sends when it pages); the expand parameter filters nothing."""
        steering = PAGING if expand is None else PAGING | {expand.parameter}
        filters = tuple((name, query[name]) for name in declared if name not in steering and query.get(name))
        after = query.get("after") or query.get("cursor") or None  # (ipop's KV pages by ``cursor``)
        omit = expand.left_out(query) if expand is not None else frozenset()
        return cls(filters, after, page_size(query, declared, default_limit), omit)

    def select(self, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        """The page of ``items`` and whether more remain after it."""
        for name, value in self.filters:
            if name == PREFIX and any(KEY in item for item in items):
                items = [item for item in items if _text(item.get(KEY)).startswith(value)]
            elif any(name in item for item in items):  # a parameter no item has a field for filters nothing
                items = [item for item in items if _text(item.get(name)) == value]
        return cursor_page(items, after=self.after, limit=self.limit)


def cursor_page(
    items: list[dict[str, Any]], *, after: str | None, limit: int | None
) -> tuple[list[dict[str, Any]], bool]:
    """The items after the one whose ``id`` is ``after``, at most ``limit`` of them, and whether more
    remain. An ``after`` no item has (it was deleted since) gives an empty last page, so a client
    paging by it stops rather than starting again from the first."""
    start = 0
    if after is not None:
        start = next(
            (index + 1 for index, item in enumerate(items) if after in (item.get("id"), item.get(KEY))),
            len(items),
        )
    end = len(items) if limit is None else start + limit
    return items[start:end], end < len(items)


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


def _text(value: Any) -> str:
    """A field as a query string spells it (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
