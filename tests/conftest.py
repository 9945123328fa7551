"""Fixtures every test directory can use.

``workspace``: a temporary directory holding a copy of ``specs/sources`` (as ``sources/``), for
``gatewright normalize`` runs that may change or break the sources.

``redis_server`` / ``redis_url``: a real ``redis-server`` started once per session (per xdist
worker) on a free loopback port (tests/redis_server.py); skipped with the reason when it is not
installed. Tests sharing it keep apart with their own ``--store-prefix`` (or ``redis_server.flush()``);
one that takes Redis away uses ``redis_server.down()`` or ``restart()``, which leave it running.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from redis_server import INSTALL_HINT, RedisServer, redis_server_path


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection built (imported modules, loaded specs, parametrize data): the
    collections after each integration module (``collected``) then walk only what tests made."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if redis_server_path() is None:
        pytest.skip(INSTALL_HINT)
    server = RedisServer.start_new(Path(tmp_path_factory.mktemp("redis")))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0`` of the session's ``redis-server``."""
    return redis_server.url


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(Path(__file__).resolve().parents[1] / "specs" / "sources", tmp_path / "sources")
    return tmp_path
