"""An upsert keeps what it is given: ipop's KV store puts an item by the key its body names
(``PUT /v1/kv/items``) and reads it back at ``/v1/kv/items/{key}`` (``resources._direct_create``).

It used to be an untracked write: a read answered a generated ``value: "mock"``, a key nobody put
was a 200, and a key put again after a delete stayed a 404. Plain HTTP over real sockets.
"""

from __future__ import annotations

import base64
import uuid

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}
MOCK_OPTIONS = {"apis": ["ipop", "beatra"], "seed": 9}  # two: each under its prefix

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _items(mock: str) -> str:
    return f"{mock}/ipop/v1/kv/items"


def test_an_item_is_read_back_listed_deleted_and_put_again(mock: str) -> None:
    key = f"cfg-{uuid.uuid4().hex[:8]}"
    put = requests.put(_items(mock), json={"key": key, "value": {"color": "blue"}}, headers=AUTH, timeout=10)
    assert put.status_code == 200 and put.json()["key"] == key
    read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
    assert (read["key"], read["value"]) == (key, {"color": "blue"})
    listed = requests.get(_items(mock), headers=AUTH, timeout=10).json()["data"]
    assert key in [item["key"] for item in listed]
    requests.put(_items(mock), json={"key": key, "value": "dark"}, headers=AUTH, timeout=10)
    assert requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()["value"] == "dark"
    assert requests.delete(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).status_code == 200
    assert requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).status_code == 404
    requests.put(_items(mock), json={"key": key, "value": "back"}, headers=AUTH, timeout=10)
    assert requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()["value"] == "back"


def test_a_list_by_prefix_holds_the_keys_that_start_with_it(mock: str) -> None:
    run = uuid.uuid4().hex[:8]
    for key in (f"{run}/a/1", f"{run}/a/2", f"{run}/b/1"):
        requests.put(_items(mock), json={"key": key, "value": 1}, headers=AUTH, timeout=10)
    listed = requests.get(_items(mock), params={"prefix": f"{run}/a/"}, headers=AUTH, timeout=10).json()
    assert sorted(item["key"] for item in listed["data"]) == [f"{run}/a/1", f"{run}/a/2"]


def test_a_client_paging_by_cursor_gets_every_key_once_and_stops(mock: str) -> None:
    """The list's ``next_cursor`` said ``mock-next_cursor`` on every page: a client paging until it is
    null never stopped."""
    run = uuid.uuid4().hex[:8]
    keys = [f"{run}/{n}" for n in range(5)]
    for key in keys:
        requests.put(_items(mock), json={"key": key, "value": 1}, headers=AUTH, timeout=10)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        params = {"prefix": f"{run}/", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = requests.get(_items(mock), params=params, headers=AUTH, timeout=10).json()
        seen += [item["key"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == keys and cursor is None


def test_putting_a_key_again_is_its_next_version(mock: str) -> None:
    key = f"v-{uuid.uuid4().hex[:8]}"
    first = requests.put(_items(mock), json={"key": key, "value": 1}, headers=AUTH, timeout=10).json()
    second = requests.put(_items(mock), json={"key": key, "value": 2}, headers=AUTH, timeout=10).json()
    assert second["version"] == first["version"] + 1 and second["created_at"] == first["created_at"]
    read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
    assert (read["version"], read["value"]) == (second["version"], 2)


def _error(answer: requests.Response) -> dict[str, object]:
    """A 409 in ipop's error envelope (its ``Error`` schema: ``error``, ``code``, ``request_id``,
    ``retryable``)."""
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert {"error", "code", "request_id", "retryable"} <= body.keys()
    return dict(body)


def test_a_create_only_put_of_a_key_already_there_is_a_409_and_keeps_nothing(mock: str) -> None:
    """The put's description: "create_only for first-writer-wins inserts"; the first writer wins."""
    key = f"once-{uuid.uuid4().hex[:8]}"
    first = requests.put(
        _items(mock), json={"key": key, "value": 1, "create_only": True}, headers=AUTH, timeout=10
    )
    assert first.status_code == 200 and first.json()["version"] == 1
    again = requests.put(
        _items(mock), json={"key": key, "value": 2, "create_only": True}, headers=AUTH, timeout=10
    )
    assert "already exists" in str(_error(again)["error"])
    read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
    assert (read["value"], read["version"]) == (1, 1)


def test_a_put_or_delete_whose_if_version_is_not_the_items_is_a_409_and_keeps_nothing(mock: str) -> None:
    """ "if_version for optimistic concurrency": only the version the item is at may be written over."""
    key = f"occ-{uuid.uuid4().hex[:8]}"
    requests.put(_items(mock), json={"key": key, "value": "a"}, headers=AUTH, timeout=10)
    stale = requests.put(
        _items(mock), json={"key": key, "value": "b", "if_version": 7}, headers=AUTH, timeout=10
    )
    assert "does not match" in str(_error(stale)["error"])
    missing = requests.put(
        _items(mock), json={"key": f"{key}-none", "value": "b", "if_version": 1}, headers=AUTH, timeout=10
    )
    _error(missing)
    assert requests.get(f"{_items(mock)}/{key}-none", headers=AUTH, timeout=10).status_code == 404
    current = requests.put(
        _items(mock), json={"key": key, "value": "c", "if_version": 1}, headers=AUTH, timeout=10
    )
    assert current.status_code == 200 and current.json()["version"] == 2
    _error(requests.delete(f"{_items(mock)}/{key}", params={"if_version": 1}, headers=AUTH, timeout=10))
    read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
    assert (read["value"], read["version"]) == ("c", 2)
    gone = requests.delete(f"{_items(mock)}/{key}", params={"if_version": 2}, headers=AUTH, timeout=10)
    assert gone.status_code == 200
    assert requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).status_code == 404


def test_a_null_put_as_the_value_reads_back_as_null(mock: str) -> None:
    """``value`` may be any JSON, null too: it used to answer (and keep) a generated ``"mock"``."""
    key = f"null-{uuid.uuid4().hex[:8]}"
    put = requests.put(_items(mock), json={"key": key, "value": None}, headers=AUTH, timeout=10)
    assert put.status_code == 200 and put.json()["value"] is None
    read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
    assert "value" in read and read["value"] is None


def test_bytes_put_as_base64_are_kept_and_restated_as_bytes(mock: str) -> None:
    """The put takes "JSON values or base64 bytes": a ``value_base64`` put is a ``bytes`` item holding
    those bytes (it answered ``mode: json`` beside a made-up ``value``), and a JSON put again is a
    ``json`` item without made-up bytes."""
    key = f"bin-{uuid.uuid4().hex[:8]}"
    sent = {"key": key, "value_base64": "aGVsbG8=", "content_type": "application/octet-stream"}
    put = requests.put(_items(mock), json=sent, headers=AUTH, timeout=10).json()
    read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
    listed = requests.get(
        _items(mock), params={"prefix": key, "include_values": "true"}, headers=AUTH, timeout=10
    )
    for item in (put, read, *listed.json()["data"]):
        assert (item["mode"], item["value_base64"], item["content_type"]) == (
            "bytes",
            "aGVsbG8=",
            sent["content_type"],
        )
        assert "value" not in item, item
    again = requests.put(_items(mock), json={"key": key, "value": {"n": 1}}, headers=AUTH, timeout=10).json()
    read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
    for item in (again, read):
        assert (item["mode"], item["value"], item["version"]) == ("json", {"n": 1}, 2)
        assert "value_base64" not in item, item


def test_a_key_nobody_put_is_a_404(mock: str) -> None:
    missing = requests.get(f"{_items(mock)}/never-put", headers=AUTH, timeout=10)
    assert missing.status_code == 404


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=JSON)
def test_any_json_value_comes_back_as_it_was_put(mock: str, value: object) -> None:
    key = f"k-{uuid.uuid4().hex[:8]}"
    put = requests.put(_items(mock), json={"key": key, "value": value}, headers=AUTH, timeout=10)
    assert put.status_code == 200, put.text
    assert requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()["value"] == value


def test_values_of_any_size_are_kept_as_sent(mock: str) -> None:
    """A 5 KB base64 value and a 9 KB JSON value read back as sent (past the size a task restates, they
    read back as generated ones); the store's byte budget is what bounds them."""
    sent = [{"value_base64": base64.b64encode(b"x" * 4000).decode()}, {"value": {"rows": list(range(2000))}}]
    for value in sent:
        key = f"big-{uuid.uuid4().hex[:8]}"
        put = requests.put(_items(mock), json={"key": key, **value}, headers=AUTH, timeout=10)
        read = requests.get(f"{_items(mock)}/{key}", headers=AUTH, timeout=10).json()
        field = next(iter(value))
        assert put.json()[field] == read[field] == value[field], key
