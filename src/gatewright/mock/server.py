"""Run the mock: the thin layer the CLI calls."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from gatewright.mock.app import create_app
from gatewright.mock.blobs import DEFAULT_BUDGET as DEFAULT_UPLOAD_BUDGET
from gatewright.mock.defaults import DEFAULT_READ_TIMEOUT, DEFAULT_TASK_DURATION
from gatewright.mock.journal import DEFAULT_ENTRY_BYTES, DEFAULT_JOURNAL_BYTES
from gatewright.mock.keys import APIS
from gatewright.mock.replay import ReplaySettings
from gatewright.mock.rules import FaultSettings
from gatewright.mock.workers import run_workers

logger = logging.getLogger("gatewright.mock")

DEFAULT_STORE_PREFIX = "gatewright"  # the namespace of a shared store's keys (``--store-prefix``)


def serve(
    apis: Sequence[str] | None = None,
    spec_path: Path | str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    seed: int | None = None,
    access_log: bool = True,
    task_duration: float = DEFAULT_TASK_DURATION,
    task_polls: int | None = None,
    task_retention: float | None = None,
    allow_callback_hosts: bool = False,
    rules: Sequence[Path | str] = (),
    faults: FaultSettings | None = None,
    read_timeout: float | None = DEFAULT_READ_TIMEOUT,
    replay: ReplaySettings | None = None,
    allow_hosts: Sequence[str] = (),
    upload_budget: int = DEFAULT_UPLOAD_BUDGET,
    journal_bytes: int = DEFAULT_JOURNAL_BYTES,
    journal_entry_bytes: int = DEFAULT_ENTRY_BYTES,
    store: str | None = None,
    store_prefix: str = DEFAULT_STORE_PREFIX,
    workers: int = 1,
) -> None:
    """Serve until interrupted; one line per request on the ``gatewright.mock`` logger unless turned off.

    ``store`` is where state is kept: None for this process's memory, or a ``redis://HOST:PORT/DB``
    URL shared by every mock pointed at it, its keys under ``store_prefix``. ``workers`` > 1 (which
    needs a shared store) serves with that many processes on one port (``gatewright.mock.workers``;
    call it from a ``if __name__ == "__main__":`` block, as multiprocessing's ``spawn`` requires).

    Raises ``OSError`` when it cannot listen on ``host:port`` (e.g. the port is in use).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if workers > 1 and store is None:
        raise ValueError("--workers needs a shared store (--store redis://…)")
    _log_to_stderr(access_log)
    settings = {
        "apis": apis,
        "spec_path": spec_path,
        "host": host,
        "port": port,
        "seed": seed,
        "access_log": access_log,
        "task_duration": task_duration,
        "task_polls": task_polls,
        "task_retention": task_retention,
        "allow_callback_hosts": allow_callback_hosts,
        "rules": rules,
        "faults": faults,
        "read_timeout": read_timeout,
        "replay": replay,
        "allow_hosts": allow_hosts,
        "upload_budget": upload_budget,
        "journal_bytes": journal_bytes,
        "journal_entry_bytes": journal_entry_bytes,
        "store": store,
        "store_prefix": store_prefix,
    }
    if workers > 1:
        run_workers(settings, workers, run)
        return

    def listening(names: str) -> None:
        logger.info("gatewright mock on http://%s:%d (%s)", host, port, names)

    run(settings, ready=listening)


def _log_to_stderr(access_log: bool) -> None:
    if access_log and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")


def run(
    settings: Mapping[str, Any],
    *,
    reuse_port: bool = False,
    ready: Callable[[str], None],
    on_startup: Callable[[web.Application], Awaitable[None]] | None = None,
) -> None:
    """Build the app from ``serve``'s settings and serve it in this process; ``ready`` gets the served
    APIs (``name at /prefix, ...``) once the socket listens. Also each worker's body (``workers.py``)."""
    _log_to_stderr(settings["access_log"])
    options = dict(settings)
    host, port = options.pop("host"), options.pop("port")
    apis, spec_path = options.pop("apis"), options.pop("spec_path")
    store, store_prefix = options.pop("store"), options.pop("store_prefix")
    # The in-memory store is create_app's default: only a shared store is named to it.
    store_options = {"store": store, "store_prefix": store_prefix} if store is not None else {}
    app = create_app(apis, spec_path, host=host, **options, **store_options)
    if on_startup is not None:
        app.on_startup.append(on_startup)
    names = ", ".join(f"{name} at {api.prefix or '/'}" for name, api in app[APIS].items())

    def listening(_: object) -> None:  # run_app calls it once the socket is bound
        ready(names)

    web.run_app(app, host=host, port=port, access_log=None, print=listening, reuse_port=reuse_port or None)
