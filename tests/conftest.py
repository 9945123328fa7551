"""Fixtures every test directory can use.

``spec_path``: the module's own OpenAPI document as a file, written once per module. The module sets
``SPEC_DOCUMENT`` (the document, or a function that builds it) and ``SPEC_ID``, the file's name
(``<SPEC_ID>.openapi.json``) and so the API id the mock, the proxy and verify give it.

``workspace``: a temporary directory holding a copy of ``specs/sources`` (as ``sources/``), for
``gatewright normalize`` runs that may change or break the sources.

``redis_server`` / ``redis_url``: a real ``redis-server`` started once per session (per xdist
worker) on a free loopback port (tests/redis_server.py); skipped with the reason when it is not
installed. Tests sharing it keep apart with their own ``--store-prefix`` (or ``redis_server.flush()``);
one that takes Redis away uses ``redis_server.down()`` or ``restart()``, which leave it running.
"""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from redis_server import INSTALL_HINT, RedisServer, redis_server_path

# No deadline on a hypothesis example: on a shared 2-core machine one example can take longer than
# hypothesis's 200 ms while other processes run, and a test that fails by time is a timed test (speed
# is measured in benchmarks/). Each test's own ``settings`` still apply on top of this profile.
settings.register_profile("gatewright", deadline=None)
settings.load_profile("gatewright")


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


@pytest.fixture(scope="module")
def spec_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``SPEC_DOCUMENT`` of the requesting module as ``<SPEC_ID>.openapi.json`` in a fresh directory."""
    module = request.module
    document = getattr(module, "SPEC_DOCUMENT", None)
    spec_id = getattr(module, "SPEC_ID", None)
    if document is None or spec_id is None:
        pytest.fail(f"{module.__name__} uses spec_path but sets no SPEC_DOCUMENT and SPEC_ID", pytrace=False)
    path = tmp_path_factory.mktemp("spec") / f"{spec_id}.openapi.json"
    path.write_text(json.dumps(document() if callable(document) else document), encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(Path(__file__).resolve().parents[1] / "specs" / "sources", tmp_path / "sources")
    return tmp_path
