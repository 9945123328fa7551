"""The resources the mock keeps are bounded in bytes (``--max-store-bytes``), over real sockets.

Creates, upserts and updates used to be kept without end: a client writing in a loop grew the mock
until the machine gave out. Past the budget a write is a 413 in the API's envelope and nothing kept
is dropped, as an upload past ``--max-upload-bytes`` is (``mock.item_budget``); a delete or a reset
frees room.
"""

from __future__ import annotations

import requests

from gatewright.mock import create_app
from gatewright.testing import reset_mock, serve_app

AUTH = {"Authorization": "Bearer sk-test"}
BUDGET = 4096


def test_writes_past_the_store_budget_are_413_and_what_was_kept_stays() -> None:
    with serve_app(create_app(["ipop"], seed=7, access_log=False, store_budget=BUDGET)) as url:
        items = f"{url}/v1/kv/items"

        def put(key: str) -> requests.Response:
            return requests.put(items, json={"key": key, "value": "x" * 1000}, headers=AUTH, timeout=10)

        answers = [put(f"k{n}") for n in range(8)]
        statuses = [answer.status_code for answer in answers]
        kept = statuses.index(413)
        assert 1 < kept < 5 and set(statuses[kept:]) == {413}, statuses  # refused from there on
        refused = answers[kept].json()
        assert {"error", "code", "request_id", "retryable"} <= refused.keys()  # ipop's envelope
        assert f"{BUDGET} bytes" in refused["message"]
        for n in range(kept):  # nothing kept was dropped to make room
            assert requests.get(f"{items}/k{n}", headers=AUTH, timeout=10).json()["value"] == "x" * 1000
        assert requests.get(f"{items}/k{kept}", headers=AUTH, timeout=10).status_code == 404  # nor kept
        listed = {item["key"] for item in requests.get(items, headers=AUTH, timeout=10).json()["data"]}
        assert {f"k{n}" for n in range(8)} & listed == {f"k{n}" for n in range(kept)}
        assert requests.delete(f"{items}/k0", headers=AUTH, timeout=10).status_code == 200
        assert put("again").status_code == 200  # a delete frees room
        assert put("more").status_code == 413
        reset_mock(url)
        assert [put(f"r{n}").status_code for n in range(kept)] == [200] * kept  # and a reset all of it


def test_a_source_refused_by_the_store_budget_leaves_the_one_already_kept() -> None:
    """ipop's asset source sent again, past the item budget, is a 413 and the first source is still
    what the asset delivers (it was deleted: replaced by the new bytes, then dropped with them)."""
    headers = {**AUTH, "x-project-id": "p1"}
    with serve_app(create_app(["ipop"], seed=5, access_log=False, store_budget=6000)) as url:
        asset = f"{url}/v1/media/assets"
        made = requests.post(
            asset, json={"type": "image", "filename": "a.png"}, headers=headers, timeout=10
        ).json()
        source = made["upload"]["url"]
        octets = {**headers, "Content-Type": "application/octet-stream"}
        assert requests.put(source, data=b"first-bytes", headers=octets, timeout=10).status_code == 200
        for n in range(100):  # the budget filled by other items
            kv = {"key": f"k{n}", "value": "x" * 200}
            if requests.put(f"{url}/v1/kv/items", json=kv, headers=headers, timeout=10).status_code == 413:
                break
        longer = f"{source}{'&' if '?' in source else '?'}filename={'n' * 300}"  # a bigger item to keep
        assert requests.put(longer, data=b"second", headers=octets, timeout=10).status_code == 413
        delivered = requests.get(f"{url}/v1/media/images/{made['asset']['id']}", headers=headers, timeout=10)
        assert delivered.status_code == 200 and delivered.content == b"first-bytes"
