"""Anthropic thread continues as batch lines, over a real socket: refused as the same request sent
directly is, and never remembered (``mock/answers/threads.py``).

No served API batches ``/v1/messages``, so the spec is ipop's (its batches and files) with imarouter's
``/v1/messages`` added and ``messages`` in the batch endpoint's enum, as a review found the bug with.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from gatewright.mock import create_app
from gatewright.testing import serve_app

CANONICAL = Path(__file__).resolve().parents[2] / "specs" / "canonical"
AUTH = {"Authorization": "Bearer sk-threads"}
MODEL = "claude-sonnet-4-5-20250929"
MADE_UP = "msg_0123456789abcdefghijklmn"


@pytest.fixture(scope="module")
def combo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ipop = json.loads((CANONICAL / "ipop.openapi.json").read_text())
    imarouter = json.loads((CANONICAL / "imarouter.openapi.json").read_text())
    ipop["paths"]["/v1/messages"] = imarouter["paths"]["/v1/messages"]
    schemas = ipop["components"]["schemas"]
    for name in ("AnthropicMessagesRequest", "AnthropicMessagesResponse", "ErrorResponse"):
        assert name not in schemas
        schemas[name] = imarouter["components"]["schemas"][name]
    schemas["CreateBatchRequest"]["properties"]["endpoint"]["enum"].append("messages")
    path = tmp_path_factory.mktemp("combo") / "combo.json"
    path.write_text(json.dumps(ipop))
    return path


def _body(thread: dict[str, str], text: str = "Hi") -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 16,
        "messages": [{"role": "user", "content": text}],
        "thread": thread,
    }


def _continue(message_id: str) -> dict[str, str]:
    return {"type": "continue", "previous_message_id": message_id}


def _post(url: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{url}/v1/messages", json=body, headers=AUTH, timeout=10)


def _batch(url: str, bodies: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each line's record (from the output or the error file) by custom_id."""
    data = "".join(
        json.dumps({"custom_id": name, "method": "POST", "url": "/v1/messages", "body": body}) + "\n"
        for name, body in bodies.items()
    ).encode()
    headers = {**AUTH, "Content-Type": "application/octet-stream"}
    uploaded = requests.post(
        f"{url}/v1/files", params={"purpose": "batch"}, data=data, headers=headers, timeout=30
    )
    assert uploaded.status_code == 200, uploaded.text
    created = requests.post(
        f"{url}/v1/batches",
        json={"input_file_id": uploaded.json()["id"], "endpoint": "messages"},
        headers=AUTH,
    )
    assert created.status_code == 200, created.text
    deadline = time.monotonic() + 30
    while (batch := requests.get(f"{url}/v1/batches/{created.json()['id']}", headers=AUTH).json())[
        "status"
    ] not in {"completed", "failed"}:
        assert time.monotonic() < deadline, batch
        time.sleep(0.1)
    records: dict[str, dict[str, Any]] = {}
    for field in ("output_file_id", "error_file_id"):
        if batch.get(field):
            content = requests.get(f"{url}/v1/files/{batch[field]}/content", headers=AUTH, timeout=30)
            for line in content.text.splitlines():
                record = json.loads(line)
                records[record["custom_id"]] = {**record, "file": field}
    assert set(records) == set(bodies)
    return records


def _threads(url: str) -> dict[str, int]:
    state: dict[str, int] = requests.get(f"{url}/__gatewright/state", timeout=10).json()["message_threads"]
    return state


def _refused_as_directly(url: str, record: dict[str, Any], body: dict[str, Any], code: str) -> None:
    """The line is in the error file with the status and error body the same request gets directly."""
    direct = _post(url, body)
    assert direct.json()["error"]["details"] == {"error_code": code}
    assert record["file"] == "error_file_id"
    assert record["error"] is None
    assert record["response"]["status_code"] == direct.status_code == 400  # imarouter documents no 404
    assert record["response"]["body"] == direct.json()


def test_batch_lines_continuing_an_unknown_or_continued_reply_fail_as_directly(combo: Path) -> None:
    """Review: a batch line was answered without the thread check (200), and its made-up id was then
    remembered as continued: a direct continue of it was ``thread_already_continued``."""
    with serve_app(create_app(spec_path=combo, seed=1, access_log=False)) as url:
        first = _post(url, _body({"type": "create"}))
        assert first.status_code == 200, first.text
        lines = {
            "made-up": _body(_continue(MADE_UP)),
            "continues": _body(_continue(first.json()["id"])),
            "again": _body(_continue(first.json()["id"]), "And again?"),
        }
        records = _batch(url, lines)
        assert records["continues"]["file"] == "output_file_id"
        assert records["continues"]["response"]["status_code"] == 200
        _refused_as_directly(url, records["made-up"], lines["made-up"], "thread_not_found")
        _refused_as_directly(url, records["again"], lines["again"], "thread_already_continued")
        assert _threads(url)["continued"] == 1  # the reply the mock gave, and nothing the lines made up


def test_a_megabyte_made_up_id_in_a_batch_line_is_not_kept(combo: Path) -> None:
    """Review: each made-up id a batch line continued was kept whole (1 MB each, without a byte bound)."""
    huge = "msg_" + "Y" * 1_000_000
    with serve_app(create_app(spec_path=combo, seed=1, access_log=False)) as url:
        records = _batch(url, {str(index): _body(_continue(f"{index}{huge}")) for index in range(3)})
        state = _threads(url)
        again = _post(url, _body(_continue(f"0{huge}")))
    for record in records.values():
        assert record["file"] == "error_file_id"
        assert record["response"]["body"]["error"]["details"] == {"error_code": "thread_not_found"}
    assert state == {"threads": 0, "bytes": 0, "continued": 0, "continued_bytes": 0}
    assert again.json()["error"]["details"] == {"error_code": "thread_not_found"}
