"""The front door: the handler aiohttp's server calls for every request the mock gets.

The mock routes an API request itself, by the spec's paths (``spec.routing``), so aiohttp's
router finding the API's catch-all route first is routing twice: its resolve walk, the match
info it builds and the application's dispatch around it cost about 10 µs of the 65 µs of CPU a
``GET /v1/models`` costs the server (benchmarks/bench_mock.py). The front door hands a request
under an API's prefix straight to that API's pipeline (``pipeline.ApiHandler``), which answers it
the same way either way. Everything else goes through the application as before:

- a path another route claims (the control API, its files, any route an extension adds);
- a request with ``Expect`` (aiohttp's ``100 Continue`` is sent by its router's match);
- every request of an application with middlewares (replicas sync with Redis in one).

An API request that comes through the front door carries its API route's match info, as the
router would give it (``request.app`` and the app's ``on_response_prepare`` signal work the same),
except that it holds no ``tail`` (the pipeline parses the path itself). A path with a ``%`` escape
takes the router too: it decodes a path before it matches (``/%5F_gatewright/...`` is the control
API's), where the door compares the path as sent.
``MockRunner`` is the ``AppRunner`` that installs the door; ``gatewright mock`` and
``gatewright.testing`` serve with it, and an app served any other way (aiohttp's test client)
still answers every request, through its router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from aiohttp.web_server import Server
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from gatewright.mock.keys import API_HANDLERS

__all__ = ["FrontDoor", "MockRunner"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FrontDoor:
    """The server's request handler: API requests to their pipeline, the rest to ``fallback``."""

    def __init__(self, app: web.Application, fallback: Handler) -> None:
        self._fallback = fallback
        served = app[API_HANDLERS]
        routes = {route.handler: route for route in app.router.routes()}
        # Longest prefix first: an API at the root (prefix "") takes what no other API's prefix does.
        self._apis = tuple(
            (f"{handler.api.prefix}/", handler.handle, _match_info(app, routes[handler.handle]))
            for handler in sorted(served, key=lambda handler: -len(handler.api.prefix))
        )
        own = {handler.handle for handler in served}
        # The fixed beginning of every other route's path: a request starting so may be that route's.
        self._claimed = tuple(
            sorted(
                {
                    resource.canonical.split("{", 1)[0]
                    for resource in app.router.resources()
                    if not all(route.handler in own for route in resource)
                }
            )
        )

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        path = request.raw_path
        if not path.startswith(self._claimed) and "%" not in path and hdrs.EXPECT not in request.headers:
            for prefix, handle, match_info in self._apis:
                if path.startswith(prefix):
                    request._match_info = match_info  # what aiohttp's ``Application._handle`` sets
                    return await handle(request)
        return await self._fallback(request)


def _match_info(app: web.Application, route: web.AbstractRoute) -> UrlMappingMatchInfo:
    """One API route's match info, shared by its requests (frozen: nothing changes it)."""
    match_info = UrlMappingMatchInfo({}, route)
    match_info.add_app(app)
    match_info.freeze()
    return match_info


class MockRunner(web.AppRunner):
    """An ``AppRunner`` whose server takes requests through the app's ``FrontDoor`` (an app without
    APIs, or with middlewares, is served as ``web.AppRunner`` serves it)."""

    async def _make_server(self) -> Server:
        server = await super()._make_server()  # the app is frozen now: its routes are all there
        app = self.app
        if app.get(API_HANDLERS) and not app.middlewares:
            server.request_handler = FrontDoor(app, server.request_handler)  # type: ignore[assignment]
        return server
