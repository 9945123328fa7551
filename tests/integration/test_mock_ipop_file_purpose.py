"""ipop's upload states the purpose it was sent, or refuses it; never another one.

ipop's ``POST /v1/files`` takes ``purpose`` as a free-string query parameter, while the file object it
answers lists five purposes, and its vector-store attach route takes files "uploaded via POST /v1/files
with `purpose=assistants`". The mock kept an upload of any purpose and answered (and listed) it as
``batch``. The contract now widens the file object's enum with ``assistants`` and gives the upload's
``purpose`` the file object's values (two quoted statements in ``ipop.lifecycles.yaml``), so a listed
purpose or ``assistants`` is stated as sent in the create, the retrieve and the list, and any other word
is refused by request validation: the operation's 400 in ipop's envelope naming ``purpose``.
"""

from __future__ import annotations

import pytest
import requests
from ipop_files import AUTH, upload_file

# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["ipop"], "seed": 7}
LISTED = ["batch", "batch_output", "batch_error", "fine-tune", "fine-tune-validation"]


@pytest.mark.parametrize("purpose", [*LISTED, "assistants"])
def test_an_upload_states_the_purpose_it_was_sent_everywhere(mock: str, purpose: str) -> None:
    file_id = upload_file(mock, b'{"a": 1}\n', purpose=purpose, filename="in.jsonl")
    one = requests.get(f"{mock}/v1/files/{file_id}", headers=AUTH, timeout=10)
    assert one.status_code == 200 and one.json()["purpose"] == purpose
    listed = requests.get(f"{mock}/v1/files", headers=AUTH, timeout=10).json()["data"]
    assert [item["purpose"] for item in listed if item["id"] == file_id] == [purpose]
    chosen = requests.get(f"{mock}/v1/files", params={"purpose": purpose}, headers=AUTH, timeout=10)
    assert file_id in {item["id"] for item in chosen.json()["data"]}


@pytest.mark.parametrize("purpose", ["user_data", "vision", "Batch"])
def test_a_purpose_the_file_cannot_state_is_refused_and_nothing_is_kept(mock: str, purpose: str) -> None:
    before = requests.get(f"{mock}/v1/files", headers=AUTH, timeout=10).json()["data"]
    answer = requests.post(
        f"{mock}/v1/files",
        params={"purpose": purpose, "filename": "in.jsonl"},
        data=b'{"a": 1}\n',
        headers={**AUTH, "Content-Type": "application/octet-stream"},
        timeout=10,
    )
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert (body["code"], body["param"], body["retryable"]) == ("bad_request", "purpose", False)
    assert f'"{purpose}" is not one of "batch"' in body["message"] and "assistants" in body["message"]
    after = requests.get(f"{mock}/v1/files", headers=AUTH, timeout=10).json()["data"]
    assert after == before
