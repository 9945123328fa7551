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
nothing, but after vector stores: an attach to a store that is not there is the store's 404 whatever the
file (``mock.vector_stores`` checks the purpose itself once the store is found). The check is
``uploaded_files.purpose_refusal``; a file's purpose is what its upload's item states (``purpose``), as
the files routes show it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.uploaded_files import purpose_refusal

__all__ = ["FilePurposeExtension"]


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
