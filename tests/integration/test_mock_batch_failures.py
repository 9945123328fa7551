"""Batch lines that fail, in OpenAI's shape (ipop's ``/v1/batches``).

OpenAI writes a line its route refuses into the error file as the answer it got:
``{"id": "batch_req_...", "custom_id", "response": {"status_code": 400, "request_id", "body": {"error":
...}}, "error": null}``, and a line no route answers as ``response: null, error: {code, message}``;
``request_counts`` count both kinds as failed; a batch none of whose lines completed is still
``completed``, with ``output_file_id`` null; one all of whose lines completed has ``error_file_id`` null.
The mock wrote a refused line as a line-level ``error`` and kept an empty output file for a batch whose
every line failed. A real mock on a socket, driven by the official openai SDK (create, retrieve,
``files.content``); the upload is ipop's raw octet-stream body (``ipop_files``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import requests
from ipop_files import AUTH, upload_file
from sdk_clients import openai_client

from gatewright.mock.schemas import SchemaSet
from gatewright.spec import load_spec

MODEL = "claude-sonnet-4.6"
MOCK_OPTIONS = {"apis": ["ipop"], "seed": 7, "task_duration": 0.05}
CHAT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def client(mock_url: str) -> Iterator[openai.OpenAI]:
    with openai_client(mock_url) as sdk:
        yield sdk


def _chat(model: str = MODEL, messages: Any = None) -> dict[str, Any]:
    return {"model": model, "messages": messages or [{"role": "user", "content": "Say hi."}]}


def _line(custom_id: str, body: dict[str, Any], url: str = CHAT) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url, "body": body})


def _run(url: str, client: openai.OpenAI, lines: list[str]) -> Any:
    """The batch of ``lines``, created and retrieved by the SDK until it is over."""
    batch = client.batches.create(
        input_file_id=upload_file(url, "\n".join(lines).encode()),
        endpoint="chat_completions",  # type: ignore[arg-type]  # ipop's enum, not OpenAI's path
        completion_window="24h",
    )
    deadline = time.monotonic() + 10
    while batch.status not in ("completed", "failed", "cancelled", "expired"):
        assert time.monotonic() < deadline, f"batch still {batch.status}"
        time.sleep(0.02)
        batch = client.batches.retrieve(batch.id)
    return batch


def _jsonl(client: openai.OpenAI, file_id: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def _direct(url: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{url}{CHAT}", json=body, headers=AUTH, timeout=10)


def _valid(pointer: str, value: Any) -> list[str]:
    """What ipop's canonical spec finds wrong with ``value`` as the schema at ``pointer`` (formats too)."""
    schemas = SchemaSet(load_spec("ipop").document)
    return [str(error.message) for error in schemas.errors(pointer, value, formats=True)]


def test_lines_their_route_refuses_are_its_answers_in_the_error_file(
    mock_url: str, client: openai.OpenAI
) -> None:
    """A model ipop does not list and a body its schema refuses: each line's ``response`` is the 400 the
    same request sent directly gets, in ipop's own error envelope; a line to another route than the
    batch's endpoint is a line-level error. Only the line that completed is in the output file."""
    unlisted, refused = _chat("no-such-model"), _chat(messages="not a list")
    lines = [
        _line("ok", _chat()),
        _line("unlisted", unlisted),
        _line("refused", refused),
        _line("elsewhere", {"model": MODEL, "input": "hi"}, "/v1/embeddings"),
    ]
    batch = _run(mock_url, client, lines)
    assert batch.status == "completed"
    counts = batch.request_counts
    assert (counts.total, counts.completed, counts.failed) == (4, 1, 3)
    assert batch.output_file_id is not None and batch.error_file_id is not None

    (done,) = _jsonl(client, batch.output_file_id)
    assert done["custom_id"] == "ok" and done["response"]["status_code"] == 200 and done["error"] is None

    errors = {row["custom_id"]: row for row in _jsonl(client, batch.error_file_id)}
    assert list(errors) == ["unlisted", "refused", "elsewhere"]
    for custom_id, sent, param in (("unlisted", unlisted, "model"), ("refused", refused, "messages")):
        row = errors[custom_id]
        assert row["id"].startswith("batch_req_") and row["error"] is None
        response = row["response"]
        assert response["status_code"] == 400 and isinstance(response["request_id"], str)
        direct = _direct(mock_url, sent)
        assert direct.status_code == 400
        body, expected = response["body"], direct.json()
        assert {**body, "request_id": None} == {**expected, "request_id": None}  # each error its own id
        assert (body["code"], body["param"], body["retryable"]) == ("bad_request", param, False)
        assert _valid("/components/schemas/Error", body) == []
    elsewhere = errors["elsewhere"]
    assert elsewhere["response"] is None
    assert elsewhere["error"]["code"] == "invalid_url"
    assert elsewhere["error"]["message"] == (
        "The URL provided for this request does not match the batch endpoint."
    )

    detail = requests.get(f"{mock_url}/v1/batches/{batch.id}", headers=AUTH, timeout=10).json()
    assert _valid("/components/schemas/BatchDetailResponse", detail) == []
    rows = {row["custom_id"]: row for row in detail["rows"]}
    assert [rows[c]["status"] for c in ("ok", "unlisted", "refused", "elsewhere")] == [
        "completed",
        "failed",
        "failed",
        "failed",
    ]
    assert rows["unlisted"]["error"] == errors["unlisted"]["response"]["body"]
    assert rows["unlisted"]["output_line"] is None


def test_a_batch_none_of_whose_lines_completed_completes_with_no_output_file(
    mock_url: str, client: openai.OpenAI
) -> None:
    """OpenAI: still ``completed``, ``output_file_id`` null; the mock named an empty output file."""
    batch = _run(mock_url, client, [_line("a", _chat("no-such-model")), _line("b", _chat(messages="x"))])
    assert batch.status == "completed"
    counts = batch.request_counts
    assert (counts.total, counts.completed, counts.failed) == (2, 0, 2)
    assert batch.output_file_id is None
    assert batch.error_file_id is not None
    errors = _jsonl(client, batch.error_file_id)
    assert [(row["custom_id"], row["response"]["status_code"], row["error"]) for row in errors] == [
        ("a", 400, None),
        ("b", 400, None),
    ]
    detail = requests.get(f"{mock_url}/v1/batches/{batch.id}", headers=AUTH, timeout=10).json()
    assert _valid("/components/schemas/BatchDetailResponse", detail) == []


def test_a_batch_all_of_whose_lines_completed_has_no_error_file(mock_url: str, client: openai.OpenAI) -> None:
    batch = _run(mock_url, client, [_line("a", _chat()), _line("b", _chat())])
    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (2, 0)
    assert batch.error_file_id is None and batch.output_file_id is not None
    assert [row["custom_id"] for row in _jsonl(client, batch.output_file_id)] == ["a", "b"]


def test_a_line_nested_past_the_depth_bound_is_a_line_error_not_the_batchs_500(
    mock_url: str, client: openai.OpenAI
) -> None:
    """The batch reads its lines as the mock reads a body, bounded in depth (review: a line 5,000 levels
    deep raised RecursionError, and the batch create answered 500): such a line is one it cannot read,
    and the lines after it still run."""
    deep = '{"model": "%s", "messages": %s%s}' % (MODEL, "[" * 5000, "]" * 5000)  # noqa: UP031
    line = json.dumps({"custom_id": "deep", "method": "POST", "url": CHAT, "body": "BODY"})
    batch = _run(mock_url, client, [line.replace('"BODY"', deep), _line("fine", _chat())])
    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 1)
    [refused] = _jsonl(client, batch.error_file_id)
    assert refused["response"] is None and refused["error"]["code"] == "invalid_json"
    assert "nested deeper than" in refused["error"]["message"] and refused["error"]["line"] == 1
    [done] = _jsonl(client, batch.output_file_id)
    assert done["custom_id"] == "fine" and done["response"]["status_code"] == 200
