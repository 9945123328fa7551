"""The application factory: ``create_app`` builds everything once; handlers only read it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from gatewright.loopback import HostGuard, is_guarded
from gatewright.mock.access_log import quiet_client_errors
from gatewright.mock.blobs import DEFAULT_BUDGET as DEFAULT_UPLOAD_BUDGET
from gatewright.mock.control import setup_control
from gatewright.mock.defaults import (
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TASK_DURATION,
    default_extensions,
    setup_extensions,
)
from gatewright.mock.extensions import Extension, OperationHook
from gatewright.mock.fixtures import setup_fixtures
from gatewright.mock.journal import DEFAULT_ENTRY_BYTES, DEFAULT_JOURNAL_BYTES
from gatewright.mock.keys import APIS, CONTROL, EXTENSIONS, GUARD, RULES, STORE
from gatewright.mock.operations import MockApi, compile_api
from gatewright.mock.pipeline import ApiHandler, PipelineSettings
from gatewright.mock.replay import ReplayExtension, ReplaySettings, load_replay
from gatewright.mock.rules import FaultSettings, RuleBook, load_rules
from gatewright.mock.state import ControlStore, ResourceStore
from gatewright.spec import API_IDS, SpecError, load_spec


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
    store = app[STORE]
    rules, control = app[RULES], app[CONTROL]
    for api in apis.values():
        setup_fixtures(api, store)
        hooks: dict[str, list[OperationHook]] = {}
        repeatable: set[str] = set()
        for operation in api.operations.values():
            bound = [
                (extension, hook)
                for extension in app[EXTENSIONS]
                if (hook := extension.bind(api, operation)) is not None
            ]
            if bound:
                hooks[operation.operation_id] = [hook for _, hook in bound]
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
        )
        app.router.add_route("*", f"{api.prefix}/{{tail:[\\s\\S]*}}", handler.handle)  # any byte, even %0A
        app.on_shutdown.append(handler.flush_log)


def create_app(
    apis: Sequence[str] | None = None,
    spec_path: Path | str | None = None,
    *,
    seed: int | None = None,
    access_log: bool = True,
    max_body: int = 16 * 1024 * 1024,
    read_timeout: float | None = DEFAULT_READ_TIMEOUT,
    extensions: Sequence[Extension] | None = None,
    task_duration: float = DEFAULT_TASK_DURATION,
    task_polls: int | None = None,
    task_retention: float | None = None,
    allow_callback_hosts: bool = False,
    rules: Sequence[Path | str] = (),
    faults: FaultSettings | None = None,
    replay: ReplaySettings | None = None,
    host: str = "127.0.0.1",
    allow_hosts: Sequence[str] = (),
    upload_budget: int = DEFAULT_UPLOAD_BUDGET,
    journal_bytes: int = DEFAULT_JOURNAL_BYTES,
    journal_entry_bytes: int = DEFAULT_ENTRY_BYTES,
) -> web.Application:
    """The mock gateway as an ``aiohttp`` application (see ``serve`` to run it).

    ``extensions=None`` installs the defaults (task lifecycles, SSE streaming and LLM answers,
    timed by the ``task_*`` arguments); pass ``()`` for a mock without them. ``rules`` are
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
    """
    if read_timeout is not None and not read_timeout > 0:
        raise ValueError("read_timeout must be positive (or None)")
    quiet_client_errors()
    handler_args = {"keepalive_timeout": read_timeout} if read_timeout is not None else None
    app = web.Application(client_max_size=max_body, handler_args=handler_args)
    app[GUARD] = HostGuard.of(host, allow_hosts)
    app[STORE] = ResourceStore(upload_budget)
    app[CONTROL] = ControlStore(journal_bytes=journal_bytes, entry_bytes=journal_entry_bytes)
    if extensions is None:
        extensions = default_extensions(
            seed=seed,
            task_duration=task_duration,
            task_polls=task_polls,
            task_retention=task_retention,
            allow_callback_hosts=allow_callback_hosts,
        )
    app[EXTENSIONS] = list(extensions)
    served = load_apis(apis, spec_path, seed=seed)
    if replay is not None:  # recorded answers first: its hook runs before every other extension's
        app[EXTENSIONS].insert(0, ReplayExtension(load_replay(replay, served, app[CONTROL])))
    file_rules = [rule for path in rules for rule in load_rules(path, served)]
    app[RULES] = RuleBook(
        served, app[CONTROL], file_rules=file_rules, faults=faults or FaultSettings(), seed=seed
    )
    setup_control(app)
    setup_extensions(app, app[EXTENSIONS])  # before the API routes: a root API's catch-all would shadow them
    setup_apis(
        app,
        served,
        PipelineSettings(access_log=access_log, max_body=max_body, read_timeout=read_timeout),
    )
    unguarded = [
        route.resource.canonical if route.resource is not None else route.method
        for route in app.router.routes()
        if not is_guarded(route.handler)
    ]
    if unguarded:  # a route registered without ``app[GUARD].guarded`` would answer any web page
        raise RuntimeError(f"mock routes without the Host/Origin guard: {sorted(set(unguarded))}")
    return app
