"""Fixtures of the mock's unit tests.

``mock``: the module's spec (``SPEC_DOCUMENT``, see ``spec_path`` in tests/conftest.py) served in
process with the task and stream extensions on a manual clock (tests/unit/mock/extension_mock.py).
``make_mock(retention=...)``: another such mock, with options.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest_asyncio
from extension_mock import ExtensionMock, MakeClient, serve_extensions

MakeMock = Callable[..., Awaitable[ExtensionMock]]


@pytest_asyncio.fixture
async def make_mock(aiohttp_client: MakeClient, spec_path: Path) -> MakeMock:
    async def make(*, retention: float | None = None) -> ExtensionMock:
        return await serve_extensions(aiohttp_client, spec_path, retention=retention)

    return make


@pytest_asyncio.fixture
async def mock(make_mock: MakeMock) -> ExtensionMock:
    return await make_mock()
