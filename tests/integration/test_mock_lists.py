"""Lists page the way the official SDK pages them: a cursor, a page size, ``has_more``, filters.

ipop's files and batches lists declare ``limit`` (and files ``purpose``) but neither ``after`` nor
``has_more``: the SDK's auto-pagination, asking ``after`` the last id until ``has_more`` is false,
went round the same page for ever. A real mock on a socket, the official openai SDK as the client
(uploads by plain HTTP: ipop takes a raw octet-stream body).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import requests
from ipop_files import AUTH, upload_file

from gatewright.mock import create_app
from gatewright.spec import load_spec
from gatewright.spec.model import EXPAND_EXTENSION
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


def test_a_vector_store_list_sent_without_limit_is_a_page_of_twenty(url: str, client: openai.OpenAI) -> None:
    """ipop: "Use the `limit` query param to cap the page size (default 20, max 100).": the list answered
    every store at once. The SDK's auto-pagination still visits each store once."""
    made = {client.vector_stores.create(name=f"kb-{n}").id for n in range(24)}
    page = requests.get(f"{url}/v1/vector_stores", headers=AUTH, timeout=10).json()
    assert (len(page["data"]), page["has_more"]) == (20, True)
    every = requests.get(f"{url}/v1/vector_stores", params={"limit": 100}, headers=AUTH, timeout=10).json()
    assert made <= {store["id"] for store in every["data"]} and every["has_more"] is False
    listed = [store.id for store in itertools.islice(client.vector_stores.list(), 200)]
    assert made <= set(listed) and len(listed) == len(set(listed)) == len(every["data"])


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


def test_a_stored_list_with_expand_holds_summaries_unless_asked(tmp_path: Path) -> None:
    """``x-gatewright-expand`` is the spec's, not beatra's: on a stored list (ipop's vector stores, planted
    with it here), the items leave out the optional fields it names unless ``expand`` asks; a field the
    item schema requires stays (a summary the list's schema refuses is not made)."""
    document: dict[str, Any] = json.loads(json.dumps(load_spec("ipop").document))  # a copy
    listing = document["paths"]["/v1/vector_stores"]["get"]
    listing["parameters"].append({"in": "query", "name": "expand", "schema": {"type": "string"}})
    listing[EXPAND_EXTENSION] = {"parameter": "expand", "fields": ["metadata", "expires_at"], "all": "all"}
    required = {**listing, EXPAND_EXTENSION: {"parameter": "expand", "fields": ["metadata", "file_count"]}}
    document["paths"]["/v1/vector_stores"]["get"] = listing
    spec_path = tmp_path / "ipop.openapi.json"
    spec_path.write_text(json.dumps(document), encoding="utf-8")
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:
        made = requests.post(
            f"{url}/v1/vector_stores",
            json={"name": "kb", "metadata": {"team": "a"}},
            headers=AUTH,
            timeout=10,
        )
        assert made.status_code == 200, made.text

        def listed(**params: str) -> dict[str, Any]:
            """The store made, as the list shows it (beside the spec's fixtures)."""
            answer = requests.get(f"{url}/v1/vector_stores", params=params, headers=AUTH, timeout=10)
            assert answer.status_code == 200, answer.text
            (item,) = [item for item in answer.json()["data"] if item["id"] == made.json()["id"]]
            assert isinstance(item, dict)
            return item

        full = listed(expand="all")
        assert full["metadata"] == {"team": "a"} and "expires_at" in full
        assert listed() == {k: v for k, v in full.items() if k not in ("metadata", "expires_at")}
        assert listed(expand="metadata") == {k: v for k, v in full.items() if k != "expires_at"}
    document["paths"]["/v1/vector_stores"]["get"] = required
    spec_path.write_text(json.dumps(document), encoding="utf-8")
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:
        requests.post(
            f"{url}/v1/vector_stores", json={"name": "kb", "metadata": {}}, headers=AUTH, timeout=10
        )
        items = requests.get(f"{url}/v1/vector_stores", headers=AUTH, timeout=10).json()["data"]
        assert all("file_count" in item for item in items)  # the schema requires it: the list stays whole
        assert any("metadata" in item for item in items)
