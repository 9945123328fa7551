"""Fixtures of the integration tests: the mock on a real socket, served by ``gatewright.testing``.

``base_url``: one mock serving every API (each under ``/<api id>``, seed 7), started once per module.

``mock_url``: the module's own mock, for a module that needs other APIs or options: it sets
``MOCK_OPTIONS``, the keyword arguments of ``gatewright.mock.create_app`` (``apis``, ``seed``,
``task_duration``, ...), and gets that mock started once for the module (``access_log`` off unless
set). A module whose mock needs files made at run time (a rules file, a planted spec) overrides
``mock_url`` with ``serve_app(create_app(...))``.
``mock``: ``mock_url`` reset for one test (no resources, tasks, runtime rules or journal left by
another).
``unused_port``: a loopback port nothing listens on.
"""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator

import pytest

from gatewright.mock import create_app
from gatewright.spec import API_IDS
from gatewright.testing import reset_mock, running_mock, serve_app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_mock(API_IDS, seed=7) as url:
        yield url


@pytest.fixture(scope="module")
def mock_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """``create_app(**MOCK_OPTIONS)`` of the requesting module, served once for the module."""
    options = getattr(request.module, "MOCK_OPTIONS", None)
    if options is None:
        pytest.fail(f"{request.module.__name__} uses mock_url but sets no MOCK_OPTIONS", pytrace=False)
    with serve_app(create_app(**{"access_log": False, **options})) as url:
        yield url


@pytest.fixture
def mock(mock_url: str) -> str:
    """The module's ``mock_url``, reset for this test."""
    reset_mock(mock_url)
    return mock_url


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True, scope="module")
def collected() -> Iterator[None]:
    """Garbage collected after each module: a socket some test left open is reported there (a
    ResourceWarning, an error under ``filterwarnings = error``), not in whichever later test the
    collector happens to run."""
    yield
    gc.collect()
