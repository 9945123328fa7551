"""The files a create names, made before its lifecycle: uploaded for their stated purpose, then deleted.

Where the spec states the purpose the files a create names must have been uploaded with
(``x-gatewright-file-purpose``: ipop's batch input, "uploaded via POST /v1/files with purpose=batch", its
fine-tune's ``training_file``), a generated id names no such file and a gateway keeping the contract
refuses the create: the lifecycle could not be driven. So verify makes what the create needs, as a
client would: a small file of that purpose goes up through the API's own upload operation (the POST
that takes a file, as its body or a multipart ``file`` part, and a ``purpose``, as a query parameter or
a form field), its answer's ``id`` goes into the create's field, and once the lifecycle is over the
file is deleted through the ``DELETE`` under the upload path, whatever the outcome (``made_cleanup``:
past a spent budget; a file it cannot delete is named in the report). Uploads and deletes leave by the
run's one sender (``adapter.send``) and are recorded like every other call.

What goes into a file is the purpose's: a batch input is JSONL of request lines (``custom_id``,
``method``, ``url``, ``body``: OpenAI's batch format) to the route the create's ``endpoint`` names (its
default, else ``/v1/chat/completions``: ``spec.paths.on_endpoint``), each body a valid request of that
route (``adapter.valid_case``: a documented example or a generated one, a served model); a fine-tune
file is JSONL of chat examples (ten: OpenAI's minimum); any other purpose a line of text.

Where verify cannot make a file (the API has no upload operation for the purpose, the batch's route is
not in the spec), the create goes out as generated and its documented refusal still skips the lifecycle
(``unmade.refused_file``, saying why); where the upload itself fails, the lifecycle is skipped with
what the upload answered (its status and the gateway's message: a purpose it does not take says so),
and the create is not sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.bodies import error_message
from gatewright.conformance.made_cleanup import Cleanup
from gatewright.conformance.runs import CaseRun
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec
from gatewright.spec.media import is_json
from gatewright.spec.model import FILE_PURPOSE_EXTENSION
from gatewright.spec.paths import on_endpoint

__all__ = [
    "FileMaker",
    "FilePlan",
    "Made",
    "answered_id",
    "content_operation",
    "file_content",
    "refusal",
    "upload_operation",
]

PURPOSE = "purpose"
FILE_PART = "file"
MULTIPART = "multipart/form-data"
ENDPOINT_FIELD = "endpoint"  # the route every line of a batch calls
DEFAULT_ENDPOINT = "/v1/chat/completions"  # OpenAI's batch endpoint when the create names none
FINE_TUNE_EXAMPLES = 10  # OpenAI refuses a training file of fewer examples
BATCH_LINES = 2
_NOT_SENT = ("stream", "stream_options")  # a batch line is answered whole


@dataclass(frozen=True, slots=True)
class FileNeed:
    """One file a create names: its request ``field``, the ``purpose`` stated, what goes in it."""

    field: str
    purpose: str
    content: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class FilePlan:
    """The files one create request needs, drawn before the lifecycle runs; ``unmade`` says why verify
    could not make some (the create then goes out with the generated id there)."""

    needs: tuple[FileNeed, ...] = ()
    unmade: str | None = None


@dataclass(slots=True)
class Made:
    """What making a plan's parents and files came to: the fields now naming what was made (uploaded
    files' body fields, made parents' path parameters), or why it failed."""

    fields: frozenset[str] = frozenset()
    failed: str | None = None


class FileMaker:
    """Makes the files ``operation``'s creates name (see the module docstring), and hands each to
    ``cleanup``, which deletes them once the lifecycle is over."""

    def __init__(
        self, spec: Spec, adapter: SchemathesisAdapter, operation: Operation, cleanup: Cleanup
    ) -> None:
        self.spec = spec
        self.adapter = adapter
        self.operation = operation
        stated = operation.definition.get(FILE_PURPOSE_EXTENSION)
        self.stated = {str(k): str(v) for k, v in stated.items()} if isinstance(stated, Mapping) else {}
        self.cleanup = cleanup  # what deletes each file made once the lifecycle is over
        self.upload = upload_operation(spec) if self.stated else None  # (looked for once per create)

    def plan(self, case: Any) -> FilePlan:
        """The files ``case`` needs: one for each stated field its body names a file in (drawn now, on
        the calling thread: a batch's lines are requests of their own)."""
        body = getattr(case, "body", None)
        if not self.stated or not isinstance(body, Mapping):
            return FilePlan()
        needs, unmade = [], []
        for name, purpose in self.stated.items():
            if not isinstance(body.get(name), str):
                continue
            if self.upload is None:
                unmade.append(f"{name}: the API has no operation that uploads a file with a purpose")
                continue
            content = file_content(self.spec, self.adapter, self.operation, purpose, body)
            if isinstance(content, str):
                unmade.append(f"{name}: {content}")
                continue
            needs.append(FileNeed(name, purpose, content, f"gatewright-{purpose}.jsonl"))
        return FilePlan(tuple(needs), "; ".join(unmade) or None)

    def make(self, ctx: UnitContext, case: Any, plan: FilePlan, phase: str) -> Made:
        """Upload ``plan``'s files and put their ids in ``case``'s body; stops at the first that fails."""
        made = Made()
        for need in plan.needs:
            upload = self.upload
            assert upload is not None  # ``plan`` found it
            run = self.adapter.send(self._upload_case(upload, need), phase=phase)
            ctx.record(run, operation=upload)
            file_id = answered_id(run)
            what = f"the {need.purpose} file {need.field} names"
            if file_id is None:
                made.failed = f"uploading {what} ({upload.label}) failed: {run.error or refusal(run)}"
                return made
            self.cleanup.add(what, file_id, upload.path)
            case.body = {**case.body, need.field: file_id}
            made.fields |= {need.field}
        return made

    def _upload_case(self, upload: Operation, need: FileNeed) -> Any:
        content = _content(self.spec, upload)
        if MULTIPART in content:
            form = {FILE_PART: need.content, PURPOSE: need.purpose}
            return self.adapter.make_case(upload.operation_id, body=form, media_type=MULTIPART)
        names = {str(p["name"]) for p in upload.parameters if p.get("in") == "query"}
        query = {PURPOSE: need.purpose, **({"filename": need.filename} if "filename" in names else {})}
        raw = next(iter(content))
        return self.adapter.make_case(upload.operation_id, query=query, body=need.content, media_type=raw)


def upload_operation(spec: Spec) -> Operation | None:
    """The operation that uploads a file with a ``purpose``: a POST whose body is the file (a media type
    neither JSON nor a form) with a ``purpose`` query parameter, or a multipart form with ``file`` and
    ``purpose`` fields. One whose path ends in ``/files`` comes first (OpenAI's ``POST /v1/files``)."""
    found = []
    for operation in spec.operations:
        content = _content(spec, operation) if operation.method == "POST" else {}
        form = spec.deref(content[MULTIPART].get("schema", {})) if MULTIPART in content else {}
        fields = form.get("properties", {}) if isinstance(form, Mapping) else {}
        query = {str(p["name"]) for p in operation.parameters if p.get("in") == "query"}
        raw = any(not (is_json(media) or "form" in media) for media in content)
        if (FILE_PART in fields and PURPOSE in fields) or (raw and PURPOSE in query):
            found.append(operation)
    found.sort(key=lambda op: not op.path.rstrip("/").endswith("/files"))
    return found[0] if found else None


def content_operation(spec: Spec) -> Operation | None:
    """The route that serves an uploaded file's bytes: ``GET <upload path>/{id}/content`` (OpenAI's
    ``GET /v1/files/{file_id}/content``), or None."""
    upload = upload_operation(spec)
    if upload is None:
        return None
    base = upload.path.rstrip("/") + "/{"
    for operation in spec.operations:
        path = operation.path
        if (
            operation.method == "GET"
            and path.startswith(base)
            and path.endswith("}/content")
            and path.count("{") == 1
        ):
            return operation
    return None


def file_content(
    spec: Spec, adapter: SchemathesisAdapter, create: Operation, purpose: str, body: Mapping[str, Any]
) -> bytes | str:
    """What a file of ``purpose`` holds for the create ``body`` (see the module docstring), or why
    verify cannot write one."""
    if purpose.startswith("fine-tune"):
        example = {
            "messages": [
                {"role": "system", "content": "You answer in one word."},
                {"role": "user", "content": "Say hello."},
                {"role": "assistant", "content": "Hello."},
            ]
        }
        return _jsonl([example] * FINE_TUNE_EXAMPLES)
    if purpose != "batch":
        return b"gatewright verify: a file uploaded for a lifecycle, deleted after it.\n"
    endpoint = body.get(ENDPOINT_FIELD)
    if not isinstance(endpoint, str):
        default = _property(spec, create, ENDPOINT_FIELD).get("default")
        endpoint = default if isinstance(default, str) else DEFAULT_ENDPOINT
    routes = (op for op in spec.operations if op.method == "POST" and on_endpoint(op.path, endpoint))
    route = next(routes, None)
    if route is None:
        return f"the batch's endpoint {endpoint!r} is no POST route of the spec"
    line = adapter.valid_case(route.operation_id)
    if line is None or not isinstance(line.body, Mapping):
        return f"no valid JSON request of {route.label} for the batch's lines"
    request = {k: v for k, v in line.body.items() if k not in _NOT_SENT}
    return _jsonl(
        [
            {"custom_id": f"gatewright-{n}", "method": "POST", "url": route.path, "body": request}
            for n in range(1, BATCH_LINES + 1)
        ]
    )


def _content(spec: Spec, operation: Operation) -> dict[str, Any]:
    request_body = spec.deref(operation.definition.get("requestBody") or {})
    content = request_body.get("content") if isinstance(request_body, Mapping) else None
    return dict(content) if isinstance(content, Mapping) else {}


def _property(spec: Spec, operation: Operation, name: str) -> dict[str, Any]:
    """The JSON request body's schema of property ``name`` (empty where there is none)."""
    json_media: Any = next((c for m, c in _content(spec, operation).items() if is_json(m)), {})
    schema = spec.deref(json_media.get("schema", {})) if isinstance(json_media, Mapping) else {}
    found = spec.deref(schema.get("properties", {}).get(name, {})) if isinstance(schema, Mapping) else {}
    return dict(found) if isinstance(found, Mapping) else {}


def answered_id(run: CaseRun) -> str | None:
    """The ``id`` a 2xx answer gives what it made, or None."""
    if run.status is None or not 200 <= run.status < 300:
        return None
    try:
        answer = run.json()
    except ValueError:
        return None
    file_id = answer.get("id") if isinstance(answer, Mapping) else None
    return file_id if isinstance(file_id, str) and file_id else None


def refusal(run: CaseRun) -> str:
    """What a create that made nothing answered (an upload, a store): its status and the gateway's own
    message (why it refused: a purpose it does not take, a file too large), or that it named no id."""
    if run.status is not None and 200 <= run.status < 300:
        return "its answer carries no id"
    body = run.response.content.decode("utf-8", "replace") if run.response is not None else ""
    said = error_message(body) if body.strip() else ""
    return f"it answered {run.status}: {said}" if said else f"it answered {run.status}"


def _jsonl(items: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(item).encode("utf-8") + b"\n" for item in items)
