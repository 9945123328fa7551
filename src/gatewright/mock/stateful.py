"""Resource lifecycles over the store: create, read, list, update, delete.

Stored bodies are what the create call returned plus the scalar fields the
client sent. A read answers with the read operation's schema, overlaid with
the stored fields it accepts; a list puts stored items into the list schema's
array (its pagination shape: ``data``/``items``/..., ``has_more``, ids and
counts); anything the schema rejects falls back to the plain generated body.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gatewright.mock import open_bodies, preconditions
from gatewright.mock.echo import echo, with_path
from gatewright.mock.fit import Edits
from gatewright.mock.item_budget import StoreBudgetExceeded
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.paging import ListPage
from gatewright.mock.render import Rendered, dumps, response_headers, value_for
from gatewright.mock.resource_bodies import kept_fields, listed, merge, with_id
from gatewright.mock.resources import ResourceRole
from gatewright.mock.state import ResourceStore
from gatewright.spec.media import is_json
from gatewright.spec.pointer import resolve


def handle_resource(
    api: MockApi,
    op: MockOperation,
    role: ResourceRole,
    decision: Decision,
    *,
    params: Mapping[str, str],
    body: Any,
    store: ResourceStore,
    query: Mapping[str, str],
) -> Rendered | None:
    """The stateful answer, or None to fall back to plain rendering."""
    media = decision.media
    answers_json = (
        media is not None
        and media.schema_pointer is not None
        and decision.status < 300
        and is_json(media.media_type)
    )
    collection = f"{api.name}:{role.collection}"
    if role.role == "list":  # first, and with no answer object before its cache (``GET /v1/models``)
        if not answers_json or media is None or media.schema_pointer is None:
            return None
        return _list(
            api,
            op,
            decision,
            media.media_type,
            media.schema_pointer,
            store=store,
            collection=collection,
            query=query,
        )
    resource_id = params.get(role.id_param or "", "")
    reading = answers_json and role.role == "read"
    if not role.tracked and not (reading and store.get(collection, resource_id) is not None):
        if reading and media is not None and media.schema_pointer and role.of_a_form(resource_id):
            # an id of a form no fixture lists (a fine-tuned model): the item itself, generated
            answer = _Answer.of(api, op, decision, media.media_type, media.schema_pointer)
            template = value_for(api, op, decision, salt=f"read-{resource_id}")
            return answer.rendered(with_id(template, resource_id, answer.valid))
        return _untracked(api, op, role, decision, params=params, store=store)
    if not answers_json or media is None or media.schema_pointer is None:
        if role.role == "delete" and role.id_param is not None:
            resource_id = params.get(role.id_param, "")
            if _unknown(api, store, collection, resource_id) and decision.status < 300 and op.documents(404):
                return _not_found(api, op, resource_id)  # (a delete answering no body: ipop's files)
            _delete(api, op, role, params, store)
        return None
    answer = _Answer.of(api, op, decision, media.media_type, media.schema_pointer)
    if role.role == "create":
        return _create(answer, role, body, params, store=store, collection=collection)
    return _one(answer, role, params, body, store=store, collection=collection, query=query)


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class _Answer:
    """What a tracked JSON answer is made for: the operation, its decision, its body's schema and
    the headers it carries."""

    api: MockApi
    op: MockOperation
    decision: Decision
    media_type: str
    pointer: str
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(
        cls, api: MockApi, op: MockOperation, decision: Decision, media_type: str, pointer: str
    ) -> _Answer:
        return cls(api, op, decision, media_type, pointer, response_headers(api, op, decision.response))

    def valid(self, value: Any) -> bool:
        return self.api.schemas.is_valid(self.pointer, value, formats=True)

    def rendered(self, value: Any) -> Rendered:
        return Rendered(self.decision.status, self.media_type, dumps(value), self.headers)


def _create(
    answer: _Answer,
    role: ResourceRole,
    body: Any,
    params: Mapping[str, str],
    *,
    store: ResourceStore,
    collection: str,
) -> Rendered | None:
    """A generated body echoing the request (its path's ids too), kept with the scalar fields the
    client sent; a 409 where the request names its key and a condition on it fails (``preconditions``)."""
    key_field = (role.id_pointer or "/id").removeprefix("/")
    named = body.get(key_field) if isinstance(body, dict) and "/" not in key_field else None
    if isinstance(named, str | int) and not isinstance(named, bool):  # an upsert: the client names the key
        refused = _refused(answer, str(named), body, {}, store.get(collection, str(named)))
        if refused is not None:
            return refused
    salt = f"create-{store.create_salt()}"
    value = value_for(answer.api, answer.op, answer.decision, salt=salt, made_now=True)
    sent = kept_fields(body, whole=role.open_answer)
    if role.open_answer:
        value = open_bodies.created(
            value,
            open_bodies.id_field(role.id_pointer),
            lambda: answer.api.generator.named(open_bodies.id_name(role.collection), salt=salt),
            sent,
            answer.valid,
        )
    fields = answer.api.echo_fields(answer.op)  # bounded=False: kept as sent, any size
    value = echo(value, with_path(params, body), answer.valid, bounded=False, fields=fields)
    if isinstance(value, dict):  # the payload in the field it was sent in, of its alternatives
        value = role.alternatives.answered(value, body, answer.valid)
    if role.empty_counts and isinstance(value, dict):
        value = _emptied(value, role.empty_counts, answer.valid)
    try:
        resource_id = resolve(value, role.id_pointer or "/id")
    except KeyError:
        return None
    if isinstance(resource_id, str | int) and isinstance(value, dict):
        parent = (role.id_pointer or "/id").rsplit("/", 1)[0]
        if not parent:  # an upsert of an item already there replaces it as its next version
            value = _again(value, store.get(collection, str(resource_id)), answer.valid)
        resource = resolve(value, parent) if parent else value
        try:
            kept = resource if isinstance(resource, dict) else value
            store.put(collection, str(resource_id), {**sent, **kept})
        except StoreBudgetExceeded as exc:
            return _too_large(answer, str(exc))
    return answer.rendered(value)


def _too_large(answer: _Answer, problem: str) -> Rendered:
    """A write past the store's byte budget (``--max-store-bytes``): a 413, as an upload past its budget
    is (``mock.item_budget``)."""
    return _error(answer.api, answer.op, 413, problem)


def _again(
    value: dict[str, Any], earlier: dict[str, Any] | None, valid: Callable[[Any], bool]
) -> dict[str, Any]:
    """``value`` as the item ``earlier`` written again (ipop's KV re-put): its ``version`` one more, its
    ``created_at`` kept (each only where both have it and the body stays valid)."""
    if earlier is None:
        return value
    again = dict(value)
    if isinstance(earlier.get("version"), int) and isinstance(value.get("version"), int):
        again["version"] = earlier["version"] + 1
    if "created_at" in earlier and "created_at" in value:
        again["created_at"] = earlier["created_at"]
    return again if valid(again) else value


def _emptied(value: dict[str, Any], counts: tuple[str, ...], valid: Callable[[Any], bool]) -> dict[str, Any]:
    """A copy of ``value`` with each count of what the new item holds at zero (an object of counts:
    each of them); ``value`` may be the spec's own example, never edited in place."""
    edits = Edits(copy.deepcopy(value), valid)
    for name in counts:
        current = value.get(name)
        if isinstance(current, dict):
            edits.set((name,), {k: 0 if type(v) is int else v for k, v in current.items()})
        elif type(current) is int:
            edits.set((name,), 0)
    emptied: dict[str, Any] = edits.body
    return emptied


def _list(  # the answer's parts unbundled: a cached list costs no object
    api: MockApi,
    op: MockOperation,
    decision: Decision,
    media_type: str,
    pointer: str,
    *,
    store: ResourceStore,
    collection: str,
    query: Mapping[str, str],
) -> Rendered | None:
    """The collection's items in the list's shape, one page of them as the query asks (``paging``);
    the same answer every time while only fixtures and no query."""
    told = _told(store, collection, tracked=op.resource is None or op.resource.tracked)
    if not told and not open_bodies.is_open(value_for(api, op, decision)):
        return None  # (an open list of nothing yet is the empty list, not ``{}``)
    pristine = not query and store.pristine(collection)  # fixtures only: the same answer every time
    key = ("list", pointer, decision.example.name if decision.example else None, decision.status)
    cached = op.body_cache.get(key) if pristine else None
    if isinstance(cached, Rendered):
        return cached
    answer = _Answer.of(api, op, decision, media_type, pointer)
    page = ListPage.of(query, op.query_names, api.query_default(op, "limit"), op.expand, api.list_order(op))
    items, more = page.select(store.list(collection))
    groups = op.resource.alternatives.groups if op.resource is not None else ()
    template = value_for(api, op, decision)
    shaped = listed(template, items, answer.valid, has_more=more, groups=groups, omit=page.omit)
    if shaped is None:
        return None
    rendered = answer.rendered(shaped)
    if pristine:
        op.body_cache[key] = rendered
    return rendered


def _one(
    answer: _Answer,
    role: ResourceRole,
    params: Mapping[str, str],
    body: Any,
    *,
    store: ResourceStore,
    collection: str,
    query: Mapping[str, str],
) -> Rendered | None:
    """A read, update or delete of the resource the path names (found in any collection of the API);
    a 409 for an update or delete whose condition on it fails (``preconditions``)."""
    api, op = answer.api, answer.op
    resource_id = params.get(role.id_param or "")
    if resource_id is None:
        return None
    stored_body = store.get(collection, resource_id)
    if stored_body is None and not store.was_deleted(collection, resource_id):
        linked = store.find(f"{api.name}:", resource_id)
        if linked is not None:
            collection, stored_body = linked
    if stored_body is None:
        if store.was_deleted(collection, resource_id) or op.documents(404):
            return _not_found(api, op, resource_id)
        return None
    if role.role == "other":
        return None
    if role.role in ("update", "delete"):
        refused = _refused(answer, resource_id, body, query, stored_body)
        if refused is not None:
            return refused
    if role.role == "delete":
        _delete(api, op, role, params, store)
    elif role.role == "update" and isinstance(body, dict):
        whole = open_bodies.is_open(value_for(api, op, answer.decision))  # a free-form resource's update
        try:
            changed = store.update(collection, resource_id, kept_fields(body, whole=whole))
        except StoreBudgetExceeded as exc:
            return _too_large(answer, str(exc))
        stored_body = changed or stored_body
    template = value_for(api, op, answer.decision, salt=f"{role.role}-{resource_id}")
    # A delete answers a confirmation (``{"id", "deleted": true}``) or, where the spec says so, the
    # resource as it was: the stored one, not a generated stranger.
    confirms = role.role == "delete" and not (isinstance(template, dict) and "deleted" not in template)
    if role.role == "delete" and open_bodies.is_open(template):
        value = open_bodies.deleted(resource_id, stored_body.get("object"))
        value = value if answer.valid(value) else template
    elif confirms:
        value = with_id(template, resource_id, answer.valid)
    else:
        value = merge(template, stored_body, answer.valid, role.alternatives.groups)
    return answer.rendered(value)


def _refused(
    answer: _Answer, resource_id: str, body: Any, query: Mapping[str, str], stored: dict[str, Any] | None
) -> Rendered | None:
    """The documented 409 of a write whose condition on the item fails, or None (nothing is kept)."""
    api, op = answer.api, answer.op
    if not op.documents(409):
        return None
    problem = preconditions.conflict(
        body if isinstance(body, dict) else {},
        query,
        stored,
        body_fields=api.request_fields(op),
        query_fields=op.query_names,
    )
    if problem is None:
        return None
    return _error(api, op, 409, f"{resource_id}: {problem}")


def _untracked(
    api: MockApi,
    op: MockOperation,
    role: ResourceRole,
    decision: Decision,
    *,
    params: Mapping[str, str],
    store: ResourceStore,
) -> Rendered | None:
    """Items the API never creates: generated bodies, except that a deleted id stays gone.

    Where the collection's items are known (its list's fixtures, and nothing writes into it
    that the mock does not store), an id that is none of them, nor anything created, is a
    404 when the operation documents one: reading or deleting ``/v1/models/nonexistent``
    exercises the client's not-found path. A ``Prefer`` the mock applied (``code=200``,
    ``example=...``) still answers with a generated item.
    """
    resource_id = params.get(role.id_param or "")
    collection = f"{api.name}:{role.collection}"
    if resource_id is None:
        return None
    if store.was_deleted(collection, resource_id):
        return _not_found(api, op, resource_id)
    if (
        role.role in ("read", "delete")
        and 200 <= decision.status < 300
        and not decision.preference_applied
        and op.documents(404)
        and not role.unmodelled_writes
        and _unknown(api, store, collection, resource_id, tracked=False)
        and not role.of_a_form(resource_id)  # (a delete of one: nothing kept says it is not there)
    ):
        return _not_found(api, op, resource_id)
    if role.role == "delete" and 200 <= decision.status < 300:
        store.delete(collection, resource_id)
    return None


def _delete(
    api: MockApi, op: MockOperation, role: ResourceRole, params: Mapping[str, str], store: ResourceStore
) -> None:
    resource_id = params.get(role.id_param or "")
    if resource_id is not None:
        store.delete(f"{api.name}:{role.collection}", resource_id)


def _unknown(
    api: MockApi, store: ResourceStore, collection: str, resource_id: str, *, tracked: bool = True
) -> bool:
    """Nothing by this id in a collection the store can tell the items of (``_told``), nor anywhere else
    in the API."""
    return (
        _told(store, collection, tracked=tracked)  # (else elsewhere: a task's items, answered by its hooks)
        and store.get(collection, resource_id) is None
        and store.find(f"{api.name}:", resource_id) is None
    )


def _told(store: ResourceStore, collection: str, *, tracked: bool) -> bool:
    """Whether the store can tell what the collection holds, so an id it does not hold is not there: a
    tracked collection's fixtures, items and deletes (``known``); an untracked one's fixtures and the
    items it has held (``holds``), as deletes alone tell nothing of a collection the mock cannot
    enumerate (a delete of one id does not make every other 404)."""
    return store.known(collection) if tracked else store.holds(collection)


def _not_found(api: MockApi, op: MockOperation, resource_id: str) -> Rendered:
    return _error(api, op, 404, f"no such resource: {resource_id}")


def _error(api: MockApi, op: MockOperation, status: int, message: str) -> Rendered:
    """The operation's answer of ``status`` in the API's error envelope."""
    error = api.errors.for_operation(op, status, message)
    return Rendered(status, error.content_type, error.body)
