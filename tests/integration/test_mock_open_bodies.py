"""Resources whose answers the spec leaves free-form are still kept (``mock.open_bodies``).

voxvey's provider-native routes (``/v1/byte/files``, ``/v1/byte/context/cache``) document every
answer as any object. The mock used to answer ``{}`` there: the openai SDK found ``id: None`` and
nothing created could be read back, listed or deleted. Clients are the official openai SDK and
plain HTTP, over real sockets.
"""

from __future__ import annotations

import openai
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

AUTH = {"Authorization": "Bearer sk-test"}
MOCK_OPTIONS = {"apis": ["voxvey", "ipop"], "seed": 3}


def _byte_client(mock: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{mock}/voxvey/v1/byte", api_key="sk-test", max_retries=0)


def test_a_file_uploaded_through_the_sdk_is_kept_listed_and_deleted(mock: str) -> None:
    with _byte_client(mock) as client:
        made = client.files.create(file=("notes.txt", b"hello world", "text/plain"), purpose="user_data")
        assert made.id and made.id.startswith("file_")
        assert (made.object, made.bytes, made.filename, made.purpose) == (
            "file",
            11,
            "notes.txt",
            "user_data",
        )
        assert client.files.retrieve(made.id).model_dump() == made.model_dump()
        other = client.files.create(file=("b.bin", b"\x00\x01", "application/octet-stream"), purpose="batch")
        assert other.id != made.id
        assert {f.id for f in client.files.list().data} == {made.id, other.id}
        gone = client.files.delete(made.id)
        assert (gone.id, gone.deleted, gone.object) == (made.id, True, "file")
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve(made.id)
        assert [f.id for f in client.files.list().data] == [other.id]


def test_an_unknown_file_is_not_found(mock: str) -> None:
    with _byte_client(mock) as client, pytest.raises(openai.NotFoundError):
        client.files.retrieve("file_never_made")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(lambda k: k != "id"),
        st.recursive(
            st.none() | st.integers(-(2**31), 2**31) | st.booleans() | st.text(max_size=40),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=5,
    )
)
def test_an_open_create_echoes_what_was_sent_and_reads_it_back(mock: str, fields: dict[str, object]) -> None:
    """Any JSON the client sends a free-form resource (voxvey's cached ``messages`` and ``tools``) is
    what it reads back and lists."""
    base = f"{mock}/voxvey/v1/byte/context/cache"
    made = requests.post(base, json={"model": "seed-1-6", **fields}, headers=AUTH, timeout=10)
    assert made.status_code in (200, 201), made.text
    body = made.json()
    assert isinstance(body["id"], str) and body["id"]
    assert body == {"model": "seed-1-6", **fields, "id": body["id"]}
    read = requests.get(f"{base}/{body['id']}", headers=AUTH, timeout=10)
    assert read.status_code == 200 and read.json() == body
    listed = requests.get(base, headers=AUTH, timeout=10).json()
    assert body in listed["data"] and listed["object"] == "list"


def test_a_collection_keyed_by_a_name_the_client_picks_stays_generated(mock: str) -> None:
    """ipop's hosted-app domains are named by the client (``{domain}``), not by an id the mock makes:
    a made-up id would turn deleting the client's own domain into a 404."""
    made = requests.post(f"{mock}/ipop/v1/hosted-apps/app_1/domains", headers=AUTH, timeout=10)
    assert made.status_code == 200 and "id" not in made.json()
    gone = requests.delete(f"{mock}/ipop/v1/hosted-apps/app_1/domains/example.com", headers=AUTH, timeout=10)
    assert gone.status_code == 200


def test_an_open_list_of_nothing_yet_is_the_empty_list(mock: str) -> None:
    """A fresh mock's provider-native file list: the SDK's ``page.data`` is ``[]``, not None."""
    with _byte_client(mock) as client:
        assert client.files.list().data == []
    listed = requests.get(f"{mock}/voxvey/v1/byte/context/caches", headers=AUTH, timeout=10).json()
    assert listed == {"object": "list", "data": [], "has_more": False}


def test_the_same_bytes_uploaded_twice_are_two_files(mock: str) -> None:
    """voxvey documents a generic 200/201 pair, not "content already exists" (beatra's prose)."""
    with _byte_client(mock) as client:
        first = client.files.create(file=("a.txt", b"same bytes", "text/plain"), purpose="user_data")
        second = client.files.create(file=("b.jsonl", b"same bytes", "text/plain"), purpose="batch")
        assert second.id != first.id and (second.filename, second.purpose) == ("b.jsonl", "batch")


def test_an_open_resource_is_updated_by_a_post_on_it(mock: str) -> None:
    base = f"{mock}/voxvey/v1/byte/context/cache"
    made = requests.post(
        base, json={"model": "m", "ttl": 60, "tags": {"a": "b"}}, headers=AUTH, timeout=10
    ).json()
    updated = requests.post(f"{base}/{made['id']}", json={"ttl": 7200}, headers=AUTH, timeout=10)
    assert updated.json() == {**made, "ttl": 7200}
    assert requests.get(f"{base}/{made['id']}", headers=AUTH, timeout=10).json() == {**made, "ttl": 7200}


def test_an_open_resource_keeps_the_lists_and_objects_it_was_sent_and_updated_with(mock: str) -> None:
    base = f"{mock}/voxvey/v1/byte/context/caches"
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}]
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    made = requests.post(
        base, json={"model": "m", "messages": messages, "tools": tools}, headers=AUTH, timeout=10
    )
    assert (made.json()["messages"], made.json()["tools"]) == (messages, tools), made.text
    more = [*messages, {"role": "assistant", "content": "Hello."}]
    updated = requests.post(f"{base}/{made.json()['id']}", json={"messages": more}, headers=AUTH, timeout=10)
    read = requests.get(f"{base}/{made.json()['id']}", headers=AUTH, timeout=10).json()
    assert updated.json() == read == {**made.json(), "messages": more}
