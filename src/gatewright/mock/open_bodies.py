"""What a resource's answers hold where the spec leaves them free-form (``{"type": "object"}``).

A provider-native route (voxvey's ``/v1/byte/files``, its context caches) documents every answer
as any object. Generated from the schema alone that is ``{}``: it names no id, so nothing created
could be kept, read back, listed or deleted, and the client's SDK finds ``id: None``. Where an
answer is open, the mock writes what it knows instead, in OpenAI's conventions (what the SDKs
pointed at such routes parse):

- a create: the fields the client sent (an upload: the file's facts) and a new id, named as the
  item route names it (``file_id`` gives ``file_…``);
- a read: the resource as kept;
- a list: ``{"object": "list", "data": [...], "has_more"}`` (``listed``);
- a delete: ``{"id", "object", "deleted": true}``.

Each is written only where the schema accepts it (an open schema accepts any object).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["created", "deleted", "id_field", "id_name", "is_open", "listed"]


def is_open(template: Any) -> bool:
    """Whether a generated body is the empty object a schema without properties gives (a read, list or
    delete whose answer says nothing of the resource)."""
    return isinstance(template, dict) and not template


def created(
    template: Any,
    id_name: str,
    new_id: Callable[[], str],
    fields: Mapping[str, Any],
    valid: Callable[[Any], bool],
) -> Any:
    """The new resource an open create answers (``ResourceRole.open_answer``): what was generated
    (the schema's example, if any), ``fields`` and its id."""
    if not isinstance(template, dict):
        return template
    made = {**template, **fields, id_name: new_id()}
    return made if valid(made) else template


def listed(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """OpenAI's list envelope of ``items`` (its cursor ids where the items have ids): an open list's
    answer, and every list the mock builds without a shape of the spec's to fill."""
    body: dict[str, Any] = {"object": "list", "data": items, "has_more": has_more}
    if items and "id" in items[0] and "id" in items[-1]:
        body.update(first_id=items[0]["id"], last_id=items[-1]["id"])
    return body


def deleted(resource_id: str, kind: Any) -> dict[str, Any]:
    """OpenAI's confirmation of a delete, naming the kind of object it was (``kind``: its ``object``,
    where that is known)."""
    return {"id": resource_id, **({"object": kind} if isinstance(kind, str) else {}), "deleted": True}


def id_field(id_pointer: str | None) -> str:
    """Where an open create's answer holds the new id: the create's id pointer where it names a
    top-level field, else ``id``."""
    field = (id_pointer or "/id").removeprefix("/")
    return field if field and "/" not in field else "id"


def id_name(collection: str) -> str:
    """What a new item of ``collection`` calls its id, for the generator to name it by: ``/v1/files``
    gives ``file_id`` (so ``file_…``)."""
    segments = [s for s in collection.split("/") if s and not s.startswith("{")]
    kind = segments[-1] if segments else "item"
    return f"{kind.removesuffix('s') or kind}_id"
