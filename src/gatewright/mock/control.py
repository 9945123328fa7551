"""The mock's own API under ``/__gatewright/``: health, reset, a read-only view of state."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gatewright.mock.keys import APIS, EXTENSIONS, STORE

PREFIX = "/__gatewright"


async def health(request: web.Request) -> web.Response:
    apis = request.app[APIS]
    return web.json_response(
        {"status": "ok", "apis": {name: api.prefix or "/" for name, api in apis.items()}}
    )


async def reset(request: web.Request) -> web.Response:
    request.app[STORE].reset()
    for extension in request.app[EXTENSIONS]:
        extension.reset()
    return web.json_response({"status": "reset"})


async def resources(request: web.Request) -> web.Response:
    return web.json_response({"resources": request.app[STORE].snapshot()})


async def state(request: web.Request) -> web.Response:
    extensions: dict[str, Any] = {ext.name: ext.snapshot() for ext in request.app[EXTENSIONS]}
    return web.json_response({"resources": request.app[STORE].snapshot(), **extensions})


def setup_control(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/health", health)
    app.router.add_post(f"{PREFIX}/reset", reset)
    app.router.add_get(f"{PREFIX}/resources", resources)
    app.router.add_get(f"{PREFIX}/state", state)
