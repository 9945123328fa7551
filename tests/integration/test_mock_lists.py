"""Lists page the way the official SDK pages them: a cursor, a page size, ``has_more``, filters.

ipop's files and batches lists declare ``limit`` (and files ``purpose``) but neither ``after`` nor
``has_more``: the SDK's auto-pagination, asking ``after`` the last id until ``has_more`` is false,
went round the same page for ever. A real mock on a socket, the official openai SDK as the client
(uploads by plain HTTP: ipop takes a raw octet-stream body).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import openai
import pytest
import requests
from ipop_files import AUTH, upload_file

from gatewright.mock import create_app
from gatewright.testing import serve_app

LINE = b'{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[]}}\n'


@pytest.fixture
def url() -> Iterator[str]:
    with serve_app(create_app(apis=["ipop"], seed=3, access_log=False)) as served:
        yield served


@pytest.fixture
def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="sk-test", default_headers={"x-api-key": "sk-test"})


def _journal_gets(url: str, path: str) -> int:
    entries = requests.get(f"{url}/__gatewright/requests", timeout=10).json()["requests"]
    return sum(1 for entry in entries if entry["method"] == "GET" and entry["path"] == path)


def test_auto_pagination_visits_every_file_once_and_stops(url: str, client: openai.OpenAI) -> None:
    uploaded = [upload_file(url, LINE, filename=f"f{n}.jsonl", purpose="batch") for n in range(5)]
    listed = [f.id for f in itertools.islice(client.files.list(), 100)]  # capped: it once never ended
    assert set(uploaded) <= set(listed) and len(listed) == len(set(listed))
    assert _journal_gets(url, "/v1/files") == 1  # has_more: false on the one page
    paged = [f.id for f in itertools.islice(client.files.list(limit=2), 100)]
    assert paged == listed  # page by page, after the last id of each: the same files in the same order
    assert _journal_gets(url, "/v1/files") == 1 + -(-len(listed) // 2)


def test_a_page_size_and_a_declared_filter_are_honoured(url: str, client: openai.OpenAI) -> None:
    batch = [upload_file(url, LINE, filename=f"b{n}.jsonl", purpose="batch") for n in range(3)]
    tuning = upload_file(url, LINE, filename="ft.jsonl", purpose="fine-tune")
    page = client.files.list(limit=2)
    assert len(page.data) == 2 and page.has_more is True
    assert [f.id for f in client.files.list(purpose="fine-tune")] == [tuning]
    assert set(batch) <= {f.id for f in client.files.list(purpose="batch")}
    assert tuning not in {f.id for f in client.files.list(purpose="batch")}


def test_batches_auto_pagination_stops(url: str, client: openai.OpenAI) -> None:
    file_id = upload_file(url, LINE, filename="in.jsonl", purpose="batch")
    for _ in range(3):
        created = requests.post(
            f"{url}/v1/batches",
            json={"input_file_id": file_id, "endpoint": "chat_completions", "completion_window": "24h"},
            headers=AUTH,
            timeout=10,
        )
        assert created.status_code == 200, created.text
    listed = [b.id for b in itertools.islice(client.batches.list(), 100)]
    assert len(listed) == len(set(listed)) >= 3
    assert [b.id for b in itertools.islice(client.batches.list(limit=1), 100)] == listed
