"""A resource's answers shaped from what the store keeps: an item laid over its operation's generated
body (``merge``, ``with_id``), items put into a list answer's shape (``listed``, ``render_list``),
and what of a request body the store keeps to lay over them (``kept_fields``).

The store (``mock.stateful``) decides which items an answer holds; this module only writes them into
the body the spec describes, each write kept only where the body stays valid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gatewright.mock import open_bodies
from gatewright.mock.alternatives import left_out
from gatewright.mock.fit import Edits, fit, replace
from gatewright.mock.negotiation import Decision, json_schema
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.paging import summary
from gatewright.mock.render import Rendered, dumps, response_headers, value_for

__all__ = ["kept_fields", "listed", "merge", "render_list", "with_id"]

Groups = tuple[tuple[str, ...], ...]  # alternative fields (``Alternatives.groups``)
_LIST_KEYS = ("data", "items", "results", "objects", "records", "list")


def render_list(
    api: MockApi,
    op: MockOperation,
    decision: Decision,
    items: list[dict[str, Any]],
    *,
    has_more: bool = False,
    omit: frozenset[str] = frozenset(),
    cursor: str | None = None,
) -> Rendered | None:
    """``items`` in the list operation's shape, for extensions that keep items outside the store (tasks);
    without the fields in ``omit`` (``paging.Expand``) where the list stays valid so; ``cursor`` names
    the last item for the next page where its id is not an ``id`` field (a task's ``task_id``)."""
    pointer = json_schema(decision)
    if pointer is None or decision.status >= 300 or decision.media is None:
        return None
    media = decision.media

    def valid(value: Any) -> bool:
        return api.schemas.is_valid(pointer, value, formats=True)

    shaped = listed(value_for(api, op, decision), items, valid, has_more=has_more, omit=omit, cursor=cursor)
    if shaped is None:
        return None
    return Rendered(
        decision.status, media.media_type, dumps(shaped), response_headers(api, op, decision.response)
    )


def merge(template: Any, stored: dict[str, Any], valid: Callable[[Any], bool], groups: Groups = ()) -> Any:
    """``stored`` laid over ``template``: the item as kept, in the answer's shape; of each group of
    alternative fields it holds one of (``mock.alternatives``), the others left out where they may be."""
    merged = _merged(template, stored, valid)
    absent = [name for name in left_out(stored, groups) if isinstance(merged, dict) and name in merged]
    if not absent:
        return merged
    edits = Edits(dict(merged), valid)
    for name in absent:
        edits.remove((name,))
    return edits.body


def _merged(template: Any, stored: dict[str, Any], valid: Callable[[Any], bool]) -> Any:
    if not isinstance(template, dict):
        return template
    if open_bodies.is_open(template):  # the spec says nothing of it: the resource as kept
        return stored if valid(stored) else template
    if "id" not in template:  # a wrapper such as {"instance": {...}}: merge into the object holding the id
        for key, child in template.items():
            if isinstance(child, dict) and "id" in child:
                merged = {**template, key: merge(child, stored, lambda _: True)}
                if valid(merged):
                    return merged
    return fit(template, {k: v for k, v in stored.items() if k in template}, valid, merge=replace)[0]


def with_id(template: Any, resource_id: str, valid: Callable[[Any], bool]) -> Any:
    if isinstance(template, dict) and "id" in template:
        return fit(template, {"id": resource_id}, valid, merge=replace)[0]
    return template


def listed(
    template: Any,
    items: list[dict[str, Any]],
    valid: Callable[[Any], bool],
    *,
    has_more: bool = False,
    groups: Groups = (),
    omit: frozenset[str] = frozenset(),
    cursor: str | None = None,
) -> Any:
    """``items`` laid over the list answer ``template``'s item (``merge``), in its list field, with
    what the list says of them (``has_more``, counts, first and last ids, the next cursor); each item
    without the fields in ``omit`` (a summary: ``paging.Expand``) where the list stays valid so."""
    if isinstance(template, list):
        merged = [merge(template[0], item, lambda _: True, groups) if template else item for item in items]
        shaped = _summaries(merged, omit, valid)
        return shaped if valid(shaped) else None
    if not isinstance(template, dict):
        return None
    if open_bodies.is_open(template):
        shown = _summaries(items, omit, lambda kept: valid(open_bodies.listed(kept, has_more)))
        opened = open_bodies.listed(shown, has_more)
        return opened if valid(opened) else None
    key = next((k for k in _LIST_KEYS if isinstance(template.get(k), list)), None)
    if key is None:
        key = next((k for k, v in template.items() if isinstance(v, list)), None)
    if key is None:
        return None
    sample = template[key][0] if template[key] else {}
    merged = [
        merge(sample, item, lambda _: True, groups) if isinstance(sample, dict) and sample else item
        for item in items
    ]
    shaped = _summaries(merged, omit, lambda kept: valid({**template, key: kept}))
    value = {**template, key: shaped}
    if "has_more" not in value and template.get("object") == "list":  # what an SDK's paging stops on
        value["has_more"] = has_more
        if not valid(value):
            del value["has_more"]
    for field, count in (
        ("has_more", has_more),
        ("total", len(items)),
        ("count", len(items)),
        ("total_count", len(items)),
    ):
        if field in value and type(value[field]) is type(count):
            value[field] = count
    ids = [str(item.get("id")) for item in items if isinstance(item, dict) and "id" in item]
    if ids:
        for field, item_id in (("first_id", ids[0]), ("last_id", ids[-1])):
            if field in value and isinstance(value[field], str):
                value[field] = item_id
    if "next_cursor" in value:  # where the next page starts (ipop's KV: by key), null on the last page
        last = items[-1].get("id", items[-1].get("key")) if items and isinstance(items[-1], dict) else None
        last = cursor if cursor is not None else last
        value["next_cursor"] = str(last) if has_more and last is not None else None
    if valid(value):
        return value
    fallback = {**template, key: [s for s in shaped if valid({**template, key: [s]})]}
    return fallback if valid(fallback) else None


def _summaries(items: list[Any], omit: frozenset[str], valid: Callable[[list[Any]], bool]) -> list[Any]:
    """``items`` as summaries without the fields in ``omit``, where ``valid`` holds them so (a field the
    list's schema requires stays), else as they are."""
    if not omit:
        return items
    summaries = [summary(item, omit) for item in items]
    return summaries if valid(summaries) else items


def kept_fields(body: Any, *, whole: bool) -> dict[str, Any]:
    """What the store keeps of a request body: every JSON field where the resource is free-form
    (``whole``: any value fits it, and the client reads back what it sent, voxvey's cached ``messages``
    and ``tools`` among them; the store's byte budget bounds it), else the fields ``_kept`` names."""
    if not isinstance(body, dict):
        return {}
    if whole:
        return {k: v for k, v in body.items() if v is None or isinstance(v, _JSON_TYPES)}
    return {k: v for k, v in body.items() if _kept(k, v)}


_JSON_TYPES = (dict, list, str, int, float, bool)  # what a parsed JSON body holds (a form's files are not)


def _kept(name: str, value: Any) -> bool:
    """A sent field the store keeps: a scalar (a string up to 512 characters), or ``metadata``, OpenAI's
    object of up to 16 of them; other values are the request's, not the resource's (an object of the
    client's own need not fit the item's schema, and a list row that does not is dropped whole)."""
    if isinstance(value, dict):
        return name == "metadata" and len(value) <= 16 and all(_kept("", v) for v in value.values())
    return isinstance(value, str | int | float | bool) and not (isinstance(value, str) and len(value) > 512)
