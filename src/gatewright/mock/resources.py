"""Which operations create, fetch, list, update and delete stored resources.

Derived once from the path templates: an item path ends in a ``{param}``
segment; its collection is the path without it. ``POST`` on the collection
creates (when its response names the new id: via the response ``links``, the
item parameter's name, or ``id``), ``GET`` on it lists, and ``GET``/``DELETE``/
``PATCH``/``PUT`` on the item read, delete and update. A ``GET`` on a collection
that nobody creates into but that has an item route lists too (untracked): its
items are fixtures (see ``fixtures``). Every role knows its collection's list and
item read, so a list and a read can agree on which ids exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from gatewright.mock.alternatives import NONE, Alternatives
from gatewright.mock.schemas import SchemaSet, string_form
from gatewright.spec.expressions import RuntimeExpression
from gatewright.spec.model import WIDENED_EXTENSION, Operation
from gatewright.spec.schemas import branches, properties


@dataclass(frozen=True, slots=True)
class ResourceRole:
    role: str  # "create" | "list" | "read" | "update" | "delete"
    collection: str
    id_param: str | None = None  # item operations: the path parameter holding the id
    id_pointer: str | None = None  # create: where the new id is in the response body
    tracked: bool = True  # False: an item nobody creates through the API; only deletes are remembered
    list_op: str | None = None  # the collection's GET (list), when it has one
    item_op: str | None = None  # the collection's item GET (read), when it has one
    # Untracked collections: some operation writes into it in a way the mock does not store (a PUT on
    # the collection, an upsert by id), so an id the mock does not know may still exist.
    unmodelled_writes: bool = False
    # Create: the fields of the new item that count a collection under it (``file_count`` beside
    # ``/vector_stores/{id}/files``): a new item holds nothing yet, so they start at zero.
    empty_counts: tuple[str, ...] = ()
    # Create: the spec leaves its answer free-form, so the mock writes the new id and what was sent
    # into it (``mock.open_bodies``).
    open_answer: bool = False
    # The collection's items: the payload fields its create takes one of (``mock.alternatives``).
    alternatives: Alternatives = NONE
    # Item operations: the forms by which the id parameter takes ids beside those it lists, as a quoted
    # ``field_pattern`` statement widened it (its ``anyOf`` branches marked ``x-gatewright-widened``):
    # ipop's fine-tuned models (``ft:<base>:u_<user>:<suffix>``) beside its catalog. No fixture can hold
    # every id of a form, so none of them reads as unknown. A branch the spec itself wrote is no form: its
    # ids that no fixture holds stay unknown (404).
    id_forms: tuple[str, ...] = ()

    def of_a_form(self, resource_id: str) -> bool:
        """Whether the id is of a form, as JSON Schema reads the pattern (ECMA, in linear time: the mock's
        validator engine), never Python's ``re`` on a client's text."""
        return any(string_form(pattern).is_valid(resource_id) for pattern in self.id_forms)


def _links(schemas: SchemaSet, op: Operation) -> list[tuple[str | None, str]]:
    """(target operationId, id pointer in the response body) for each link of a success response."""
    found: list[tuple[str | None, str]] = []
    for status, response in op.definition.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        resolved, _ = schemas.deref(response, None)
        for raw_link in (resolved.get("links") or {}).values() if isinstance(resolved, dict) else ():
            link, _ = schemas.deref(raw_link, None)
            for expression in (link.get("parameters") or {}).values() if isinstance(link, dict) else ():
                try:
                    parsed = RuntimeExpression.parse(str(expression))
                except ValueError:
                    continue
                if parsed.is_("response", "body") and parsed.pointer:
                    target = link.get("operationId")
                    found.append((str(target) if target else None, parsed.pointer))
    return found


def _link_id_pointer(schemas: SchemaSet, op: Operation) -> str | None:
    links = _links(schemas, op)
    return links[0][1] if links else None


def _response_schema(schemas: SchemaSet, op: Operation) -> dict[str, Any] | None:
    for status, response in sorted(op.definition.get("responses", {}).items()):
        if not str(status).startswith("2"):
            continue
        resolved, _ = schemas.deref(response, None)
        content = resolved.get("content", {}) if isinstance(resolved, dict) else {}
        media = content.get("application/json") or next(iter(content.values()), None)
        if isinstance(media, dict) and "schema" in media:
            schema, _ = schemas.deref(media["schema"], None)
            if isinstance(schema, dict):
                return schema
    return None


def _response_properties(schemas: SchemaSet, op: Operation) -> dict[str, Any]:
    schema = _response_schema(schemas, op)
    return dict(schema.get("properties") or {}) if schema is not None else {}


def _is_open(schema: Mapping[str, Any] | None) -> bool:
    """A JSON answer the spec leaves free-form (any object): the mock writes the id into it
    (``mock.open_bodies``)."""
    if (
        schema is None
        or schema.get("type", "object") != "object"
        or schema.get("additionalProperties") is False
    ):
        return False
    return not any(
        k in schema for k in ("properties", "patternProperties", "oneOf", "anyOf", "allOf", "$ref")
    )


def _sub_collection_counts(
    operations: Sequence[Operation], collection: str, param: str, properties: Mapping[str, Any]
) -> tuple[str, ...]:
    """The response fields counting a collection under one item (``file_count``, ``file_counts``)."""
    under = f"{collection}/{{{param}}}/"
    words = {
        op.template.path.removeprefix(under)
        for op in operations
        if op.method == "GET" and op.template.path.startswith(under)
    }
    names = {
        f"{stem}_{suffix}"
        for word in words
        if word and "/" not in word and "{" not in word
        for stem in (word, word.removesuffix("s"))
        for suffix in ("count", "counts")
    }
    return tuple(sorted(name for name in names if name in properties))


def _item_kind(schemas: SchemaSet, op: Operation, read: Operation | None) -> str:
    """What an operation on an item does to it. A POST that answers the item as its read does is an
    update (OpenAI's ``POST /v1/vector_stores/{id}`` modifies the store; voxvey's context cache too)."""
    if op.method == "POST":
        answer = _response_schema(schemas, op)
        same = read is not None and answer is not None and answer is _response_schema(schemas, read)
        return "update" if same else "other"
    return {"GET": "read", "DELETE": "delete", "PATCH": "update", "PUT": "update"}.get(op.method, "other")


def _direct_create(
    schemas: SchemaSet, operations: Sequence[Operation], op: Operation, param: str
) -> ResourceRole | None:
    """The create role of a POST on a collection (its id where the answer has one, or written into an
    open answer), or of an upsert: a PUT on the collection whose body names the item (ipop's KV store:
    ``PUT /v1/kv/items`` with ``{"key": ...}``, read back at ``/v1/kv/items/{key}``)."""
    collection = op.template.path
    if op.method == "PUT":  # an upsert: its answer must restate the key, or the write is not one to keep
        named = param in request_fields(schemas, op) and param in _response_properties(schemas, op)
        return ResourceRole("create", collection, None, f"/{param}") if named else None
    if op.method != "POST":
        return None
    pointer = _link_id_pointer(schemas, op)
    opened = False
    if pointer is None:
        properties = _response_properties(schemas, op)
        key = next((k for k in (param, "id") if k in properties), None)
        # an id the mock makes (``file_id``), not a name the client picks (``domain``)
        opened = key is None and param.endswith("id") and _is_open(_response_schema(schemas, op))
        pointer = "/id" if opened else f"/{key}" if key is not None else None
    if pointer is None:
        return None
    counts = _sub_collection_counts(operations, collection, param, _response_properties(schemas, op))
    return ResourceRole("create", collection, None, pointer, empty_counts=counts, open_answer=opened)


def request_schema(schemas: SchemaSet, op: Operation) -> Any:
    """The schema of ``op``'s JSON request body, unresolved (None: it takes no JSON)."""
    body, _ = schemas.deref(op.definition.get("requestBody"), None)
    content = body.get("content") if isinstance(body, dict) else None
    media = content.get("application/json") if isinstance(content, dict) else None
    return media.get("schema") if isinstance(media, dict) else None


def request_fields(schemas: SchemaSet, op: Operation) -> frozenset[str]:
    """The top-level fields ``op``'s JSON request body declares (every branch's)."""
    return frozenset(properties(schemas.document, request_schema(schemas, op)))


def _forms(schemas: SchemaSet, op: Operation, name: str) -> tuple[str, ...]:
    """The patterns of the widened branches of path parameter ``name``'s schema (``id_forms``)."""
    for parameter in op.parameters:
        if parameter.get("in") == "path" and parameter.get("name") == name:
            return tuple(
                branch["pattern"]
                for branch in branches(schemas.document, parameter.get("schema"))
                if branch.get(WIDENED_EXTENSION) is True and isinstance(branch.get("pattern"), str)
            )
    return ()


def derive_roles(schemas: SchemaSet, operations: Sequence[Operation]) -> dict[str, ResourceRole]:
    """operationId -> its role for every operation that takes part in a resource lifecycle."""
    items: dict[str, str] = {}  # collection -> id param
    for op in operations:
        found = op.template.item
        if found is not None:
            items.setdefault(found[0], found[1])
    creatable: dict[str, ResourceRole] = {}
    by_id = {op.operation_id: op for op in operations}
    linked_creates: dict[str, ResourceRole] = {}
    upserts: dict[str, ResourceRole] = {}
    alternatives: dict[str, Alternatives] = {}  # collection -> its create's payload alternatives
    for op in operations:
        if op.method != "POST" or op.template.path in items:
            continue
        for target_id, id_pointer in _links(schemas, op):
            target = by_id.get(target_id or "")
            found = target.template.item if target is not None else None
            if found is not None:
                linked_creates[op.operation_id] = ResourceRole("create", found[0], None, id_pointer)
                creatable.setdefault(found[0], linked_creates[op.operation_id])
                break
    for op in operations:
        collection = op.template.path
        create = _direct_create(schemas, operations, op, items[collection]) if collection in items else None
        if create is not None and create.collection not in alternatives:
            alternatives[create.collection] = Alternatives.of(schemas, op)
        if create is not None and op.method == "PUT":  # its own role; a POST, if any, is the collection's
            upserts[op.operation_id] = create
            creatable.setdefault(collection, create)
        elif create is not None:
            creatable[collection] = create
    reads = {
        found[0]: op.operation_id for op in operations if op.method == "GET" and (found := op.template.item)
    }
    lists = {
        op.template.path: op.operation_id
        for op in operations
        if op.method == "GET" and op.template.path in creatable.keys() | reads.keys()
    }
    written: set[str] = set()  # untracked collections that something writes into
    for op in operations:
        if op.method not in ("POST", "PUT", "PATCH"):
            continue
        path = op.template.path
        if path in items and path not in creatable:
            written.add(path)
        found = op.template.item
        if found is not None and op.method in ("PUT", "PATCH") and found[0] not in creatable:
            written.add(found[0])
    roles: dict[str, ResourceRole] = {}
    for op in operations:
        collection = op.template.path
        if op.operation_id in linked_creates or op.operation_id in upserts:
            role = linked_creates.get(op.operation_id) or upserts[op.operation_id]
        elif op.method == "POST" and collection in creatable:
            role = creatable[collection]
        elif op.method == "GET" and collection in lists:
            role = ResourceRole("list", collection, tracked=collection in creatable)
        else:
            found = op.template.item
            if found is None:
                continue
            kind = _item_kind(schemas, op, by_id.get(reads.get(found[0], "")))
            forms = _forms(schemas, op, found[1])
            role = ResourceRole(kind, found[0], found[1], tracked=found[0] in creatable, id_forms=forms)
        roles[op.operation_id] = replace(
            role,
            list_op=lists.get(role.collection),
            item_op=reads.get(role.collection),
            unmodelled_writes=role.collection in written,
            alternatives=alternatives.get(role.collection, NONE),
        )
    return roles
