"""A small gateway with planted faults on a real socket, the OpenAPI 3.1 spec it claims, and a
proxy in front of it: what the proxy tests drive."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from gatewright.proxy import Proxy, ProxyOptions, create_app
from gatewright.spec import Spec
from gatewright.testing import serve_app

KEY = "sk-proxy-SECRET-0123456789abcdef"

ITEM = {
    "type": "object",
    "required": ["id", "name", "kind", "count"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "count": {"type": "integer"},
    },
}
ITEM_IN = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["a", "b"]}},
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["message"], "properties": {"message": {}}}},
}
JOB = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {"id": {"type": "string"}, "status": {"type": "string"}},
}
CHAT_IN = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {"model": {"type": "string"}, "messages": {"type": "array"}, "stream": {"type": "boolean"}},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json(ERROR)}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "planted", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/v1/items": {
            "post": {
                "operationId": "createItem",
                "requestBody": {"required": True, **_json(ITEM_IN)},
                "responses": {"201": {"description": "created", **_json(ITEM)}, "400": _error("bad")},
            }
        },
        "/v1/items/{item_id}": {
            "get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {"description": "the item", **_json(ITEM)},
                    "404": _error("no such item"),
                    "502": _error("upstream failed"),
                },
            }
        },
        "/v1/chat/completions": {
            "post": {
                "operationId": "createChatCompletion",
                "requestBody": {"required": True, **_json(CHAT_IN)},
                "responses": {
                    "200": {
                        "description": "a completion, or its stream",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/event-stream": {
                                "schema": {
                                    "type": "object",
                                    "required": ["data"],
                                    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
                                },
                                "x-gatewright-stream": {"format": "openai-chat"},
                            },
                        },
                    }
                },
            }
        },
        "/v1/jobs": {
            "post": {
                "operationId": "createJob",
                "x-gatewright-task": {
                    "poll": "getJob",
                    "id": "$response.body#/id",
                    "status": "/status",
                    "states": {
                        "initial": ["queued"],
                        "running": ["running"],
                        "succeeded": ["completed"],
                        "failed": ["failed"],
                        "cancelled": [],
                    },
                    "poll_id": "$request.path.job_id",
                },
                "responses": {"202": {"description": "started", **_json(JOB)}},
            }
        },
        "/v1/jobs/{job_id}": {
            "get": {
                "operationId": "getJob",
                "parameters": [
                    {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "the job", **_json(JOB)}, "404": _error("no such job")},
            }
        },
    },
}

# What ``GET /v1/items/<fault>`` answers: status, content type, body.
ITEM_FAULTS: dict[str, tuple[int, str, Any]] = {
    "ok": (200, "application/json", {"id": "ok", "name": "fine", "kind": "a", "count": 1}),
    "missing": (200, "application/json", {"id": "missing", "name": "no count", "kind": "a"}),
    "wrongtype": (200, "application/json", {"id": "wrongtype", "name": "x", "kind": "a", "count": "three"}),
    "enum": (200, "application/json", {"id": "enum", "name": "x", "kind": "z", "count": 1}),
    "status": (418, "application/json", {"error": {"message": "teapot"}}),
    "ctype": (200, "text/plain", "id=ctype"),
}
# Job id -> the statuses its polls answer, in order (the last repeats).
JOB_PATHS = {"job-good": ["queued", "running", "completed"], "job-back": ["running", "completed", "running"]}
CHUNK = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}


def _chunk(text: str) -> bytes:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": None}
    return f"data: {json.dumps({**CHUNK, 'choices': [choice]})}\n\n".encode()


def upstream_app() -> web.Application:
    polls: dict[str, int] = {}

    async def get_item(request: web.Request) -> web.StreamResponse:
        fault = request.match_info["item_id"]
        if fault == "echo":  # a body that quotes the caller's credentials back (and breaks the enum)
            echoed = request.headers.get("Authorization", "")
            body = {"id": "echo", "name": echoed, "kind": f"bad {echoed}", "count": 1}
            return web.json_response(body)
        if fault == "slow":  # longer than the proxy waits, shorter than the test lasts after it
            await asyncio.sleep(0.6)
        if fault == "reset":
            assert request.transport is not None
            request.transport.close()
            await asyncio.sleep(0.1)
        if fault == "big":
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            await response.prepare(request)
            for _ in range(64):
                await response.write(b"\x00" * 65536)
            await response.write_eof()
            return response
        status, content_type, body = ITEM_FAULTS.get(
            fault, (404, "application/json", {"error": {"message": "no"}})
        )
        text = body if isinstance(body, str) else json.dumps(body)
        return web.Response(status=status, text=text, content_type=content_type)

    async def create_item(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": "new", "name": "n", "kind": "a", "count": 0}, status=201)

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if not body.get("stream"):
            return web.json_response({"id": "c1", "object": "chat.completion", "choices": []})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(_chunk("Hel"))
        await response.write(_chunk("lo"))
        if body.get("model") == "slow":  # a pause mid-stream: the client must have the first chunk by then
            await asyncio.sleep(0.8)
        if body.get("model") == "cut":  # the connection drops mid-stream
            await asyncio.sleep(0.05)
            assert request.transport is not None
            request.transport.close()
            return response
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def upload(request: web.Request) -> web.Response:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.content.iter_chunked(65536):
            digest.update(chunk)
            size += len(chunk)
        return web.json_response(
            {"size": size, "sha256": digest.hexdigest(), "chunked": request.headers.get("Transfer-Encoding")}
        )

    async def create_job(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"id": body["id"], "status": "queued"}, status=202)

    async def get_job(request: web.Request) -> web.Response:
        job_id = request.match_info["job_id"]
        path = JOB_PATHS.get(job_id, ["queued"])
        count = polls[job_id] = polls.get(job_id, 0) + 1
        return web.json_response({"id": job_id, "status": path[min(count, len(path)) - 1]})

    app = web.Application()
    app.router.add_get("/v1/items/{item_id}", get_item)
    app.router.add_post("/v1/items", create_item)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/v1/jobs", create_job)
    app.router.add_post("/v1/uploads", upload)
    app.router.add_get("/v1/jobs/{job_id}", get_job)
    return app


@dataclass
class Running:
    url: str
    upstream: str
    proxy: Proxy
    out: io.StringIO


@contextmanager
def proxied(
    *,
    spec: Spec | None = None,
    upstream: str | None = None,
    record_dir: Path | None = None,
    api: str | None = None,
    **options: Any,
) -> Iterator[Running]:
    """The planted gateway (or ``upstream``) behind a proxy judging it against ``spec`` (or ``api``)."""
    with ExitStack() as stack:
        target = upstream or stack.enter_context(serve_app(upstream_app()))
        out = io.StringIO()
        proxy_options = ProxyOptions(upstream=target, api=api or "planted", record_dir=record_dir, **options)
        proxy = Proxy(proxy_options, spec=spec if spec is not None or api else Spec(SPEC, "planted"), out=out)
        stack.callback(proxy.close)
        url = stack.enter_context(serve_app(create_app(proxy)))
        yield Running(url, target, proxy, out)
