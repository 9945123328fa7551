"""Batches read their input file and vector stores search what is attached to them (issue 19, item 4).

A real mock on a socket; clients are the official openai SDK where ipop's spec takes what it sends
(retrieving and cancelling batches, reading files, attaching files to and searching vector stores),
plain HTTP elsewhere (ipop's upload is a raw octet-stream body; its batch create's ``endpoint`` is an
enum the SDK's ``/v1/chat/completions`` is not part of).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import openai
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ipop_files import AUTH, upload_file
from sdk_clients import openai_client

from gatewright.mock import create_app
from gatewright.mock.keys import EXTENSIONS
from gatewright.spec import load_spec
from gatewright.testing import serve_app

MODEL = "claude-sonnet-4.6"
ASSISTANTS = "assistants"  # the purpose a file attached to a vector store was uploaded with (ipop's attach)
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["ipop"], "seed": 7, "task_duration": 0.05}


@pytest.fixture(scope="module")
def client(mock_url: str) -> Iterator[openai.OpenAI]:
    with openai_client(mock_url) as sdk:
        yield sdk


def _chat(text: str) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}]}


def _line(custom_id: str | None, url: str = "/v1/chat/completions", body: Any = None) -> str:
    request: dict[str, Any] = {"method": "POST", "url": url, "body": body or _chat(f"say {custom_id}")}
    if custom_id is not None:
        request["custom_id"] = custom_id
    return json.dumps(request)


def _create(url: str, input_file_id: str, **headers: str) -> requests.Response:
    return requests.post(
        f"{url}/v1/batches", json={"input_file_id": input_file_id}, headers={**AUTH, **headers}, timeout=10
    )


def _finished(client: openai.OpenAI, batch_id: str) -> Any:
    deadline = time.monotonic() + 10
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in ("completed", "failed", "cancelled", "expired"):
            return batch
        assert time.monotonic() < deadline, f"batch still {batch.status}"
        time.sleep(0.02)


def _jsonl(client: openai.OpenAI, file_id: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


@pytest.mark.parametrize("endpoint", ["chat_completions", "embeddings"])
def test_a_batch_answers_each_line_as_a_direct_call_would(
    mock_url: str, client: openai.OpenAI, endpoint: str
) -> None:
    """Every line of a batch calls its ``endpoint`` (ipop's default: ``chat_completions``)."""
    if endpoint == "embeddings":
        url, bodies = "/v1/embeddings", [{"model": MODEL, "input": text} for text in ("one", "two", "three")]
    else:
        url, bodies = (
            "/v1/chat/completions",
            [_chat(text) for text in ("What is a mock?", "Hi.", "Name one.")],
        )
    lines = [_line("first", url, bodies[0]), "{not json", _line("second", url, bodies[1])]
    lines.append(_line("third", url, bodies[2]))
    input_id = upload_file(mock_url, "\n".join(lines).encode())
    created = requests.post(
        f"{mock_url}/v1/batches",
        json={"input_file_id": input_id, **({"endpoint": endpoint} if endpoint == "embeddings" else {})},
        headers=AUTH,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    assert created.json()["input_file_id"] == input_id
    assert created.json()["request_counts"]["total"] == 4
    assert created.json()["output_file_id"] is None  # named once it completed

    batch = _finished(client, created.json()["id"])
    assert batch.status == "completed"
    assert batch.input_file_id == input_id
    assert (batch.request_counts.total, batch.request_counts.completed, batch.request_counts.failed) == (
        4,
        3,
        1,
    )
    assert batch.output_file_id is not None and batch.error_file_id is not None

    output = _jsonl(client, batch.output_file_id)
    assert [row["custom_id"] for row in output] == ["first", "second", "third"]
    for row, sent in zip(output, bodies, strict=True):
        assert row["error"] is None and row["response"]["status_code"] == 200
        route = "/v1/chat/completions" if "messages" in sent else "/v1/embeddings"
        direct = requests.post(f"{mock_url}{route}", json=sent, headers=AUTH, timeout=10)
        assert direct.status_code == 200, direct.text
        if route == "/v1/embeddings":
            assert row["response"]["body"]["data"] == direct.json()["data"]
            continue
        completion = openai.types.chat.ChatCompletion.model_validate(row["response"]["body"])
        text = completion.choices[0].message.content
        assert text and text == direct.json()["choices"][0]["message"]["content"]
    assert len({row["id"] for row in output}) == 3

    errors = _jsonl(client, batch.error_file_id)
    assert len(errors) == 1 and errors[0]["custom_id"] is None and errors[0]["response"] is None
    assert (errors[0]["error"]["code"], errors[0]["error"]["line"]) == ("invalid_json", 2)
    assert errors[0]["error"]["message"].startswith("line 2 is not JSON: ")

    for file_id, purpose in ((batch.output_file_id, "batch_output"), (batch.error_file_id, "batch_error")):
        meta = requests.get(f"{mock_url}/v1/files/{file_id}", headers=AUTH, timeout=10).json()
        content = client.files.content(file_id).content
        assert meta["bytes"] == len(content) and meta["purpose"] == purpose
        assert meta["filename"].endswith(".jsonl")


def test_bad_lines_go_to_the_error_file_with_their_custom_ids(mock_url: str, client: openai.OpenAI) -> None:
    lines = [
        _line("ok"),
        _line(None),  # no custom_id
        _line("nowhere", url="/v1/no/such/route"),
        _line("bad-body", body={"messages": "not a list"}),
    ]
    batch = _finished(
        client, _create(mock_url, upload_file(mock_url, "\n".join(lines).encode())).json()["id"]
    )
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 3)
    assert batch.error_file_id is not None
    errors = _jsonl(client, batch.error_file_id)
    assert [row["custom_id"] for row in errors] == [None, "nowhere", "bad-body"]
    assert [row["error"]["line"] for row in errors[:2]] == [2, 3]
    # a body its route refuses is that route's answer, as OpenAI's error file holds it
    assert errors[2]["error"] is None and errors[2]["response"]["status_code"] == 400
    refusal = errors[2]["response"]["body"]  # ipop's envelope, naming both faults of the body
    assert refusal["code"] == "bad_request" and 'body: "model" is a required property' in refusal["message"]
    assert 'body/messages: "not a list" is not of type "array"' in refusal["message"]


def test_a_batch_without_bad_lines_has_no_error_file(mock_url: str, client: openai.OpenAI) -> None:
    batch = _finished(client, _create(mock_url, upload_file(mock_url, _line("only").encode())).json()["id"])
    assert batch.status == "completed" and batch.error_file_id is None
    assert batch.output_file_id is not None
    assert [row["custom_id"] for row in _jsonl(client, batch.output_file_id)] == ["only"]


def test_a_batchs_detail_has_one_row_per_input_line(mock_url: str, client: openai.OpenAI) -> None:
    """ipop's batch detail (``BatchDetailResponse``) lists ``rows``, one ``BatchJobRow`` per input
    line: its index, custom id, status and output line or error; they were generated rows that named
    neither the batch nor its lines."""
    lines = [_line("first"), "{not json", _line("second")]
    created = _create(mock_url, upload_file(mock_url, "\n".join(lines).encode()), Prefer="task=hang")
    batch_id = created.json()["id"]

    def rows() -> list[dict[str, Any]]:
        answer = requests.get(f"{mock_url}/v1/batches/{batch_id}", headers=AUTH, timeout=10)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["rows"]
        return found

    queued = rows()
    assert [(r["row_index"], r["custom_id"], r["status"]) for r in queued] == [
        (0, "first", "queued"),
        (1, None, "queued"),
        (2, "second", "queued"),
    ]
    assert {r["batch_id"] for r in queued} == {batch_id}
    assert all(r["output_line"] is None and r["error"] is None for r in queued)
    client.batches.cancel(batch_id)
    assert [r["status"] for r in rows()] == ["cancelled"] * 3

    done = _finished(client, _create(mock_url, upload_file(mock_url, "\n".join(lines).encode())).json()["id"])
    batch_id = done.id
    assert done.output_file_id is not None
    output = client.files.content(done.output_file_id).text.splitlines()
    finished = rows()
    assert [(r["row_index"], r["custom_id"], r["status"]) for r in finished] == [
        (0, "first", "completed"),
        (1, None, "failed"),
        (2, "second", "completed"),
    ]
    assert [finished[0]["output_line"], finished[2]["output_line"]] == output  # the output file's lines
    assert finished[1]["output_line"] is None and finished[1]["error"]["code"] == "invalid_json"
    assert finished[0]["error"] is None and finished[1]["error"]["line"] == 2


def test_a_line_calling_another_endpoint_than_the_batchs_fails_that_line(
    mock_url: str, client: openai.OpenAI
) -> None:
    """OpenAI: "The URL provided for this request does not match the batch endpoint"; the embeddings line
    of a chat_completions batch was answered as an embedding."""
    lines = [_line("embed", "/v1/embeddings", {"model": MODEL, "input": "hello"}), _line("chat")]
    input_id = upload_file(mock_url, "\n".join(lines).encode())
    created = requests.post(
        f"{mock_url}/v1/batches",
        json={"input_file_id": input_id, "endpoint": "chat_completions"},
        headers=AUTH,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    batch = _finished(client, created.json()["id"])
    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 1)
    assert batch.output_file_id is not None and batch.error_file_id is not None
    assert [row["custom_id"] for row in _jsonl(client, batch.output_file_id)] == ["chat"]
    (error,) = _jsonl(client, batch.error_file_id)
    assert error["custom_id"] == "embed" and error["response"] is None
    assert error["error"]["line"] == 1 and "does not match the batch endpoint" in error["error"]["message"]


def test_an_input_naming_a_custom_id_twice_fails_the_batch(mock_url: str, client: openai.OpenAI) -> None:
    """OpenAI fails such a batch at validation (``duplicate_custom_id``); both lines were answered, and
    the output held two "c1" lines a client cannot tell apart."""
    lines = [_line("c1"), _line("c2"), _line("c1")]
    created = _create(mock_url, upload_file(mock_url, "\n".join(lines).encode()))
    assert created.status_code == 200, created.text
    batch = _finished(client, created.json()["id"])
    assert batch.status == "failed"
    last_error = str((batch.model_extra or {}).get("last_error"))
    assert "duplicate_custom_id" in last_error and "'c1'" in last_error and "line 3" in last_error
    assert batch.output_file_id is None and batch.error_file_id is None
    assert batch.request_counts.completed == 0


def _delete_file(url: str, file_id: str) -> None:
    assert requests.delete(f"{url}/v1/files/{file_id}", headers=AUTH, timeout=10).status_code == 204


def test_a_deleted_input_file_is_refused_in_the_api_envelope(mock_url: str) -> None:
    file_id = upload_file(mock_url, _line("gone").encode())
    _delete_file(mock_url, file_id)
    answer = _create(mock_url, file_id)
    assert answer.status_code in (400, 404)
    body = answer.json()
    assert body["param"] == "input_file_id" and file_id in body["message"]
    assert {"error", "code", "request_id", "retryable"} <= body.keys()


@pytest.mark.parametrize(
    ("window", "seconds"),
    [
        (None, 86_400),
        ("24h", 86_400),
        ("30m", 1800),
        ("600s", 600),
        ("2d", 172_800),
        ("7d", 604_800),
        ("168h", 604_800),
        ("10080m", 604_800),
        ("604800s", 604_800),
        ("1s", 1),
    ],
)
def test_a_batch_states_the_completion_window_it_was_given(
    mock_url: str, client: openai.OpenAI, window: str | None, seconds: int
) -> None:
    """ipop's ``completion_window`` ("e.g. '24h', '30m', '600s'", default 24h) is the batch's
    ``completion_window_secs``, and its deadline that far from its creation; both were generated."""
    request: dict[str, Any] = {"input_file_id": upload_file(mock_url, _line("timed").encode())}
    if window is not None:
        request["completion_window"] = window
    created = requests.post(f"{mock_url}/v1/batches", json=request, headers=AUTH, timeout=10)
    assert created.status_code == 200, created.text
    polled = requests.get(f"{mock_url}/v1/batches/{created.json()['id']}", headers=AUTH, timeout=10).json()
    for body in (created.json(), polled):
        assert body["completion_window_secs"] == seconds
        born = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
        deadline = datetime.fromisoformat(body["deadline_at"].replace("Z", "+00:00"))
        assert (deadline - born).total_seconds() == seconds


@pytest.mark.parametrize(
    "window", ["1w", "8d", "169h", "10081m", "604801s", "0h", "24", "24 hours", "24H", " 24h", "1.5h", ""]
)
def test_a_completion_window_the_spec_does_not_allow_is_refused(mock: str, window: str) -> None:
    """ipop allows "e.g. '24h', '30m', '600s'. Max 7d.": a whole number of seconds, minutes, hours or
    days up to 7 days (the contract's pattern, from that sentence). Anything else is refused as every
    invalid request is, ipop's 400 in its envelope naming the field, and no batch is made (it was made,
    with a generated window: ``1w`` stated ``completion_window_secs`` 1 and a made-up deadline)."""
    request = {"input_file_id": upload_file(mock, _line("timed").encode()), "completion_window": window}
    refused = requests.post(f"{mock}/v1/batches", json=request, headers=AUTH, timeout=10)
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert (body["code"], body["param"], body["retryable"]) == ("bad_request", "completion_window", False)
    assert isinstance(body["error"], str) and isinstance(body["request_id"], str)
    assert requests.get(f"{mock}/__gatewright/state", timeout=10).json()["tasks"]["tasks"] == []


def test_cancel_still_ends_a_batch_cancelled(mock_url: str, client: openai.OpenAI) -> None:
    created = _create(mock_url, upload_file(mock_url, _line("slow").encode()), Prefer="task=hang")
    assert created.status_code == 200
    cancelled = client.batches.cancel(created.json()["id"])
    assert cancelled.status == "cancelled"
    batch = client.batches.retrieve(created.json()["id"])
    assert batch.status == "cancelled" and batch.output_file_id is None
    assert batch.request_counts.total == 1 and batch.request_counts.completed == 0
    assert created.json()["cancel_requested_at"] is None  # not asked when it was created
    assert (batch.model_extra or {}).get("cancel_requested_at") is not None  # asked since


def test_an_output_past_the_byte_budget_fails_the_batch() -> None:
    data = "\n".join(_line(f"line-{n}") for n in range(3)).encode()
    app = create_app(["ipop"], seed=7, access_log=False, task_duration=0.05, upload_budget=len(data) + 64)
    with serve_app(app) as base, openai.OpenAI(base_url=f"{base}/v1", api_key="sk-test") as client:
        created = _create(base, upload_file(base, data))
        assert created.status_code == 200, created.text
        batch = _finished(client, created.json()["id"])
        assert batch.status == "failed" and batch.output_file_id is None
        assert "does not fit" in str(batch.model_extra and batch.model_extra.get("last_error"))
        listed = requests.get(f"{base}/v1/files", headers=AUTH, timeout=10)
        assert listed.status_code == 200
        rows = requests.get(f"{base}/v1/batches/{batch.id}", headers=AUTH, timeout=10).json()["rows"]
        assert [(row["custom_id"], row["status"], row["output_line"]) for row in rows] == [
            (f"line-{n}", "failed", None) for n in range(3)
        ]
        held = _engine(app).get("ipop", batch.id)  # nor do its rows hold the answers no file kept
        assert held is not None and "chat.completion" not in json.dumps(held.context)


def _engine(app: Any) -> Any:
    """The app's task engine (what a batch's task holds is not on the wire)."""
    (tasks,) = [extension for extension in app[EXTENSIONS] if extension.name == "tasks"]
    return tasks.engine


_BAD = st.sampled_from(["malformed", "no_custom_id", "unknown_url"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ids=st.lists(st.text("abcdefgh-0123", min_size=1, max_size=8), min_size=1, max_size=8, unique=True),
    bad=st.lists(st.one_of(st.none(), _BAD), min_size=8, max_size=8),
)
def test_counts_and_files_partition_the_input(
    mock_url: str, client: openai.OpenAI, ids: list[str], bad: list[str | None]
) -> None:
    lines, good, failed = [], [], []
    for custom_id, kind in zip(ids, bad, strict=False):
        if kind is None:
            lines.append(_line(custom_id))
            good.append(custom_id)
        elif kind == "malformed":
            lines.append(_line(custom_id)[:-3])
            failed.append(None)
        elif kind == "no_custom_id":
            lines.append(_line(None))
            failed.append(None)
        else:
            lines.append(_line(custom_id, url="/v1/elsewhere"))
            failed.append(custom_id)
    batch = _finished(
        client, _create(mock_url, upload_file(mock_url, "\n".join(lines).encode())).json()["id"]
    )
    counts = batch.request_counts
    assert (counts.total, counts.completed, counts.failed) == (len(ids), len(good), len(failed))
    if good:
        assert batch.output_file_id is not None
        assert [row["custom_id"] for row in _jsonl(client, batch.output_file_id)] == good
    else:  # OpenAI names no output file where no line completed
        assert batch.output_file_id is None
    if failed:
        assert batch.error_file_id is not None
        assert [row["custom_id"] for row in _jsonl(client, batch.error_file_id)] == failed
    else:
        assert batch.error_file_id is None


# --- vector stores ---------------------------------------------------------------------------------

NOTES = b"""The quick brown fox jumps over the lazy dog.
Python packaging reads pyproject files.

A fox is a small omnivorous mammal.
Batches answer requests later.
"""


def _store(url: str) -> str:
    answer = requests.post(f"{url}/v1/vector_stores", json={"name": "notes"}, headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    store_id = answer.json()["id"]
    assert isinstance(store_id, str)
    return store_id


def test_an_attached_file_is_that_file_in_that_store(mock_url: str, client: openai.OpenAI) -> None:
    file_id = upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS)
    first, second = _store(mock_url), _store(mock_url)
    row = client.vector_stores.files.create_and_poll(
        file_id=file_id, vector_store_id=first, poll_interval_ms=20
    )
    assert row.status == "completed"
    assert row.model_extra is not None
    assert (row.model_extra["file_id"], row.vector_store_id) == (file_id, first)
    assert row.model_extra["bytes"] == len(NOTES)
    again = requests.post(
        f"{mock_url}/v1/vector_stores/{first}/files", json={"file_id": file_id}, headers=AUTH, timeout=10
    )
    assert again.json()["id"] == row.id  # idempotent: the same row
    elsewhere = requests.post(
        f"{mock_url}/v1/vector_stores/{second}/files", json={"file_id": file_id}, headers=AUTH, timeout=10
    ).json()
    assert (elsewhere["file_id"], elsewhere["vector_store_id"]) == (file_id, second)
    assert elsewhere["id"] != row.id

    got = client.vector_stores.files.retrieve(file_id, vector_store_id=first)
    assert got.model_extra is not None
    assert (got.model_extra["file_id"], got.vector_store_id, got.status) == (file_id, first, "completed")
    listed = requests.get(f"{mock_url}/v1/vector_stores/{first}/files", headers=AUTH, timeout=10).json()[
        "data"
    ]
    assert [(item["file_id"], item["vector_store_id"]) for item in listed] == [(file_id, first)]


def test_a_store_counts_the_files_attached_to_it(mock_url: str, client: openai.OpenAI) -> None:
    def file_count(store_id: str) -> int:
        answer = requests.get(f"{mock_url}/v1/vector_stores/{store_id}", headers=AUTH, timeout=10)
        assert answer.status_code == 200, answer.text
        count: int = answer.json()["file_count"]
        return count

    store_id = _store(mock_url)
    assert file_count(store_id) == 0
    files = [upload_file(mock_url, NOTES, filename=f"notes{i}.txt", purpose=ASSISTANTS) for i in range(3)]
    for file_id in files:
        client.vector_stores.files.create_and_poll(
            file_id=file_id, vector_store_id=store_id, poll_interval_ms=20
        )
    client.vector_stores.files.create(file_id=files[0], vector_store_id=store_id)  # again: the same row
    assert file_count(store_id) == 3
    client.vector_stores.files.delete(files[1], vector_store_id=store_id)
    assert file_count(store_id) == 2
    assert file_count(_store(mock_url)) == 0  # another store's count is its own


def test_deleting_a_file_removes_it_from_every_store(mock_url: str, client: openai.OpenAI) -> None:
    """OpenAI: "Delete a file and remove it from all vector stores"."""
    file_id, kept = (upload_file(mock_url, NOTES, filename=f"n{i}.txt", purpose=ASSISTANTS) for i in range(2))
    stores = [_store(mock_url), _store(mock_url)]
    for store_id in stores:
        for attached in (file_id, kept):
            client.vector_stores.files.create_and_poll(
                file_id=attached, vector_store_id=store_id, poll_interval_ms=20
            )
    _delete_file(mock_url, file_id)
    for store_id in stores:
        store = requests.get(f"{mock_url}/v1/vector_stores/{store_id}", headers=AUTH, timeout=10).json()
        assert store["file_count"] == 1
        listed = client.vector_stores.files.list(vector_store_id=store_id).data
        assert [row.model_extra["file_id"] for row in listed if row.model_extra] == [kept]
        with pytest.raises(openai.NotFoundError):
            client.vector_stores.files.retrieve(file_id, vector_store_id=store_id)


def test_deleting_a_file_that_is_not_there_is_a_404(mock_url: str) -> None:
    """ipop documents 404 "File not found" for its body-less delete; it answered 204 for any id."""
    file_id = upload_file(mock_url, NOTES, filename="gone.txt", purpose=ASSISTANTS)
    _delete_file(mock_url, file_id)
    for missing in (file_id, "file_never_made"):
        again = requests.delete(f"{mock_url}/v1/files/{missing}", headers=AUTH, timeout=10)
        assert again.status_code == 404 and missing in again.json()["message"]


def test_a_store_is_modified_by_a_post_on_it(mock_url: str, client: openai.OpenAI) -> None:
    """ipop (as OpenAI): POST /v1/vector_stores/{id} "updates mutable fields (name, metadata)"; it
    answered a generated stranger and changed nothing."""
    store_id = _store(mock_url)
    updated = client.vector_stores.update(store_id, name="renamed", metadata={"team": "y"})
    assert (updated.id, updated.name, updated.metadata) == (store_id, "renamed", {"team": "y"})
    kept = client.vector_stores.retrieve(store_id)
    assert (kept.name, kept.metadata) == ("renamed", {"team": "y"})


def test_attaching_a_deleted_file_is_a_404(mock_url: str) -> None:
    file_id = upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS)
    _delete_file(mock_url, file_id)
    answer = requests.post(
        f"{mock_url}/v1/vector_stores/{_store(mock_url)}/files",
        json={"file_id": file_id},
        headers=AUTH,
        timeout=10,
    )
    assert answer.status_code == 404 and answer.json()["param"] == "file_id"


@pytest.mark.parametrize("query", ["small fox", "pyproject packaging", "answer batches later"])
def test_search_hits_come_from_the_attached_text(mock_url: str, client: openai.OpenAI, query: str) -> None:
    file_id = upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS)
    store_id = _store(mock_url)
    client.vector_stores.files.create_and_poll(file_id=file_id, vector_store_id=store_id, poll_interval_ms=20)
    hits = list(client.vector_stores.search(store_id, query=query))
    lines = NOTES.decode().splitlines()
    words = set(query.lower().split())
    sharing = [line for line in lines if words & set(re.findall(r"\w+", line.lower()))]
    assert len(sharing) >= 1 and sorted(hit.content[0].text for hit in hits) == sorted(sharing)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True) and all(0 < score <= 1 for score in scores)
    for hit in hits:
        assert hit.file_id == file_id and hit.filename == "notes.txt"
        text = hit.content[0].text
        assert text in lines and words & set(text.lower().rstrip(".").split())
    assert (
        requests.post(
            f"{mock_url}/v1/vector_stores/{store_id}/search",
            json={"query": "zebra"},
            headers=AUTH,
            timeout=10,
        ).json()["data"]
        == []
    )


def test_a_search_for_a_short_name_finds_the_text_that_says_it(mock_url: str, client: openai.OpenAI) -> None:
    """A query of a two-letter name (``AI``) found nothing: words were runs of three or more letters, so
    the query held no word at all (nor did ``Go?``)."""
    text = b"AI is changing how we work.\nCooking pasta needs salty water.\nGo is a language by Google.\n"
    file_id = upload_file(mock_url, text, filename="short.txt", purpose=ASSISTANTS)
    store_id = _store(mock_url)
    client.vector_stores.files.create_and_poll(file_id=file_id, vector_store_id=store_id, poll_interval_ms=20)
    found = [(hit.content[0].text, hit.score) for hit in client.vector_stores.search(store_id, query="AI")]
    assert found == [("AI is changing how we work.", 1.0)]
    found = [(hit.content[0].text, hit.score) for hit in client.vector_stores.search(store_id, query="Go?")]
    assert found == [("Go is a language by Google.", 1.0)]


def test_a_detached_file_is_no_longer_searched(mock_url: str, client: openai.OpenAI) -> None:
    file_id = upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS)
    store_id = _store(mock_url)
    client.vector_stores.files.create_and_poll(file_id=file_id, vector_store_id=store_id, poll_interval_ms=20)
    found = [hit.content[0].text for hit in client.vector_stores.search(store_id, query="fox")]
    assert sorted(found) == [
        "A fox is a small omnivorous mammal.",
        "The quick brown fox jumps over the lazy dog.",
    ]
    client.vector_stores.files.delete(file_id, vector_store_id=store_id)
    assert list(client.vector_stores.search(store_id, query="fox")) == []
    gone = requests.get(f"{mock_url}/v1/vector_stores/{store_id}/files/{file_id}", headers=AUTH, timeout=10)
    assert gone.status_code == 404


def test_deleting_a_vector_store_answers_the_store_that_was_deleted(client: openai.OpenAI) -> None:
    """ipop documents its delete as answering the VectorStore: the one deleted, not a generated one."""
    store = client.vector_stores.create(name="kb", metadata={"team": "search"})
    deleted = client.vector_stores.delete(store.id)
    assert deleted.id == store.id
    assert deleted.model_dump().get("name") == "kb"
    assert deleted.model_dump().get("metadata") == {"team": "search"}


def _attach(url: str, store_id: str, file_id: str) -> requests.Response:
    return requests.post(
        f"{url}/v1/vector_stores/{store_id}/files", json={"file_id": file_id}, headers=AUTH, timeout=10
    )


def _files_of(url: str, store_id: str) -> requests.Response:
    return requests.get(f"{url}/v1/vector_stores/{store_id}/files", headers=AUTH, timeout=10)


def test_attaching_what_is_not_there_is_a_404_that_keeps_nothing(mock_url: str) -> None:
    """ipop documents 404 "No such resource." on the attach; a file or a store that does not exist
    answered 200 and made a row."""
    store_id = _store(mock_url)
    missing_file = _attach(mock_url, store_id, "file_never_uploaded")
    assert missing_file.status_code == 404, missing_file.text
    assert (
        missing_file.json()["param"] == "file_id" and "file_never_uploaded" in missing_file.json()["message"]
    )
    assert {"error", "code", "request_id", "retryable"} <= missing_file.json().keys()
    assert _files_of(mock_url, store_id).json()["data"] == []
    store = requests.get(f"{mock_url}/v1/vector_stores/{store_id}", headers=AUTH, timeout=10).json()
    assert (store["file_count"], store["usage_bytes"]) == (0, 0)

    file_id = upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS)
    missing_store = _attach(mock_url, "vs_never_made", file_id)
    assert missing_store.status_code == 404 and "vs_never_made" in missing_store.json()["message"]
    assert _files_of(mock_url, "vs_never_made").status_code == 404
    got = requests.get(f"{mock_url}/v1/vector_stores/vs_never_made/files/{file_id}", headers=AUTH, timeout=10)
    assert got.status_code == 404


def test_a_deleted_store_and_what_was_under_it_are_gone(mock_url: str, client: openai.OpenAI) -> None:
    """ipop: deleting a store "drops attachment rows"; its file list answered 200 after."""
    store_id, file_id = (
        _store(mock_url),
        upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS),
    )
    client.vector_stores.files.create_and_poll(file_id=file_id, vector_store_id=store_id, poll_interval_ms=20)
    assert client.vector_stores.delete(store_id).id == store_id
    assert _files_of(mock_url, store_id).status_code == 404
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.files.retrieve(file_id, vector_store_id=store_id)
    assert _attach(mock_url, store_id, file_id).status_code == 404
    search = f"{mock_url}/v1/vector_stores/{store_id}/search"
    assert requests.post(search, json={"query": "notes"}, headers=AUTH, timeout=10).status_code == 404
    assert requests.get(f"{mock_url}/v1/files/{file_id}", headers=AUTH, timeout=10).status_code == 200


# A request the spec takes for each route under a store (``{vector_store_id}``, ``{file_id}`` filled in).
UNDER_A_STORE: dict[tuple[str, str], dict[str, Any] | None] = {
    ("POST", "/files"): {"file_id": "{file_id}"},
    ("GET", "/files"): None,
    ("GET", "/files/{file_id}"): None,
    ("DELETE", "/files/{file_id}"): None,
    ("POST", "/reindex"): None,
    ("POST", "/search"): {"query": "notes"},
}


@pytest.mark.parametrize("store", ["deleted", "never made"])
def test_every_route_under_a_store_that_is_not_there_is_its_documented_404(mock_url: str, store: str) -> None:
    """ipop documents 404 on every route under a store; its reindex answered 200 and a generated store
    under a deleted one (and one never made). The routes are read from the spec: a new one is held too."""
    spec = load_spec("ipop")
    prefix = "/v1/vector_stores/{vector_store_id}"
    documented = {
        (operation.method.upper(), operation.path.removeprefix(prefix))
        for operation in spec.operations
        if operation.path.startswith(f"{prefix}/") and "404" in operation.definition.get("responses", {})
    }
    assert documented == set(UNDER_A_STORE)
    file_id = upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS)
    store_id = _store(mock_url)  # stores are made: an id none of them has is a store not there
    if store == "deleted":
        attach = f"{mock_url}/v1/vector_stores/{store_id}/files"
        assert requests.post(attach, json={"file_id": file_id}, headers=AUTH, timeout=10).ok
        assert requests.delete(f"{mock_url}/v1/vector_stores/{store_id}", headers=AUTH, timeout=10).ok
    else:
        store_id = "vs_never_made"
    for (method, below), body in UNDER_A_STORE.items():
        url = f"{mock_url}/v1/vector_stores/{store_id}{below.replace('{file_id}', file_id)}"
        sent = None if body is None else json.loads(json.dumps(body).replace("{file_id}", file_id))
        answer = requests.request(method, url, json=sent, headers=AUTH, timeout=10)
        assert answer.status_code == 404, (method, below, answer.text)
        if method == "DELETE":
            continue  # ipop documents this 404 without a body
        assert {"error", "code", "request_id", "retryable"} <= answer.json().keys()
        assert store_id in answer.json()["message"]


def test_a_store_states_its_files_bytes_and_ingestion(mock_url: str, client: openai.OpenAI) -> None:
    """``usage_bytes`` is the attached files' bytes (as OpenAI's), and ``status`` "rolls to `completed`
    when every attachment reaches a terminal state" (ipop); both were generated values."""

    def store() -> dict[str, Any]:
        answer = requests.get(f"{mock_url}/v1/vector_stores/{store_id}", headers=AUTH, timeout=10)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    created = requests.post(f"{mock_url}/v1/vector_stores", json={"name": "kb"}, headers=AUTH, timeout=10)
    store_id = created.json()["id"]
    for body in (created.json(), store()):
        assert (body["file_count"], body["usage_bytes"], body["status"]) == (0, 0, "completed")
    small, large = b"one line\n", NOTES * 3
    first = upload_file(mock_url, small, filename="small.txt", purpose=ASSISTANTS)
    second = upload_file(mock_url, large, filename="large.txt", purpose=ASSISTANTS)
    pending = requests.post(
        f"{mock_url}/v1/vector_stores/{store_id}/files",
        json={"file_id": first},
        headers={**AUTH, "Prefer": "task=hang"},
        timeout=10,
    )
    assert pending.status_code == 200 and pending.json()["status"] == "in_progress"
    assert (store()["status"], store()["usage_bytes"]) == ("in_progress", len(small))
    client.vector_stores.files.create_and_poll(file_id=second, vector_store_id=store_id, poll_interval_ms=20)
    assert (store()["file_count"], store()["usage_bytes"]) == (2, len(small) + len(large))
    assert store()["status"] == "in_progress"  # the first is still ingesting
    client.vector_stores.files.delete(first, vector_store_id=store_id)
    assert (store()["file_count"], store()["usage_bytes"], store()["status"]) == (1, len(large), "completed")
    listed = requests.get(f"{mock_url}/v1/vector_stores", headers=AUTH, timeout=10).json()["data"]
    ours = [(s["usage_bytes"], s["status"]) for s in listed if s["id"] == store_id]
    assert ours == [(len(large), "completed")]


def test_reindex_answers_the_store_as_its_read_does(mock_url: str, client: openai.OpenAI) -> None:
    """ipop's reindex "returns the post-reindex store object"; it answered a generated store (another
    id, name and ``file_count``) for a store the mock holds."""
    store_id = _store(mock_url)
    file_id = upload_file(mock_url, NOTES, filename="notes.txt", purpose=ASSISTANTS)
    client.vector_stores.files.create_and_poll(file_id=file_id, vector_store_id=store_id, poll_interval_ms=20)
    url = f"{mock_url}/v1/vector_stores/{store_id}"
    reindexed = requests.post(f"{url}/reindex", headers=AUTH, timeout=10)
    assert reindexed.status_code == 200, reindexed.text
    read = requests.get(url, headers=AUTH, timeout=10).json()
    body = reindexed.json()
    assert (body["id"], body["name"], body["file_count"]) == (store_id, "notes", 1)
    assert body == read
