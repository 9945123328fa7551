"""The judging of a finished batch (``conformance.batch_output``): counts, files, the skip reason."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.batch_output import (
    BatchJudge,
    Counts,
    SentLine,
    content_operation,
    counts_problem,
    failed_reason,
    jsonl,
    read_counts,
    sent_lines,
)
from gatewright.conformance.limiter import RateLimiter
from gatewright.conformance.made_files import FileNeed, FilePlan
from gatewright.conformance.redact import Redactor
from gatewright.spec import load_spec

LINE = {"custom_id": "gatewright-1", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m"}}


def test_the_lines_sent_are_read_from_the_batch_file_verify_uploaded() -> None:
    content = (json.dumps(LINE) + "\n\n" + json.dumps({**LINE, "custom_id": "gatewright-2"}) + "\n").encode()
    plan = FilePlan((FileNeed("input_file_id", "batch", content, "gatewright-batch.jsonl"),))
    assert sent_lines(plan) == {
        "gatewright-1": SentLine("gatewright-1", "POST", "/v1/chat/completions", {"model": "m"}),
        "gatewright-2": SentLine("gatewright-2", "POST", "/v1/chat/completions", {"model": "m"}),
    }
    # a fine-tune file is no batch input; without a file made, no lines are known
    assert sent_lines(FilePlan((FileNeed("training_file", "fine-tune", content, "x.jsonl"),))) is None
    assert sent_lines(FilePlan()) is None


def test_jsonl_reads_lines_and_names_the_first_that_is_not_json() -> None:
    assert jsonl(b'{"a": 1}\n\n[2]\n') == [{"a": 1}, [2]]
    assert jsonl(b"") == []
    assert jsonl(b'{"a": 1}\nnot json\n') == "line 2 is not JSON: 'not json'"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"request_counts": {"total": 2, "completed": 1, "failed": 1}}, Counts(2, 1, 1)),
        ({"status": "completed"}, None),
        ({"request_counts": None}, None),
        (
            {"request_counts": {"total": 2, "completed": "1", "failed": 1}},
            'request_counts is not three counts (total, completed, failed): {"total": 2, "completed": "1", '
            '"failed": 1}',
        ),
        (
            {"request_counts": {"total": 2, "completed": True, "failed": 1}},
            'request_counts is not three counts (total, completed, failed): {"total": 2, "completed": true, '
            '"failed": 1}',
        ),
    ],
)
def test_request_counts_are_read_from_the_poll_answer(body: dict[str, Any], expected: object) -> None:
    assert read_counts(body) == expected


def test_counts_add_up_to_the_total_and_the_lines_sent() -> None:
    assert counts_problem(Counts(2, 2, 0), "completed", succeeded=True, sent=2) is None
    assert counts_problem(Counts(2, 0, 2), "completed", succeeded=True, sent=2) is None
    assert counts_problem(Counts(2, 0, 0), "failed", succeeded=False, sent=2) is None  # failed early
    assert counts_problem(Counts(2, 2, 1), "failed", succeeded=False, sent=2) == (
        "request_counts (total 2, completed 2, failed 1): completed + failed exceeds total"
    )
    assert counts_problem(Counts(2, 1, 0), "completed", succeeded=True, sent=2) == (
        "a completed batch's request_counts (total 2, completed 1, failed 0): completed + failed is not total"
    )
    assert counts_problem(Counts(3, 3, 0), "completed", succeeded=True, sent=2) == (
        "a completed batch's request_counts (total 3, completed 3, failed 0): total is not the 2 lines sent"
    )
    assert counts_problem(Counts(3, 3, 0), "completed", succeeded=True, sent=None) is None


HEAD = "every line of the batch failed (2 of 2), so nothing of its success path ran"


def test_a_batch_whose_lines_all_failed_is_skipped_with_the_first_error_lines_message() -> None:
    refused = {
        "custom_id": "gatewright-1",
        "response": {"status_code": 404, "body": {"error": "The model 'x' does not exist.", "code": "c"}},
        "error": None,
    }
    assert failed_reason(2, [refused, {}]) == (
        f"{HEAD}: the gateway does not serve the model sent (The model 'x' does not exist.); "
        "name the models it serves with --model"
    )
    # OpenAI's line-level error (no response): its message; a message that is not about the model, as said
    quota = {
        "custom_id": "gatewright-1",
        "response": None,
        "error": {"code": "q", "message": "Quota exceeded."},
    }
    assert failed_reason(2, [quota]) == f"{HEAD}: Quota exceeded."
    assert failed_reason(2, []) == f"{HEAD}; the gateway gave no error file"


@pytest.fixture(scope="module")
def ipop_judge() -> BatchJudge:
    spec = load_spec("ipop")
    adapter = SchemathesisAdapter(
        spec.document,
        base_url="http://127.0.0.1:9",
        redactor=Redactor(None),
        auth=lambda _: ({}, {}),
        timeout=1.0,
        limiter=RateLimiter(None),
        seed=1,
    )
    judge = BatchJudge.of(spec, adapter, spec.operation("getBatchesByBatchId"))
    assert judge is not None
    return judge


def test_a_judge_applies_where_the_poll_answers_request_counts(ipop_judge: BatchJudge) -> None:
    spec = ipop_judge.spec
    content = content_operation(spec)
    assert content is not None and content.operation_id == "getFilesByFileIdContent"
    assert ipop_judge.content is content
    # a poll whose answer declares no request_counts (a fine-tuning job) is no batch
    assert BatchJudge.of(spec, ipop_judge.adapter, spec.operation("getFineTuningJobsByJobId")) is None


def test_an_output_lines_body_is_judged_against_its_routes_response_schema(ipop_judge: BatchJudge) -> None:
    request = SentLine("gatewright-1", "POST", "/v1/chat/completions", {"model": "deepseek-v4-flash"})
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "deepseek-v4-flash",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    assert ipop_judge._body_failures(request, 200, completion) == []
    [failure] = ipop_judge._body_failures(request, 200, {**completion, "created": "yesterday"})
    assert failure.check == "response_schema_conformance"
    assert failure.message.startswith('"yesterday" is not of type "integer"')
