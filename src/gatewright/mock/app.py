"""The application factory: ``create_app`` builds everything once; handlers only read it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

from gatewright.loopback import HostGuard, is_guarded
from gatewright.mock.access_log import quiet_client_errors
from gatewright.mock.control import reset_state, setup_control
from gatewright.mock.control_store import ControlStore
from gatewright.mock.defaults import default_extensions, setup_extensions
from gatewright.mock.extensions import (
    AllConversations,
    ConversationKeeper,
    DirectLane,
    Extension,
    OperationHook,
)
from gatewright.mock.fixtures import setup_fixtures
from gatewright.mock.keys import API_HANDLERS, APIS, CONTROL, EXTENSIONS, GUARD, LEDGER, RULES, STORE
from gatewright.mock.operations import MockApi, compile_api
from gatewright.mock.pipeline import ApiHandler, PipelineSettings
from gatewright.mock.replay import ReplayExtension, load_replay
from gatewright.mock.rules import FaultSettings, RuleBook, load_rules
from gatewright.mock.shared import Ledger
from gatewright.mock.shared_join import join
from gatewright.mock.shared_values import Shared, StoreUnavailable
from gatewright.mock.state import ResourceStore
from gatewright.mock_options import MockOptions, options_of
from gatewright.spec import API_IDS, SpecError, load_spec

logger = logging.getLogger("gatewright.mock")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
KEEPING_UP = web.AppKey("gatewright_keeping_up", asyncio.Task[None])


def load_apis(
    apis: Sequence[str] | None = None, spec_path: Path | str | None = None, *, seed: int | None = None
) -> dict[str, MockApi]:
    """Compile the APIs to serve: one at the root, several each under ``/<api id>``.

    A ``spec_path`` that is not an OpenAPI document (no ``openapi`` and ``paths`` at the
    top level) is a ``SpecError``, as ``gatewright normalize`` says of it, not an empty API.
    """
    if spec_path is not None:
        spec = load_spec(apis[0] if apis else None, path=spec_path)
        if "openapi" not in spec.document or not isinstance(spec.document.get("paths"), dict):
            raise SpecError(
                "not an OpenAPI document (no 'openapi' and 'paths' at the top level)", source=str(spec_path)
            )
        return {spec.name: compile_api(spec, spec.name, "", seed=seed)}
    names = list(dict.fromkeys(apis)) if apis else list(API_IDS)
    at_root = len(names) == 1
    return {
        name: compile_api(load_spec(name), name, "" if at_root else f"/{name}", seed=seed) for name in names
    }


def setup_apis(app: web.Application, apis: dict[str, MockApi], settings: PipelineSettings) -> None:
    app[APIS] = apis
    app[API_HANDLERS] = []
    store = app[STORE]
    rules, control = app[RULES], app[CONTROL]
    # the extensions that keep conversations (Responses answers, Anthropic threads), if installed: a
    # continued request's prompt reads them
    keepers = [e for e in app[EXTENSIONS] if isinstance(e, ConversationKeeper)]
    conversations = AllConversations(keepers) if keepers else None
    for api in apis.values():
        setup_fixtures(api, store)
        hooks: dict[str, list[OperationHook]] = {}
        lanes: dict[str, DirectLane] = {}
        repeatable: set[str] = set()
        for operation in api.operations.values():
            bound = [
                (extension, hook)
                for extension in app[EXTENSIONS]
                if (hook := extension.bind(api, operation)) is not None
            ]
            if bound:
                hooks[operation.operation_id] = [hook for _, hook in bound]
                lane = DirectLane.of(api, operation, [extension for extension, _ in bound], conversations)
                if lane is not None:
                    lanes[operation.operation_id] = lane
            if bound and all(getattr(extension, "repeatable", False) for extension, _ in bound):
                repeatable.add(operation.operation_id)
        handler = ApiHandler(
            api,
            store,
            hooks,
            settings,
            rules=rules,
            control=control,
            repeatable=frozenset(repeatable),
            guard=app[GUARD],
            conversations=conversations,
            lanes=lanes,
        )
        app[API_HANDLERS].append(handler)  # served through the front door (``mock.front``), or this route
        app.router.add_route("*", f"{api.prefix}/{{tail:[\\s\\S]*}}", handler.handle)  # any byte, even %0A
        app.on_cleanup.append(handler.flush_log)  # after the requests in flight have ended


def create_app(
    apis: Sequence[str] | None = None,
    spec_path: Path | str | None = None,
    *,
    options: MockOptions | None = None,
    extensions: Sequence[Extension] | None = None,
    **overrides: Any,
) -> web.Application:
    """The mock gateway as an ``aiohttp`` application (see ``serve`` to run it).

    ``options`` (``gatewright.mock_options.MockOptions``, the defaults when None) say how it serves;
    each of its fields may also be given as a keyword (``create_app(["voxvey"], seed=1)``), laid over
    ``options``. ``extensions=None`` installs the defaults (task lifecycles, SSE streaming and LLM
    answers, timed by the ``task_*`` options); pass ``()`` for a mock without them. ``rules`` are
    rules files (YAML or JSON) checked against the served APIs (``RuleError`` on the first
    problem, before anything is served); ``faults`` are the run-wide ones (latency, error
    rate, requests per minute). ``replay`` answers recorded requests with their recorded answers
    first (``RecordingError`` naming the file for a fixture it cannot read).

    ``read_timeout`` (seconds, None for none) bounds how long a client may take to send
    a request: its headers (aiohttp's keep-alive timer, which also closes connections
    idle for that long) and, separately, its body (408, then the connection is closed).

    ``host`` (the address served) and ``allow_hosts`` are the ``Host`` names answered besides
    loopback ones; the control routes also refuse a foreign ``Origin`` (``gatewright.loopback``).

    ``journal_bytes`` bounds the request journal as a whole and ``journal_entry_bytes`` each body
    in it (a longer one is kept as its beginning, marked ``truncated``; ``ControlStore``).

    ``store`` (``redis://HOST:PORT/DB``; None: in memory) shares all state with the other replicas
    using it, under ``store_prefix`` (``mock.shared``); each replica draws ids of its own (its seed
    is ``seed`` plus its number in the namespace). ``StoreUnavailable`` when Redis does not answer.
    """
    chosen = options_of(options, overrides)
    quiet_client_errors()
    store = chosen.store
    replica, link_secret = join(store, chosen.store_prefix) if store is not None else (0, None)
    # Replicas of one seeded run draw different ids (replica 0: as a mock of its own); the spec's
    # generated bodies stay the same on all (their salts name the replica where ids must differ).
    own_seed = chosen.seed + replica if chosen.seed is not None else None
    read_timeout = chosen.read_timeout
    handler_args = {"keepalive_timeout": read_timeout} if read_timeout is not None else None
    app = web.Application(client_max_size=chosen.max_body, handler_args=handler_args)
    app[GUARD] = HostGuard.of(chosen.host, chosen.allow_hosts)
    app[STORE] = ResourceStore(chosen.upload_budget, store_budget=chosen.store_budget, replica=replica)
    app[CONTROL] = ControlStore(journal_bytes=chosen.journal_bytes, entry_bytes=chosen.journal_entry_bytes)
    if extensions is None:
        own = replace(chosen, seed=own_seed)
        extensions = default_extensions(own, replica=str(replica), link_secret=link_secret)
    app[EXTENSIONS] = list(extensions)
    served = load_apis(apis, spec_path, seed=chosen.seed)
    for api in served.values():
        api.errors.for_replica(replica)
    if chosen.replay is not None:  # recorded answers first: its hook runs before every other extension's
        app[EXTENSIONS].insert(0, ReplayExtension(load_replay(chosen.replay, served, app[CONTROL])))
    file_rules = [rule for path in chosen.rules for rule in load_rules(path, served)]
    app[RULES] = RuleBook(
        served, app[CONTROL], file_rules=file_rules, faults=chosen.faults or FaultSettings(), seed=own_seed
    )
    setup_control(app)
    setup_extensions(app, app[EXTENSIONS])  # before the API routes: a root API's catch-all would shadow them
    setup_apis(
        app,
        served,
        PipelineSettings(access_log=chosen.access_log, max_body=chosen.max_body, read_timeout=read_timeout),
    )
    if store is not None:
        _share(app, store, chosen.store_prefix, replica)
    unguarded = [
        route.resource.canonical if route.resource is not None else route.method
        for route in app.router.routes()
        if not is_guarded(route.handler)
    ]
    if unguarded:  # a route registered without ``app[GUARD].guarded`` would answer any web page
        raise RuntimeError(f"mock routes without the Host/Origin guard: {sorted(set(unguarded))}")
    return app


def _share(app: web.Application, url: str, prefix: str, replica: int) -> None:
    """Put the app's shared stores under one ``Ledger`` and every request inside its sync and flush."""
    control = app[CONTROL]
    ledger = Ledger(
        url,
        prefix,
        replica,
        journal_bytes=control.journal_limits[0],
        journal_size=control.journal_limits[1],
        on_reset=lambda: reset_state(app),
    )
    stores: list[Shared] = [app[STORE], app[STORE].blobs, app[STORE].idempotent, control]
    for extension in app[EXTENSIONS]:
        stores += getattr(extension, "shared_stores", list)()
    for shared in stores:
        ledger.register(shared)
    app[LEDGER] = ledger
    app.middlewares.append(_synced)

    async def start(_: web.Application) -> None:
        app[KEEPING_UP] = asyncio.create_task(ledger.keep_up())

    async def close(_: web.Application) -> None:
        app[KEEPING_UP].cancel()
        await ledger.close()

    app.on_startup.append(start)
    app.on_cleanup.append(close)


@web.middleware
async def _synced(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Catch up with the other replicas before a request, publish its changes before its answer
    leaves; while Redis is away, 503 (in the API's envelope on an API route)."""
    ledger = request.app[LEDGER]
    try:
        await ledger.sync()
        response = await handler(request)
    except StoreUnavailable as exc:
        return _unavailable(request, handler, str(exc))
    try:
        await ledger.flush()
    except StoreUnavailable as exc:  # kept pending: published as soon as Redis answers again
        logger.warning("%s", exc)
    return response


def _unavailable(request: web.Request, handler: Handler, message: str) -> web.Response:
    api_handler = getattr(handler, "__self__", None)
    if isinstance(api_handler, ApiHandler):
        return api_handler.unavailable(request, message)
    error = {"error": {"message": message, "type": "store_unavailable"}}
    return web.json_response(error, status=503, headers={"Retry-After": "1"})
