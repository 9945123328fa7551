"""ipop's files and batches routes on the realistic gateway (``realgateway.py``), as a real one serves them.

verify's lifecycle phase uploads the file a batch create names (``conformance.made_files``) and deletes
it afterwards; until these routes, those uploads had only met our own lenient mock. Here they meet a
gateway that answers slowly (``DELAY`` on every files and batches route), sends ``null`` where OpenAI
does (a file's ``expires_at``, ``filename`` without one given, ``status_details``; a batch's unset
times, output and error files), refuses in ipop's flat error envelope (``error``, ``code``,
``request_id``, ``retryable``) with the status the spec documents: an upload of a purpose it does not
serve (``SUPPORTED``: it runs batches, it does not fine-tune) or of a batch file that is not JSONL
request lines is a 400; a batch naming a file it never issued, or one of another purpose, a 400 (the
create documents no 404); retrieving, reading or deleting a file it never issued (or deleted), a 404. A
batch line whose model the gateway does not serve counts as failed, as a real one fails it: its line in
the batch's error file (OpenAI's shape) carries the 404 it would have answered, in ipop's envelope; a
line it serves gets a chat completion in the output file. As OpenAI's, a batch none of whose lines
completed has no output file (``output_file_id`` null), and one none of whose lines failed no error file.
``bad_output``: those completions break ipop's schema (``created`` a string), as a gateway that hands its
upstream's answer through unchecked would; ``upstream_down``: every line it serves fails with a 503, as
when its upstream is unavailable, ``down_for``: only the lines of these ``custom_id``s do (its upstream
failing now and then); ``errors_in_output``: failed lines go to the output file with the others
(no error file), as some OpenAI-compatible gateways write them; ``keeps_outputs``: it refuses (400) to delete
the files it wrote for a batch, as a gateway that owns them would.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

DELAY = 0.2  # seconds every files and batches answer takes
SUPPORTED = ("batch", "assistants")  # purposes it takes an upload for (no fine-tuning here)
VALIDATING, RUNNING = 0.3, 0.6  # seconds a batch spends validating, then in progress
OWNER = "u_real_gateway"


def ipop_error(status: int, message: str, code: str = "bad_request") -> web.Response:
    """ipop's error envelope (its ``Error`` schema: flat, no ``param``, closed)."""
    envelope = {
        "error": message,
        "code": code,
        "request_id": f"req_{uuid.uuid4().hex[:12]}",
        "retryable": False,
    }
    return web.json_response(envelope, status=status)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class RealFiles:
    """The files (upload, retrieve, delete) and batches (create, retrieve, cancel) routes; ``served``:
    the chat models a batch line may name."""

    def __init__(self, served: frozenset[str], delay: float = DELAY, *, bad_output: bool = False) -> None:
        self.served = served
        self.delay = delay
        self.bad_output = bad_output
        self.upstream_down = False
        self.down_for: frozenset[str] = frozenset()  # custom_ids whose line fails with a 503
        self.errors_in_output = False
        self.keeps_outputs = False
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, str] = {}  # kept past a delete: a batch reads its input when it runs
        self.batches: dict[str, dict[str, Any]] = {}
        self.started: dict[str, float] = {}
        self.cancelled: dict[str, float] = {}
        self.deleted: list[str] = []  # file ids, in the order they were deleted
        self.read: list[str] = []  # file ids whose content was read, in order

    @staticmethod
    def owns(path: str) -> bool:
        return path.startswith(("/v1/files", "/v1/batches"))

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/files", self.upload)
        app.router.add_get("/v1/files/{file_id}", self.retrieve)
        app.router.add_get("/v1/files/{file_id}/content", self.content)
        app.router.add_delete("/v1/files/{file_id}", self.delete)
        app.router.add_post("/v1/batches", self.create_batch)
        app.router.add_get("/v1/batches/{batch_id}", self.get_batch)
        app.router.add_post("/v1/batches/{batch_id}/cancel", self.cancel_batch)

    def _file(self, purpose: str, data: bytes, filename: str | None) -> dict[str, Any]:
        file_id = f"file-{uuid.uuid4().hex[:24]}"
        item = {
            "id": file_id,
            "object": "file",
            "owner_user_id": OWNER,
            "purpose": purpose,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "storage_uri": f"s3://real-gateway/{file_id}",
            "created_at": _now(),
            "expires_at": None,
            "filename": filename,
            "project_id": None,
            "status_details": None,
        }
        self.files[file_id] = item
        self.contents[file_id] = data.decode("utf-8", "replace")
        return item

    async def upload(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        purpose = request.query.get("purpose", "")
        if purpose not in SUPPORTED:
            return ipop_error(
                400, f"Unsupported purpose '{purpose}': this gateway takes {', '.join(SUPPORTED)}."
            )
        data = await request.read()
        if purpose == "batch":
            try:
                lines = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
            except ValueError:
                return ipop_error(400, "A batch file is JSONL: every line a JSON object.")
            if not lines or not all(
                isinstance(x, dict) and {"custom_id", "url", "body"} <= x.keys() for x in lines
            ):
                return ipop_error(400, "Every batch line needs custom_id, url and body.")
        return web.json_response(self._file(purpose, data, request.query.get("filename")))

    async def retrieve(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        item = self.files.get(request.match_info["file_id"])
        if item is None:
            return ipop_error(404, f"No such file: '{request.match_info['file_id']}'.")
        return web.json_response(item)

    async def content(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return ipop_error(404, f"No such file: '{file_id}'.")
        self.read.append(file_id)
        return web.Response(body=self.contents[file_id].encode(), content_type="application/octet-stream")

    async def delete(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        file_id = request.match_info["file_id"]
        if self.keeps_outputs and self.files.get(file_id, {}).get("purpose") == "batch_output":
            return ipop_error(400, f"File '{file_id}' belongs to a batch: it cannot be deleted.")
        if self.files.pop(file_id, None) is None:
            return ipop_error(404, f"No such file: '{file_id}'.")
        self.deleted.append(file_id)
        return web.Response(status=204)

    async def create_batch(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return ipop_error(400, "invalid JSON")
        file_id = body.get("input_file_id") if isinstance(body, dict) else None
        item = self.files.get(file_id) if isinstance(file_id, str) else None
        if item is None or item["purpose"] != "batch":
            return ipop_error(400, f"input_file_id '{file_id}' is no file uploaded with purpose=batch.")
        batch_id = f"batch_{uuid.uuid4().hex[:24]}"
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "owner_user_id": OWNER,
            "status": "validating",
            "endpoint": body.get("endpoint", "chat_completions"),
            "input_file_id": file_id,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "completion_window_secs": 86400,
            "created_at": _now(),
            "deadline_at": _now(),
            "started_at": None,
            "completed_at": None,
            "cancel_requested_at": None,
            "output_file_id": None,
            "error_file_id": None,
            "last_error": None,
            "metadata": body.get("metadata"),
            "project_id": None,
            "reserved_credit_total": None,
        }
        self.started[batch_id] = time.monotonic()
        return web.json_response(self.batches[batch_id])

    async def get_batch(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return ipop_error(404, f"No such batch: '{request.match_info['batch_id']}'.")
        self._advance(batch)
        return web.json_response({**batch, "rows": self._rows(batch)})

    async def cancel_batch(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return ipop_error(404, f"No such batch: '{request.match_info['batch_id']}'.")
        self._advance(batch)
        if batch["status"] in ("completed", "failed", "expired", "cancelled"):
            return ipop_error(409, f"Batch '{batch['id']}' is {batch['status']}.")
        self.cancelled.setdefault(batch["id"], time.monotonic())
        batch.update(status="cancelling", cancel_requested_at=_now())
        return web.json_response(batch)

    def _advance(self, batch: dict[str, Any]) -> None:
        """Move ``batch`` on by the time passed: validating, in progress, then completed over its lines
        (or, once cancelled, cancelling for ``VALIDATING`` seconds, then cancelled)."""
        now = time.monotonic()
        if batch["id"] in self.cancelled:
            if now - self.cancelled[batch["id"]] >= VALIDATING:
                batch.update(status="cancelled", completed_at=_now())
            return
        age = now - self.started[batch["id"]]
        if age < VALIDATING or batch["status"] == "completed":
            return
        if age < VALIDATING + RUNNING:
            batch.update(status="in_progress", started_at=batch["started_at"] or _now())
            return
        data = self._content(batch["input_file_id"])
        lines = [json.loads(line) for line in data.splitlines() if line.strip()]
        answered = [self._answer(line) for line in lines]
        done = [line for line in answered if line["error"] is None and line["response"]["status_code"] == 200]
        failed = [line for line in answered if line not in done]
        written, apart = (answered, []) if self.errors_in_output else (done, failed)
        output = self._file("batch_output", _jsonl(written), None) if written else None  # OpenAI: null
        errors = self._file("batch_output", _jsonl(apart), None) if apart else None
        batch.update(
            status="completed",
            started_at=batch["started_at"] or _now(),
            completed_at=_now(),
            output_file_id=output["id"] if output else None,
            error_file_id=errors["id"] if errors else None,
            request_counts={"total": len(lines), "completed": len(done), "failed": len(failed)},
        )

    def _answer(self, line: dict[str, Any]) -> dict[str, Any]:
        """One batch line's record (OpenAI's output and error line shape): a chat completion for a model it
        serves, else the 404 it would answer the request with (a 503 while its upstream is down)."""
        model = line["body"].get("model")
        request_id = f"req_{uuid.uuid4().hex[:12]}"
        if model not in self.served:
            message = f"The model '{model}' does not exist or is not served by this gateway."
            body: dict[str, Any] = {"error": message, "code": "model_not_found", "request_id": request_id}
            response = {"status_code": 404, "request_id": request_id, "body": {**body, "retryable": False}}
        elif self.upstream_down or line["custom_id"] in self.down_for:
            message = f"The upstream provider of '{model}' is unavailable; retry later."
            body = {"error": message, "code": "upstream_unavailable", "request_id": request_id}
            response = {"status_code": 503, "request_id": request_id, "body": {**body, "retryable": True}}
        else:
            completion = {
                "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
                "object": "chat.completion",
                "created": "yesterday" if self.bad_output else int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "hello"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
            }
            response = {"status_code": 200, "request_id": request_id, "body": completion}
        return {
            "id": f"batch_req_{uuid.uuid4().hex[:24]}",
            "custom_id": line["custom_id"],
            "response": response,
            "error": None,
        }

    def _rows(self, batch: dict[str, Any]) -> list[dict[str, Any]]:
        """The batch's lines as its detail lists them (``BatchJobRow``), ``null`` where nothing is set yet."""
        lines = [
            json.loads(line) for line in self._content(batch["input_file_id"]).splitlines() if line.strip()
        ]
        done = batch["status"] == "completed"
        return [
            {
                "batch_id": batch["id"],
                "row_index": index,
                "custom_id": line["custom_id"],
                "status": (
                    "completed"
                    if line["body"].get("model") in self.served
                    and not (self.upstream_down or line["custom_id"] in self.down_for)
                    else "failed"
                )
                if done
                else "pending",
                "created_at": batch["created_at"],
                "updated_at": batch["completed_at"],
                "output_line": None,
                "error": None,
                "request_id": None,
            }
            for index, line in enumerate(lines)
        ]

    def _content(self, file_id: str) -> str:
        return self.contents.get(file_id, "")


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)
