"""Where an upload belongs when its route names an item, and the routes that hand an item's bytes back.

Most uploads create something (``POST /v1/files``: a new id). Some put bytes into an item that already
exists: ipop's new media asset says where its source goes (``PUT /media/assets/{asset_id}/source``,
``tasks.links``), and that route answers the asset itself. Such bytes are the item's, kept under its
id, and a route that delivers the item as bytes (``GET /media/images/{asset_id}``) gives them back.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.uploaded_files import json_success
from gatewright.spec.media import is_json

__all__ = ["ItemOwner", "delivers_item", "item_owner"]


@dataclass(frozen=True, slots=True)
class ItemOwner:
    collection: str
    param: str  # the path parameter naming the item


def item_owner(api: MockApi, operation: MockOperation) -> ItemOwner | None:
    """The item an upload route answers as itself (ipop's ``PUT /media/assets/{asset_id}/source``
    answers the asset the item route reads): the bytes are that item's, kept under its id."""
    template = operation.operation.template
    if not template.names:
        return None
    param = template.names[-1]
    path = template.path
    item_path = path[: path.index(f"{{{param}}}") + len(param) + 2]
    if item_path == path:  # the item itself (voxvey's ``PUT /v2/{search_path}``): strictly below it only
        return None
    read = api.read_at(item_path)
    answers = [json_success(op) for op in (operation, read) if op is not None]
    pointers = [r.media[0].schema_pointer for r in answers if r is not None and r.media]
    if len(pointers) != 2 or None in pointers:
        return None
    same = (
        api.schemas.deref(api.schemas.resolve(str(pointers[0])), None)[0]
        is api.schemas.deref(api.schemas.resolve(str(pointers[1])), None)[0]
    )
    return ItemOwner(item_path.rsplit("/", 1)[0], param) if same else None


def delivers_item(operation: MockOperation) -> bool:
    """A GET of one item itself (its path's one parameter, last) that answers bytes, not JSON (ipop's
    ``/media/images/{asset_id}``): an item whose bytes were uploaded is delivered as they were. A file
    derived from it (``/videos/{asset_id}/thumbs/{name}``, a variant) is not its source."""
    template = operation.operation.template
    successes = [r for r in operation.responses if r.key.startswith("2")]
    return (
        len(template.names) == 1
        and template.path.endswith(f"{{{template.names[0]}}}")
        and bool(successes)
        and not any(is_json(m.media_type) for r in successes for m in r.media)
    )
