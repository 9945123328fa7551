"""A gateway that behaves like the real ones verify meets (LiteLLM and friends), on a real socket.

It serves two models, one chat and one embedding model, and answers 400 naming the model for any
other (``Invalid model name passed in model=…``); its error envelopes carry ``"param": null``; it
refuses ``input: ""`` as OpenAI does; every answer carries two dozen ``x-litellm-*`` headers, one of
them ``x-litellm-key-spend`` (not a credential); its chat streams end the body a moment
(``LINGER``) after ``data: [DONE]``, as real gateways do. Planted deviations: two different 500s on
chat completions (a system message, three messages), embeddings that take any bearer token, and a
models list the spec marks public (``security: []``) that wants the key all the same. It also serves
ipop's files and batches routes (``realfiles.py``), taking ipop's ``x-api-key`` as it takes the bearer;
``served`` names the models it serves in place of its own two.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import struct
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import jsonschema
from aiohttp import web
from realfiles import RealFiles, ipop_error

from gatewright.testing import serve_app

KEY = "sk-real-gateway-0123456789"
CHAT_MODEL, EMBED_MODEL = "gw-chat-1", "gw-embed-1"
SERVED = {CHAT_MODEL: "chat", EMBED_MODEL: "embedding"}
LINGER = 0.3  # seconds a stream's body stays open after its terminal event
SYSTEM_CRASH = "'NoneType' object has no attribute 'get'"
THREE_CRASH = "list index out of range"
GATEWAY_HEADERS = {
    **{f"x-litellm-{name}": "0" for name in ("key-spend", "response-cost", "attempted-retries")},
    **{f"x-litellm-meta-{index:02d}": f"value-{index}" for index in range(22)},
}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},  # as the compatibility pass widens it
                "code": {"type": ["string", "null"]},
            },
        }
    },
}
CHAT_IN = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string"},
        "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"type": "string", "enum": ["system", "user", "assistant"]},
                    "content": {"type": "string", "maxLength": 40},
                },
                "additionalProperties": False,
            },
        },
        "stream": {"type": "boolean"},
    },
    "additionalProperties": False,
}
EMBED_IN = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string"},
        "input": {
            "oneOf": [
                {"type": "string", "maxLength": 40},
                {"type": "array", "minItems": 1, "maxItems": 8, "items": {"type": "string", "maxLength": 40}},
            ]
        },
        "dimensions": {"type": "integer", "minimum": 1, "maximum": 16},
        "encoding_format": {"type": "string", "enum": ["float", "base64"]},
    },
    "additionalProperties": False,
}


def _json(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema, **extra}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {"description": "error", "content": _json({"$ref": "#/components/schemas/Error"})}
        for status in statuses
    }


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Real-ish gateway", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Error": ERROR, "ChatIn": CHAT_IN, "EmbedIn": EMBED_IN},
    },
    "paths": {
        "/v1/models": {
            "get": {
                "operationId": "listModels",
                "security": [],  # public, says the spec; the gateway wants the key here too (planted)
                "responses": {
                    "200": {
                        "description": "the served models",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["object", "data"],
                                "properties": {
                                    "object": {"const": "list"},
                                    "data": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "object"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "object": {"const": "model"},
                                            },
                                        },
                                    },
                                },
                            }
                        ),
                    },
                },
            }
        },
        "/v1/chat/completions": {
            "post": {
                "operationId": "createChatCompletion",
                "requestBody": {
                    "required": True,
                    "content": _json(
                        {"$ref": "#/components/schemas/ChatIn"},
                        # the spec's own example model, which this gateway does not serve
                        example={"model": "mistral-small-4", "messages": [{"role": "user", "content": "hi"}]},
                    ),
                },
                "responses": {
                    "200": {
                        "description": "a completion",
                        "content": {
                            **_json(
                                {
                                    "type": "object",
                                    "required": ["id", "object", "choices"],
                                    "properties": {
                                        "id": {"type": "string"},
                                        "object": {"const": "chat.completion"},
                                        "choices": {"type": "array"},
                                    },
                                }
                            ),
                            "text/event-stream": {"x-gatewright-stream": {"format": "openai-chat"}},
                        },
                    },
                    **_errors(400, 401, 500),
                },
            }
        },
        "/v1/embeddings": {
            "post": {
                "operationId": "createEmbeddings",
                "x-gatewright-compatible": {"wire": "openai-embeddings"},
                "requestBody": {
                    "required": True,
                    "content": _json(
                        {"$ref": "#/components/schemas/EmbedIn"},
                        example={"model": "text-embedding-3-small", "input": "hello"},
                    ),
                },
                "responses": {
                    "200": {
                        "description": "embeddings",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["object", "data", "model"],
                                "properties": {
                                    "object": {"const": "list"},
                                    "model": {"type": "string"},
                                    "data": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["object", "index", "embedding"],
                                            "properties": {
                                                "object": {"const": "embedding"},
                                                "index": {"type": "integer"},
                                                "embedding": {
                                                    "type": ["array", "string"],
                                                    "items": {"type": "number"},
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        ),
                    },
                    **_errors(400, 401),
                },
            }
        },
    },
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    envelope = {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
    return web.json_response(envelope, status=status)


def _refused(message: str) -> web.HTTPBadRequest:
    envelope = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": "400"}}
    return web.HTTPBadRequest(text=json.dumps(envelope), content_type="application/json")


class RealGateway:
    """The gateway; ``app`` builds its aiohttp application. ``linger``: how long a chat stream's body
    stays open after ``data: [DONE]``."""

    def __init__(self, linger: float = LINGER, served: Mapping[str, str] = SERVED) -> None:
        self.linger = linger
        self.served = dict(served)  # model id -> "chat" or "embedding"
        chat = frozenset(model for model, kind in served.items() if kind == "chat")
        self.files = RealFiles(chat)  # ipop's files and batches routes (``realfiles``)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.headers, self.auth])
        app.router.add_get("/v1/models", self.models)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/v1/embeddings", self.embeddings)
        self.files.add_routes(app)
        return app

    @web.middleware
    async def headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.update(GATEWAY_HEADERS)
            raise
        if not response.prepared:  # a stream has sent its headers already
            response.headers.update(GATEWAY_HEADERS)
        return response

    @web.middleware
    async def auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        if request.headers.get("x-api-key") == KEY:  # ipop's header (its ``ApiKey`` scheme) as the bearer
            given = f"Bearer {KEY}"
        if self.files.owns(request.path):  # ipop's routes answer in its envelope
            if given != f"Bearer {KEY}":
                return ipop_error(401, "Invalid or missing API key.", "unauthorized")
            return await handler(request)
        # planted: embeddings take any bearer token at all; the models list, public by the spec, wants the key
        lenient = request.path == "/v1/embeddings" and given.startswith("Bearer ") and len(given) > 7
        if given != f"Bearer {KEY}" and not lenient:
            return _error(401, "Authentication Error, No api key passed in.", "auth_error")
        response = await handler(request)
        if not response.prepared:
            response.headers["x-caller"] = "team-a" if given == f"Bearer {KEY}" else "unknown"
        return response

    async def _body(self, request: web.Request, schema: dict[str, Any], kind: str) -> dict[str, Any]:
        try:
            body = json.loads(await request.read())
            jsonschema.validate(body, schema)
        except (ValueError, jsonschema.ValidationError) as exc:
            message = exc.message if isinstance(exc, jsonschema.ValidationError) else "invalid JSON"
            raise _refused(message) from None
        model = body["model"]
        if self.served.get(model) != kind:
            raise _refused(
                f"Invalid model name passed in model={model}. Call `/v1/models` to view available models "
                "for your key.",
            )
        return dict(body)

    async def models(self, request: web.Request) -> web.StreamResponse:
        data = [{"id": model, "object": "model", "created": 0, "owned_by": "gw"} for model in self.served]
        return web.json_response({"object": "list", "data": data})

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, CHAT_IN, "chat")
        messages = body["messages"]
        if any(message["role"] == "system" for message in messages):
            return _error(500, SYSTEM_CRASH, "internal_server_error")
        if len(messages) == 3:
            return _error(500, THREE_CRASH, "internal_server_error")
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if not body.get("stream"):
            return web.json_response(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "hello"},
                            "finish_reason": "stop",
                        }
                    ],
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **GATEWAY_HEADERS})
        await response.prepare(request)
        for delta, finish in (({"role": "assistant", "content": "hel"}, None), ({"content": "lo"}, "stop")):
            chunk = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await asyncio.sleep(self.linger)  # the body ends a moment after the terminal event
        await response.write_eof()
        return response

    async def embeddings(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, EMBED_IN, "embedding")
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        if any(text == "" for text in texts):
            return _error(400, "input cannot be an empty string")
        size = body.get("dimensions", 4)
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": _vector(text, size, body.get("encoding_format")),
            }
            for index, text in enumerate(texts)
        ]
        return web.json_response({"object": "list", "data": data, "model": body["model"]})


def _vector(text: str, size: int, encoding: str | None) -> list[float] | str:
    digest = hashlib.sha256(text.encode()).digest()
    values = [digest[index % len(digest)] / 255 for index in range(size)]
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{size}f", *values)).decode()
    return values


@contextmanager
def real_gateway(linger: float = LINGER) -> Iterator[str]:
    with serve_app(RealGateway(linger).app()) as url:
        yield url
