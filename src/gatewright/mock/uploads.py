"""Uploads are kept: the bytes a client sends, the truth about them, and the route that returns them.

An operation takes an upload when its request body is a file (``application/octet-stream`` or
another non-JSON, non-form media type) or a multipart form with a file part, and it answers
JSON. Its answer is the spec's body with what the mock knows laid over it (each edit kept only
if the body stays valid): the byte count (``bytes``, ``size``, ...), the file name, the declared
content type, checksums (``sha256``, ``md5``, ``checksum``) and the form's or query's other
scalar fields (``purpose``). The bytes are kept under the new resource's id (``mock.blobs``,
one byte budget: an upload past it is a 413 in the API's envelope) and the resource goes into
the store, so the item route reads it back.

Where the API answers a repeated upload of the same content with another documented success
status (beatra: 201 "artifact created", 200 "content already exists"), a repeat gets that one.

A ``GET .../{id}/content`` route (any GET under an uploaded item whose success answer is not
JSON) returns exactly the bytes uploaded; deleting the item forgets them.

What other extensions share of uploads (an ``Upload``, a ``Kept`` file, the file a request names, the
operation that takes uploads) is ``mock.uploaded_files``; they keep files through ``keep``, which
``mock.defaults`` hands them as a ``FileKeeper`` (``mock.extensions``).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock import open_bodies
from gatewright.mock.blobs import Blob, BudgetExceeded
from gatewright.mock.extensions import MockCall, OperationHook, TaskStarter
from gatewright.mock.files import FileSigner
from gatewright.mock.fit import Edits
from gatewright.mock.image_frames import frame_of
from gatewright.mock.media_bodies import TYPE_FIELDS
from gatewright.mock.negotiation import Decision, ResponseSpec
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, error_response
from gatewright.mock.render import response_headers, value_for
from gatewright.mock.shared_values import KEY_SEP
from gatewright.mock.state import ResourceStore
from gatewright.mock.tasks.facts import CONTEXT_KEY, FactsRef
from gatewright.mock.tasks.models import Task
from gatewright.mock.upload_targets import ItemOwner, delivers_item, item_owner
from gatewright.mock.uploaded_files import Kept, Upload, file_object, json_success, read_upload, takes_file
from gatewright.spec.media import is_json
from gatewright.spec.tasks import Phase

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger
    from gatewright.mock.shared_values import Shared

__all__ = ["UploadExtension"]

_SIZE_FIELDS = (
    "bytes",
    "size",
    "size_bytes",
    "source_size_bytes",
    "file_size",
    "byte_count",
    "content_length",
    "length",
)
_NAME_FIELDS = ("filename", "file_name", "name", "original_filename")


FACTS = "upload_source"  # the name an item's source facts are registered under (``tasks.facts``)
_LINK_FIELDS = ("url", "download_url", "cdn_url", "storage_uri", "storage_url", "file_url", "uri")


def _checksums(data: bytes) -> dict[str, str]:
    sha256 = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return {
        "sha256": sha256,
        "checksum": sha256,
        "checksum_sha256": sha256,
        "content_sha256": sha256,
        "md5": md5,
    }


class UploadExtension:
    """Keeps uploaded bytes and serves them back."""

    name = "uploads"
    repeatable = False  # every upload is a new resource

    shared_name = "uploads"  # which content was seen first as what (``mock.shared``: "api\x1fsha256" -> id)

    def __init__(self, files: FileSigner, tasks: TaskStarter | None = None) -> None:
        self.files = files
        self.tasks = tasks  # an item that is a task (ipop's media asset) states its source as facts
        if tasks is not None:
            tasks.register_facts(FACTS, _source_facts)
        self.uploads = 0
        self.ledger: Ledger | None = None
        self._seen: dict[tuple[str, str], str] = {}  # (api, sha256) -> the first upload's resource id

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        method = operation.operation.method
        if method in ("POST", "PUT") and takes_file(api, operation) and json_success(operation) is not None:
            owner = item_owner(api, operation)

            async def upload(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
                return self._upload(call, owner)

            return upload
        if method == "GET" and operation.operation.path.endswith("/content"):

            async def content(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
                return _content(call)

            return content
        if method == "GET" and delivers_item(operation):
            param = operation.operation.template.names[0]

            async def deliver(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
                return _content(call) if self._holds(call, None, call.path_params[param]) else None

            return deliver
        if method == "DELETE" and operation.resource is not None:

            async def forget(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
                resource_id = (
                    call.path_params.get(operation.resource.id_param or "") if operation.resource else None
                )
                if resource_id is not None and 200 <= call.decision.status < 300:
                    call.store.blobs.delete(resource_id)
                return None  # the stateful delete answers

            return forget
        return None

    def _upload(self, call: MockCall, owner: ItemOwner | None) -> web.StreamResponse | JsonOutcome | None:
        if (
            call.preferences.example is not None
            or (call.reply is not None and call.reply.sets_body)
            or call.decision.status >= 300
        ):
            return None
        op, api = call.operation, call.api
        upload = read_upload(call)
        if upload is None:
            return None
        digest = hashlib.sha256(upload.data).hexdigest()
        existing = self._seen.get((api.name, digest))
        success = json_success(op)
        assert success is not None
        repeat_status = _repeat_status(api, op, success) if existing is not None else None
        if repeat_status is not None:  # the API documents it: content it already has answers differently
            return _already_kept(call, repeat_status, existing)
        item = (owner.collection, call.path_params[owner.param]) if owner is not None else None
        if item is not None and not self._holds(call, item[0], item[1]):  # bytes for nothing there
            return _not_held(call, item[1])
        try:
            kept = self.keep(
                api, op, call.store, upload, base=f"{call.request.scheme}://{call.request.host}", item=item
            )
        except BudgetExceeded as exc:
            return error_response(api, op, 413, str(exc))
        if kept is None:
            return None
        if (api.name, digest) not in self._seen:
            self._seen[(api.name, digest)] = kept.id
            if self.ledger is not None:
                self.ledger.note(self.shared_name, f"{api.name}{KEY_SEP}{digest}", kept.id)
        self.uploads += 1
        media = kept.decision.media
        assert media is not None
        body = self._state_on_task(api, kept.id, upload) if item is not None else None
        return JsonOutcome(
            kept.decision.status,
            kept.body if body is None else body,
            media_type=media.media_type,
            headers=(*response_headers(api, op, success), *call.headers),
            schema_pointer=media.schema_pointer,
        )

    def _holds(self, call: MockCall, collection: str | None, item_id: str) -> bool:
        """The API holds this item: a task of its (not cancelled: ipop's deleted asset), or a resource
        of ``collection`` (None: of any of its collections)."""
        task = self.tasks.engine.get(call.api.name, item_id) if self.tasks is not None else None
        if task is not None:
            return task.phase is not Phase.CANCELLED
        prefix = f"{call.api.name}:"
        if collection is None:
            return call.store.find(prefix, item_id) is not None
        return call.store.get(f"{prefix}{collection}", item_id) is not None

    def _state_on_task(self, api: MockApi, item_id: str, upload: Upload) -> dict[str, Any] | None:
        """Where the item is a task, it states the source from now on (``tasks.facts``: its size, and
        its name, type and an image's frame where the upload says them; a later upload states its
        own), and its poll body answers the upload."""
        task = self.tasks.engine.get(api.name, item_id) if self.tasks is not None else None
        if self.tasks is None or task is None:
            return None
        ref = task.context.get(CONTEXT_KEY)
        if isinstance(ref, Mapping) and ref.get("name") != FACTS:  # another extension's facts (a batch)
            return None
        stated: dict[str, Any] = {name: len(upload.data) for name in _SIZE_FIELDS}
        if upload.filename:
            stated.update(dict.fromkeys(_NAME_FIELDS, upload.filename))
        if upload.content_type != "application/octet-stream":  # what a raw body says of nothing
            stated.update(dict.fromkeys(TYPE_FIELDS, upload.content_type))
        if (frame := frame_of(upload.data)) is not None:  # an image's frame, as its own header says
            stated.update(width=frame[0], height=frame[1])
        task = self.tasks.engine.with_context(
            api.name, item_id, **{CONTEXT_KEY: FactsRef(FACTS, stated).as_context()}
        )
        body = self.tasks.bodies.poll_body(task) if task is not None else None
        return body if isinstance(body, dict) else None

    def keep(
        self,
        api: MockApi,
        op: MockOperation,
        store: ResourceStore,
        upload: Upload,
        *,
        base: str,
        item: tuple[str, str] | None = None,
    ) -> Kept | None:
        """Keep ``upload`` as ``op`` (an upload operation) would: its bytes in the blob store, the
        body that states them in the resource store; None where ``op`` answers no id. ``item``
        (collection, id) is the item the upload route belongs to, where it answers that item.

        Files the mock makes itself (a batch's output) are kept the same way, so the API's file
        routes tell the same truth about them. ``BudgetExceeded`` when the bytes or the item do not fit.
        """
        success = json_success(op)
        assert success is not None
        decision = Decision(int(success.key), success, success.media[0], None)
        media = decision.media
        assert media is not None and media.schema_pointer is not None
        pointer = media.schema_pointer

        def valid(value: Any) -> bool:
            return api.schemas.is_valid(pointer, value, formats=True)

        salt = f"upload-{store.create_salt()}"
        role = op.resource  # kept where its item route reads it, else under the upload's own path
        collection = role.collection if role is not None and role.role == "create" else op.operation.path
        value = copy.deepcopy(value_for(api, op, decision, salt=salt, made_now=True))
        if role is not None and role.open_answer:  # the spec says nothing of it: OpenAI's file object
            value = open_bodies.created(
                value,
                open_bodies.id_field(role.id_pointer),
                lambda: api.generator.named(open_bodies.id_name(collection), salt=salt),
                file_object(upload, int(api.generator.now(made_now=True))),
                valid,
            )
        edits = Edits(value, valid)
        facts: dict[str, Any] = {
            **{name: len(upload.data) for name in _SIZE_FIELDS},
            **{name: upload.filename for name in _NAME_FIELDS if upload.filename},
            **_checksums(upload.data),
            **upload.fields,
        }
        resource_id = item[1] if item is not None else _resource_id(op, value)
        if resource_id is None or not isinstance(value, dict):
            return None
        if item is not None:
            collection = item[0]
            edits.set(("id",), resource_id)
        link = self.files.upload_url(base, resource_id, upload.filename or "upload")
        for name in value:
            if name in facts and name != "id":
                edits.set((name,), facts[name])
            elif name in TYPE_FIELDS:  # the full type, else its family where the field is an enum of those
                _ = edits.set((name,), upload.content_type) or edits.set(
                    (name,), upload.content_type.partition("/")[0]
                )
            elif name in _LINK_FIELDS:
                edits.set((name,), link)
        body = edits.body
        earlier = store.blobs.get(resource_id)  # an item's source sent again replaces it
        store.blobs.put(resource_id, Blob(upload.data, upload.content_type, upload.filename))
        if isinstance(body, dict):  # (an upload of content already kept answers it: ``_already_kept``)
            try:
                store.put(f"{api.name}:{collection}", resource_id, dict(body))
            except BudgetExceeded:  # the item's own budget (``--max-store-bytes``): as if never sent
                if earlier is None:
                    store.blobs.delete(resource_id)
                else:  # (it fitted before, so it fits again in the new one's place)
                    store.blobs.put(resource_id, earlier)
                raise
        return Kept(resource_id, body, decision)

    def reset(self) -> None:
        self.uploads = 0
        self._seen.clear()

    def shared_stores(self) -> list[Shared]:
        return [self]

    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for (api, digest), resource_id in self._seen.items():
            yield f"{api}{KEY_SEP}{digest}", resource_id

    def shared_apply(self, key: str, value: Any) -> None:
        api, _, digest = key.partition(KEY_SEP)
        if value is None:
            self._seen.pop((api, digest), None)
        else:
            self._seen.setdefault((api, digest), value)

    def shared_clear(self) -> None:
        self._seen.clear()

    def snapshot(self) -> dict[str, Any]:
        return {"uploads": self.uploads}


def _not_held(call: MockCall, item_id: str) -> web.StreamResponse | None:
    """The API's 404 for an upload into an item it does not hold, where the operation documents one."""
    if not call.operation.documents(404):
        return None
    return error_response(call.api, call.operation, 404, f"no such resource: {item_id}")


def _source_facts(stated: Mapping[str, Any], _task: Task) -> Mapping[str, Any]:
    return stated


def _already_kept(call: MockCall, status: int, kept_id: str | None) -> web.StreamResponse | JsonOutcome:
    """The answer for content the API already has: the artifact kept for it, where that status
    declares a JSON body ("returns existing artifact"), else the status alone."""
    response = next((r for r in call.operation.responses if r.key == str(status)), None)
    media = next((m for m in response.media if is_json(m.media_type)), None) if response else None
    found = call.store.find(f"{call.api.name}:", kept_id) if kept_id is not None else None
    if response is None or media is None or found is None:
        return web.Response(status=status, headers=dict(call.headers))
    return JsonOutcome(
        status,
        found[1],
        media_type=media.media_type,
        headers=(*response_headers(call.api, call.operation, response), *call.headers),
        schema_pointer=media.schema_pointer,
    )


_ALREADY = re.compile(r"\b(already|exist(s|ing)?|duplicate|same content)\b", re.IGNORECASE)


def _repeat_status(api: MockApi, operation: MockOperation, first: ResponseSpec) -> int | None:
    """Another documented 2xx next to the first upload's whose description says it answers content
    the API already has (beatra's 200 "content already exists"; not voxvey's generic 200/201 pair)."""
    others = [r for r in operation.responses if r.key.startswith("2") and r.key != first.key]
    if len(others) != 1 or not others[0].key.isdigit():
        return None
    response = api.schemas.deref(api.schemas.resolve(others[0].pointer), None)[0]
    description = response.get("description") if isinstance(response, dict) else None
    return int(others[0].key) if isinstance(description, str) and _ALREADY.search(description) else None


def _resource_id(operation: MockOperation, body: Any) -> str | None:
    pointer = operation.resource.id_pointer if operation.resource is not None else None
    key = (pointer or "/id").lstrip("/")
    for candidate in (key, "id", "file_id", "upload_id", "artifact_id"):
        value = body.get(candidate) if isinstance(body, dict) else None
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def _content(call: MockCall) -> web.StreamResponse | None:
    """The uploaded bytes of the item this route belongs to, a 404 once it was deleted, or None."""
    for value in call.path_params.values():
        if call.store.blobs.was_deleted(value):
            return error_response(call.api, call.operation, 404, f"no such file: {value}")
        blob = call.store.blobs.get(value)
        if blob is not None:
            spec = call.decision.media
            media_type = (
                spec.media_type if spec is not None and not is_json(spec.media_type) else blob.content_type
            )
            return web.Response(status=200, body=blob.data, headers={"Content-Type": media_type})
    return None
