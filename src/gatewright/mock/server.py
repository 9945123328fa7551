"""Run the mock: the thin layer the CLI calls."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from gatewright.mock.app import create_app
from gatewright.mock.blobs import DEFAULT_BUDGET as DEFAULT_UPLOAD_BUDGET
from gatewright.mock.defaults import DEFAULT_READ_TIMEOUT, DEFAULT_TASK_DURATION
from gatewright.mock.journal import DEFAULT_ENTRY_BYTES, DEFAULT_JOURNAL_BYTES
from gatewright.mock.keys import APIS
from gatewright.mock.replay import ReplaySettings
from gatewright.mock.rules import FaultSettings

logger = logging.getLogger("gatewright.mock")


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
) -> None:
    """Serve until interrupted; one line per request on the ``gatewright.mock`` logger unless turned off.

    Raises ``OSError`` when it cannot listen on ``host:port`` (e.g. the port is in use).
    """
    if access_log and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = create_app(
        apis,
        spec_path,
        seed=seed,
        access_log=access_log,
        task_duration=task_duration,
        task_polls=task_polls,
        task_retention=task_retention,
        allow_callback_hosts=allow_callback_hosts,
        rules=rules,
        faults=faults,
        read_timeout=read_timeout,
        replay=replay,
        host=host,
        allow_hosts=allow_hosts,
        upload_budget=upload_budget,
        journal_bytes=journal_bytes,
        journal_entry_bytes=journal_entry_bytes,
    )
    names = ", ".join(f"{name} at {api.prefix or '/'}" for name, api in app[APIS].items())

    def listening(_: object) -> None:  # run_app calls it once the socket is bound
        logger.info("gatewright mock on http://%s:%d (%s)", host, port, names)

    web.run_app(app, host=host, port=port, access_log=None, print=listening)
