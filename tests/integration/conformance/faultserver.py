"""A tiny gateway with plantable faults on a real socket, and the OpenAPI 3.1 spec it claims to follow."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jsonschema
from aiohttp import web

from gatewright.testing import serve_app

KEY = "sk-test-SECRET-0123456789"

NAME_MAX = 20  # an item name's maxLength
ITEM_IN = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
        "count": {"type": "integer", "minimum": 0, "maximum": 1000},
    },
    "additionalProperties": False,
}
ITEM = {
    "type": "object",
    "required": ["id", "name", "count"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "count": {"type": "integer"}},
}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
JOB = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string"},
        "output": {"type": ["string", "null"]},
    },
}
CHAT_IN = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "enum": ["m1"]},
        "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"type": "string", "enum": ["user"]},
                    "content": {"type": "string", "maxLength": 10},
                },
                "additionalProperties": False,
            },
        },
        "stream": {"type": "boolean"},
    },
    "additionalProperties": False,
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _err(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json({"$ref": "#/components/schemas/Error"})}


def _path_id(name: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": "^[a-z0-9]{1,8}$"},
        }
    ]


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Faulty gateway", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Item": ITEM, "ItemIn": ITEM_IN, "Error": ERROR, "Job": JOB, "ChatIn": CHAT_IN},
    },
    "paths": {
        "/v1/models": {
            "get": {
                "operationId": "listModels",
                "tags": ["models"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "models",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["data"],
                                "properties": {"data": {"type": "array", "items": {"type": "string"}}},
                            }
                        ),
                    }
                },
            }
        },
        "/v1/items": {
            "post": {
                "operationId": "createItem",
                "tags": ["items"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ItemIn"},
                            "example": {"name": "box", "count": 1},
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": _json({"$ref": "#/components/schemas/Item"}),
                        "links": {
                            "GetItem": {
                                "operationId": "getItem",
                                "parameters": {"path.item_id": "$response.body#/id"},
                            },
                            "DeleteItem": {
                                "operationId": "deleteItem",
                                "parameters": {"path.item_id": "$response.body#/id"},
                            },
                        },
                    },
                    "400": _err("invalid"),
                    "401": _err("no key"),
                },
            }
        },
        "/v1/items/{item_id}": {
            "get": {
                "operationId": "getItem",
                "tags": ["items"],
                "parameters": _path_id("item_id"),
                "responses": {
                    "200": {"description": "item", "content": _json({"$ref": "#/components/schemas/Item"})},
                    "400": _err("invalid"),
                    "401": _err("no key"),
                    "404": _err("not found"),
                },
            },
            "delete": {
                "operationId": "deleteItem",
                "tags": ["items"],
                "parameters": _path_id("item_id"),
                "responses": {
                    "204": {"description": "gone"},
                    "400": _err("invalid"),
                    "401": _err("no key"),
                    "404": _err("not found"),
                },
            },
        },
        "/v1/jobs": {
            "post": {
                "operationId": "createJob",
                "tags": ["jobs"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["prompt"],
                                "additionalProperties": False,
                                "properties": {"prompt": {"type": "string", "minLength": 1, "maxLength": 10}},
                            },
                            "example": {"prompt": "cat"},
                        }
                    },
                },
                "responses": {
                    "202": {
                        "description": "queued",
                        "content": _json({"$ref": "#/components/schemas/Job"}),
                        "links": {
                            "GetJob": {
                                "operationId": "getJob",
                                "parameters": {"path.job_id": "$response.body#/id"},
                            },
                            "CancelJob": {
                                "operationId": "cancelJob",
                                "parameters": {"path.job_id": "$response.body#/id"},
                            },
                        },
                    },
                    "400": _err("invalid"),
                    "401": _err("no key"),
                },
                "x-gatewright-task": {
                    "poll": "getJob",
                    "cancel": "cancelJob",
                    "id": "$response.body#/id",
                    "status": "/status",
                    "states": {
                        "initial": ["queued"],
                        "running": ["running"],
                        "succeeded": ["done"],
                        "failed": ["error"],
                        "cancelled": ["cancelled"],
                    },
                    "result": "/output",
                },
            }
        },
        "/v1/jobs/{job_id}": {
            "get": {
                "operationId": "getJob",
                "tags": ["jobs"],
                "parameters": _path_id("job_id"),
                "responses": {
                    "200": {"description": "job", "content": _json({"$ref": "#/components/schemas/Job"})},
                    "400": _err("invalid"),
                    "401": _err("no key"),
                    "404": _err("not found"),
                },
            }
        },
        "/v1/jobs/{job_id}/cancel": {
            "post": {
                "operationId": "cancelJob",
                "tags": ["jobs"],
                "parameters": _path_id("job_id"),
                "responses": {
                    "200": {"description": "job", "content": _json({"$ref": "#/components/schemas/Job"})},
                    "400": _err("invalid"),
                    "401": _err("no key"),
                    "404": _err("not found"),
                    "409": _err("finished"),
                },
            }
        },
        "/v1/chat/completions": {
            "post": {
                "operationId": "createChatCompletion",
                "tags": ["chat"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ChatIn"},
                            "example": {"model": "m1", "messages": [{"role": "user", "content": "hi"}]},
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "completion",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id", "object"],
                                    "properties": {
                                        "id": {"type": "string"},
                                        "object": {"const": "chat.completion"},
                                    },
                                }
                            },
                            "text/event-stream": {"x-gatewright-stream": {"format": "openai-chat"}},
                        },
                    },
                    "400": _err("invalid"),
                    "401": _err("no key"),
                },
            }
        },
    },
}

FAULTS = (
    "missing_field",
    "wrong_type",
    "undocumented_status",
    "wrong_content_type",
    "server_error",
    "accept_invalid",
    "ignore_auth",
    "task_never_finishes",
    "task_backwards",
    "stream_never_ends",
    "boundary_crash",
)
# More create operations of the same task (POST /v1/<kind>-jobs), for ``spec_with_lifecycles``.
JOB_KINDS = ("video", "audio", "image")


class FaultyGateway:
    """Behaves per SPEC unless a fault is planted."""

    def __init__(self, faults: frozenset[str]) -> None:
        unknown = faults - set(FAULTS)
        assert not unknown, unknown
        self.faults = faults
        self.items: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.auth])
        app.router.add_get("/v1/models", self.list_models)
        app.router.add_post("/v1/items", self.create_item)
        app.router.add_get("/v1/items/{item_id}", self.get_item)
        app.router.add_delete("/v1/items/{item_id}", self.delete_item)
        app.router.add_post("/v1/jobs", self.create_job)
        app.router.add_get("/v1/jobs/{job_id}", self.get_job)
        app.router.add_post("/v1/jobs/{job_id}/cancel", self.cancel_job)
        app.router.add_post("/v1/chat/completions", self.chat)
        for kind in JOB_KINDS:
            app.router.add_post(f"/v1/{kind}-jobs", self.create_job)
        return app

    def _id(self) -> str:
        self.counter += 1
        return f"x{self.counter}"

    @web.middleware
    async def auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        public = request.path == "/v1/models"
        if (
            not public
            and "ignore_auth" not in self.faults
            and request.headers.get("Authorization") != f"Bearer {KEY}"
        ):
            return web.json_response({"error": "unauthorized"}, status=401)
        return await handler(request)

    async def _body(self, request: web.Request, schema: dict[str, Any]) -> Any:
        if request.content_type != "application/json":
            raise web.HTTPBadRequest(text=json.dumps({"error": "json only"}), content_type="application/json")
        try:
            body = json.loads(await request.read())
        except ValueError:
            raise web.HTTPBadRequest(
                text=json.dumps({"error": "bad json"}), content_type="application/json"
            ) from None
        if "accept_invalid" in self.faults:
            return body
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError as exc:
            raise web.HTTPBadRequest(
                text=json.dumps({"error": exc.message}), content_type="application/json"
            ) from None
        return body

    def _valid_id(self, value: str) -> None:
        if not (1 <= len(value) <= 8 and value.isascii() and value.isalnum() and value == value.lower()):
            raise web.HTTPBadRequest(text=json.dumps({"error": "bad id"}), content_type="application/json")

    async def list_models(self, request: web.Request) -> web.StreamResponse:
        if "wrong_content_type" in self.faults:
            return web.Response(text="m1", content_type="text/plain")
        if "wrong_type" in self.faults:
            return web.json_response({"data": "m1"})
        return web.json_response({"data": ["m1"]})

    async def create_item(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, ITEM_IN)
        name = body.get("name") if isinstance(body, dict) else None
        if "server_error" in self.faults and isinstance(name, str) and not name.isalnum():
            return web.Response(status=500, text="Internal Server Error")
        if "boundary_crash" in self.faults and isinstance(name, str) and len(name) == NAME_MAX:
            # an off-by-one buffer: the longest name the spec allows is one too many
            return web.Response(status=500, text="Internal Server Error")
        item = {
            "id": self._id(),
            "name": str(name),
            "count": body.get("count", 0) if isinstance(body, dict) else 0,
        }
        self.items[item["id"]] = item
        return web.json_response(item, status=201)

    async def get_item(self, request: web.Request) -> web.StreamResponse:
        item_id = request.match_info["item_id"]
        if "undocumented_status" in self.faults:
            return web.json_response({"error": "teapot"}, status=418)
        self._valid_id(item_id)
        item = self.items.get(item_id)
        if "missing_field" in self.faults:
            return web.json_response({"id": item_id, "count": 1})
        if item is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(item)

    async def delete_item(self, request: web.Request) -> web.StreamResponse:
        item_id = request.match_info["item_id"]
        self._valid_id(item_id)
        if self.items.pop(item_id, None) is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.Response(status=204)

    async def create_job(self, request: web.Request) -> web.StreamResponse:
        await self._body(
            request, SPEC["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        )
        job = {"id": self._id(), "status": "queued", "output": None, "polls": 0}
        self.jobs[job["id"]] = job
        return web.json_response(self._job(job), status=202)

    def _job(self, job: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in job.items() if k != "polls"}

    async def get_job(self, request: web.Request) -> web.StreamResponse:
        job_id = request.match_info["job_id"]
        self._valid_id(job_id)
        job = self.jobs.get(job_id)
        if job is None:
            return web.json_response({"error": "not found"}, status=404)
        job["polls"] += 1
        if job["status"] in ("queued", "running"):
            if "task_never_finishes" in self.faults:
                job["status"] = "running"
            elif "task_backwards" in self.faults:
                job["status"] = "running" if job["polls"] % 2 else "queued"
            elif job["polls"] >= 3:
                job.update(status="done", output="https://example.test/out.mp4")
            else:
                job["status"] = "running"
        return web.json_response(self._job(job))

    async def cancel_job(self, request: web.Request) -> web.StreamResponse:
        job_id = request.match_info["job_id"]
        self._valid_id(job_id)
        job = self.jobs.get(job_id)
        if job is None:
            return web.json_response({"error": "not found"}, status=404)
        if job["status"] not in ("queued", "running"):
            return web.json_response({"error": "finished"}, status=409)
        job["status"] = "cancelled"
        return web.json_response(self._job(job))

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, CHAT_IN)
        if not body.get("stream"):
            return web.json_response({"id": "c1", "object": "chat.completion"})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        chunk = {
            "id": "c1",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": "hi"}}],
        }
        count = 0
        try:
            while True:
                await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
                count += 1
                if count >= 3 and "stream_never_ends" not in self.faults:
                    break
                await asyncio.sleep(0.05)
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except ConnectionError:
            pass  # the client gave up on a stream that never ends
        return response


def spec_with_lifecycles() -> dict[str, Any]:
    """SPEC plus one more task operation per ``JOB_KINDS`` (``createVideoJob``...), polled and
    cancelled like ``createJob``: an API with several lifecycles."""
    spec = copy.deepcopy(SPEC)
    for kind in JOB_KINDS:
        operation = copy.deepcopy(SPEC["paths"]["/v1/jobs"]["post"])
        operation["operationId"] = f"create{kind.title()}Job"
        spec["paths"][f"/v1/{kind}-jobs"] = {"post": operation}
    return spec


@contextmanager
def faulty_gateway(*faults: str) -> Iterator[str]:
    with serve_app(FaultyGateway(frozenset(faults)).app()) as url:
        yield url
