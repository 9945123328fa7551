"""Uploaded files as the extensions share them: an upload's parts, a kept file, and how to find both.

The upload extension keeps what clients upload (``mock.uploads``); batches keep their output files
the same way and, with vector stores, read the uploaded file a request names. What they have in common
lives here, outside every extension (ARCHITECTURE.md, mock): the parts of an upload (``Upload``), a file
once kept (``Kept``), the file a request names (``named_upload``) and its refusal (``refused_upload``),
whether it was uploaded for the purpose the request states (``purpose_refusal``), which operation of
an API takes uploads (``takes_file``, ``json_success``, ``upload_operation``), an
upload read from its request (``read_upload``) and stated as OpenAI's file object (``file_object``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gatewright.mock.blobs import Blob
from gatewright.mock.extensions import MockCall
from gatewright.mock.multipart import multipart_files
from gatewright.mock.negotiation import Decision, ResponseSpec
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import error_response
from gatewright.spec.media import is_json, media_type_of

PURPOSE_FIELD = "purpose"  # the file item's field that states what it was uploaded for

__all__ = [
    "Kept",
    "Upload",
    "file_object",
    "json_success",
    "named_upload",
    "purpose_refusal",
    "read_upload",
    "refused_upload",
    "takes_file",
    "upload_operation",
]


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    filename: str | None
    content_type: str
    fields: dict[str, Any]  # the form's (or query's) other scalar values


@dataclass(frozen=True, slots=True)
class Kept:
    """A kept file: its resource id, the body that states it and the answer it was written for."""

    id: str
    body: Any
    decision: Decision


def named_upload(call: MockCall, field: str) -> Blob | web.Response | None:
    """The uploaded file a request names in ``field`` (a batch's ``input_file_id``, an attachment's
    ``file_id``), the refusal (``refused_upload``) of an id the mock gave and has since deleted, or None
    for an id it holds nothing by: neither bytes nor a file item (what each caller does with a file that
    is not there is its operation's to say: an attachment refuses it, a batch fails).

    A file item without bytes (a fixture the files list shows) reads as an empty file.
    """
    file_id = call.body.get(field) if isinstance(call.body, Mapping) else None
    if not isinstance(file_id, str):
        return None
    blob = call.store.blobs.get(file_id)
    if blob is not None:
        return blob
    if call.store.blobs.was_deleted(file_id):
        return refused_upload(call, field, f"The file '{file_id}' was deleted.")
    if call.store.find(f"{call.api.name}:", file_id) is not None:
        return Blob(b"", "application/octet-stream", None)
    return None


def refused_upload(call: MockCall, field: str, message: str) -> web.Response:
    """The refusal of the file a request names in ``field``, in the API's envelope: 404 where the
    operation documents it, else 400."""
    status = 404 if call.operation.documents(404) else 400
    return error_response(call.api, call.operation, status, message, param=field)


def upload_operation(api: MockApi, collection: str) -> MockOperation | None:
    """The operation that uploads files into ``collection`` (``POST /v1/files``), if the API has one."""
    for op in api.operations.values():
        role = op.resource
        if (
            role is not None
            and role.role == "create"
            and role.collection == collection
            and op.operation.method in ("POST", "PUT")
            and takes_file(api, op)
            and json_success(op) is not None
        ):
            return op
    return None


def takes_file(api: MockApi, operation: MockOperation) -> bool:
    """The request body is a file (a non-JSON, non-form media type) or a multipart form."""
    request_body = api.spec.deref(operation.operation.definition.get("requestBody"))
    content = request_body.get("content") if isinstance(request_body, dict) else None
    return isinstance(content, dict) and any(
        media_type == "multipart/form-data" or not (is_json(media_type) or "form" in media_type)
        for media_type in content
    )


def json_success(operation: MockOperation) -> ResponseSpec | None:
    """The 2xx response that answers JSON with a schema for a new upload: 201 (Created) where it
    does (beatra's 200 is for content it already has), else the first."""
    for response in sorted(operation.responses, key=lambda r: (r.key != "201", r.key)):
        if response.key.startswith("2"):
            for media in response.media:
                if is_json(media.media_type) and media.schema_pointer is not None:
                    return ResponseSpec(response.key, response.pointer, (media,))
    return None


def read_upload(call: MockCall) -> Upload | None:
    """The upload a request carries: a multipart form's first file (the form's other scalar fields
    beside it), or the body itself (its name from the query); None for a form without a file."""
    content_type = call.request.headers.get("Content-Type", "")
    media_type = media_type_of(content_type)
    query = dict(call.request.query.items())
    if media_type == "multipart/form-data":
        files = multipart_files(content_type, call.raw)
        if not files:
            return None
        first = files[0]
        form = call.body if isinstance(call.body, Mapping) else {}
        fields = {
            k: v for k, v in form.items() if k != first.field and isinstance(v, str | int | float | bool)
        }
        return Upload(first.data, first.filename, first.content_type, {**query, **fields})
    if call.body is None or isinstance(call.body, bytes):  # the body is the file (zero bytes are one)
        name = query.pop("filename", None) or query.pop("file_name", None)
        return Upload(call.raw, name, media_type or "application/octet-stream", query)
    return None


def file_object(upload: Upload, now: int) -> dict[str, Any]:
    """An upload as OpenAI's Files API states it (less its id), with the form's other fields."""
    return {
        "object": "file",
        "bytes": len(upload.data),
        "created_at": now,
        "filename": upload.filename or "upload",
        "purpose": "user_data",
        "status": "processed",
        **upload.fields,
    }


def purpose_refusal(call: MockCall, field: str, purpose: str) -> web.Response | None:
    """The refusal of the file the request names in ``field`` unless the mock holds it, uploaded with
    ``purpose``; None where it does, or where the request names none there."""
    file_id = call.body.get(field) if isinstance(call.body, Mapping) else None
    if not isinstance(file_id, str):
        return None
    held = named_upload(call, field)
    if isinstance(held, web.Response):  # given, then deleted
        return held
    if held is None:
        return refused_upload(call, field, f"File with ID '{file_id}' not found.")
    found = call.store.find(f"{call.api.name}:", file_id)
    stated = found[1].get(PURPOSE_FIELD) if found is not None else None
    if stated == purpose:
        return None
    message = f"File with ID '{file_id}' was not uploaded with purpose '{purpose}'"
    message += f" (its purpose is '{stated}')." if isinstance(stated, str) else "."
    return error_response(call.api, call.operation, 400, message, param=field)
