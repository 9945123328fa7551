"""The items a fresh mock already holds, so that every id a list shows can be fetched.

A collection's list answer (its documented example, else generated) names items; a
client that follows one to the item route must find it. The ids come from the item
route's path parameter where the spec declares them (``enum``, else ``examples``:
ipop's ``GET /v1/models/{model_id}`` only accepts its enum), else from the list body
itself; an id the parameter would reject is not listed. The items go into the store
as fixtures, so read, update, delete and list agree (see ``state.ResourceStore``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gatewright.mock.catalog import declared_values
from gatewright.mock.negotiation import json_schema, negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.preferences import NO_PREFERENCES
from gatewright.mock.render import value_for
from gatewright.mock.state import ResourceStore

__all__ = ["collection_fixtures", "setup_fixtures"]

_MAX_DECLARED = 64  # an enum of ids is listed whole, up to this many
_ID_FIELDS = ("id", "slug", "name", "key")


def setup_fixtures(api: MockApi, store: ResourceStore) -> None:
    """Register every list's items with the store, once, at app creation."""
    for op in api.operations.values():
        role = op.resource
        if role is None or role.role != "list" or role.item_op is None:
            continue
        items = collection_fixtures(api, op)
        if items:
            store.add_fixtures(f"{api.name}:{role.collection}", items)


def collection_fixtures(api: MockApi, list_op: MockOperation) -> dict[str, dict[str, Any]]:
    """id -> item for what ``list_op`` shows by default, each id one its item route accepts."""
    role = list_op.resource
    item_op = api.operations.get(role.item_op or "") if role is not None else None
    item_role = item_op.resource if item_op is not None else None
    if item_op is None or item_role is None or item_role.id_param is None:
        return {}
    decision = negotiate(list_op.responses, NO_PREFERENCES, "application/json")
    list_pointer = json_schema(decision)
    if list_pointer is None or decision.status >= 300:
        return {}
    template = value_for(api, list_op, decision)
    samples = _items(template)
    if not samples:
        return {}
    param = item_role.id_param
    field = next(
        (k for k in (param, *_ID_FIELDS, f"{param.removesuffix('_id')}_id") if k in samples[0]), None
    )
    if field is None:
        return {}
    definition = next(
        (p for p in item_op.operation.parameters if p.get("name") == param and p.get("in") == "path"), {}
    )
    declared = declared_values(api.schemas, definition)
    param_pointer = item_op.validator.param_pointer(param)

    def accepted(value: Any) -> bool:
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
            return False
        return param_pointer is None or api.schemas.is_valid(param_pointer, value, formats=True)

    def valid(value: Any) -> bool:
        return api.schemas.is_valid(list_pointer, value, formats=True)

    documented = decision.example is not None
    if declared and not (documented and all(accepted(item.get(field)) for item in samples)):
        ids = [v for v in declared if accepted(v)][:_MAX_DECLARED]
        chosen = _fit(template, samples, field, ids, valid) if ids else []
    else:
        chosen = [item for item in samples if accepted(item.get(field))]
        chosen = chosen if chosen and valid(_with_items(template, chosen)) else []
    return {str(item[field]): item for item in chosen}


def _items(template: Any) -> list[dict[str, Any]]:
    """The list's items (a bare array, or the first array of objects in the envelope)."""
    if isinstance(template, list):
        array: Any = template
    elif isinstance(template, dict):
        array = next((v for v in template.values() if isinstance(v, list) and v), [])
    else:
        return []
    return (
        [item for item in array if isinstance(item, dict)] if all(isinstance(i, dict) for i in array) else []
    )


def _fit(
    template: Any,
    samples: list[dict[str, Any]],
    field: str,
    ids: list[Any],
    valid: Callable[[Any], bool],
) -> list[dict[str, Any]]:
    """Items carrying ``ids`` that the list schema accepts: all of them, else as many as the template had."""
    for count in dict.fromkeys((len(ids), min(len(ids), len(samples)))):
        items = [{**samples[i % len(samples)], field: ids[i]} for i in range(count)]
        if valid(_with_items(template, items)):
            return items
    return []


def _with_items(template: Any, items: list[dict[str, Any]]) -> Any:
    if isinstance(template, list):
        return items
    key = next(k for k, v in template.items() if isinstance(v, list) and v)
    return {**template, key: items}
