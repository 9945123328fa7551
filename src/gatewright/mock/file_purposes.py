"""A request that names an uploaded file is refused where the file is not one it may name.

Where the spec says the file a request names must have been uploaded with a purpose
(``x-gatewright-file-purpose``, from a lifecycle file's quoted ``file_purpose`` statement: ipop's batch
create, "The input file must have been uploaded via POST /v1/files with purpose=batch.", its fine-tune
create's ``training_file`` and ``validation_file``), the mock refuses, in the API's envelope, a request
naming a file it does not hold (404 where the operation documents one, else 400: ``refused_upload``),
one deleted since, or one whose upload stated another purpose (400), before any job starts: an
OpenAI-compatible gateway refuses them so (OpenAI: 400 ``invalid_request_error``), where the mock
started a batch over nothing (then ``failed``) or a fine-tune over any id. A field the request leaves
out (or null) is its schema's to judge.

It runs ahead of the extensions that read the file (batches) or start the job (tasks), and keeps
nothing. A file's purpose is what its upload's item states (``purpose``), as the files routes show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import error_response
from gatewright.mock.uploaded_files import named_upload, refused_upload

__all__ = ["FilePurposeExtension", "purpose_refusal"]

PURPOSE_FIELD = "purpose"  # the file item's field that states what it was uploaded for


class FilePurposeExtension:
    """Binds each operation that states the purpose of the files it names (see the module docstring)."""

    name = "file_purposes"
    repeatable = False  # the same request is refused or let through as the files held change

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        if not operation.file_purposes:
            return None
        purposes = operation.file_purposes

        async def check(call: MockCall) -> web.StreamResponse | None:
            if call.decision.status >= 300:
                return None
            for field, purpose in purposes:
                refusal = purpose_refusal(call, field, purpose)
                if refusal is not None:
                    return refusal
            return None

        return check

    def reset(self) -> None:
        pass

    def snapshot(self) -> dict[str, Any]:
        return {}


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
