"""Over a real socket, through the openai SDK: what a request makes is dated now, under a seed too.

A seeded mock keeps the spec's own answers reproducible, their times fixed; but a file uploaded or a
vector store created a moment ago said ``created_at: 2025-01-01`` and ``expires_at: 2025-01-31``, a
date long past, so a client that re-uploads expired files took a fresh upload for an expired one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from ipop_files import upload_file
from sdk_clients import openai_client

from gatewright.testing import running_mock


@pytest.fixture(scope="module")
def ipop() -> Iterator[str]:
    with running_mock(["ipop"], seed=3) as url:
        yield url


def _epoch(value: str | int | float) -> float:
    return datetime.fromisoformat(value).timestamp() if isinstance(value, str) else float(value)


def test_an_uploaded_file_is_dated_now_and_expires_ahead(ipop: str) -> None:
    before = time.time()
    with openai_client(ipop) as client:
        file = client.files.retrieve(upload_file(ipop, b'{"a": 1}\n'))
    created = _epoch(file.created_at)
    assert before - 2 <= created <= time.time() + 1, file.created_at
    assert file.expires_at is not None and _epoch(file.expires_at) > time.time(), file.expires_at


def test_a_created_vector_store_is_dated_now(ipop: str) -> None:
    before = time.time()
    with openai_client(ipop) as client:
        store = client.vector_stores.create(name="docs")
    assert before - 2 <= _epoch(store.created_at) <= time.time() + 1, store.created_at
    expires = getattr(store, "expires_at", None)
    assert expires is None or _epoch(expires) > time.time(), expires
