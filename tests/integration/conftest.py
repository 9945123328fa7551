"""Fixtures of the integration tests: the mock on a real socket, served by ``gatewright.testing``.

``base_url``: one mock serving every API (each under ``/<api id>``, seed 7), started once per module.
A module that needs a mock of its own (other APIs, other options) serves it with
``running_mock(apis, seed=...)``, or ``serve_app(create_app(...))`` for ``create_app``'s options; named
``mock_url`` (module scope), it gets ``mock``: that mock reset for one test (no resources, tasks,
runtime rules or journal left by another).
``unused_port``: a loopback port nothing listens on.
"""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator

import pytest

from gatewright.spec import API_IDS
from gatewright.testing import reset_mock, running_mock


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_mock(API_IDS, seed=7) as url:
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
