"""The judging of a finished batch (``conformance.batch_output``): counts, files, the skip reason."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from offline_adapter import offline_adapter
from schemathesis.core.transport import Response

from gatewright.conformance.batch_output import (
    BatchJudge,
    Counts,
    SentLine,
    counts_problem,
    failed_reason,
    jsonl,
    line_failed,
    read_counts,
    sent_lines,
    server_failure,
)
from gatewright.conformance.limiter import BudgetSpent
from gatewright.conformance.made_files import FileNeed, FilePlan, content_operation
from gatewright.conformance.models import UnitResult
from gatewright.conformance.runs import CaseRun
from gatewright.conformance.units import UnitContext
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
    assert jsonl(b'{"a": 1}\r\n\r\n[2]') == [{"a": 1}, [2]]  # CRLF line ends, a blank line between


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_a_line_separator_json_allows_raw_in_a_string_does_not_end_a_line(separator: str) -> None:
    """JSON lets U+2028, U+2029 and U+0085 stand unescaped in a string (``json.dumps(ensure_ascii=False)``
    writes them so); ``str.splitlines`` ended the line there, and a good file was "not JSON"."""
    line = {"custom_id": "gatewright-1", "response": {"body": {"text": f"one{separator}two"}}}
    data = (json.dumps(line, ensure_ascii=False) + "\n" + json.dumps({"custom_id": "x"}) + "\n").encode()
    assert jsonl(data) == [line, {"custom_id": "x"}]


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
    adapter = offline_adapter(spec.document)
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


def test_a_batch_line_failed_where_it_has_an_error_or_a_non_2xx_answer() -> None:
    assert line_failed({"response": {"status_code": 200, "body": {}}, "error": None}) is False
    assert line_failed({"response": {"status_code": 404, "body": {}}, "error": None}) is True
    assert line_failed({"response": None, "error": {"code": "q", "message": "Quota exceeded."}}) is True
    assert line_failed({"custom_id": "gatewright-1"}) is False  # no answer at all: ``_lines`` says so


def test_lines_failed_with_a_5xx_are_the_gateway_failing_not_a_skip() -> None:
    refused = {"custom_id": "gatewright-1", "response": {"status_code": 404, "body": {"error": "No model."}}}
    down = {"custom_id": "gatewright-2", "response": {"status_code": 502, "body": {"error": "Bad gateway."}}}
    assert server_failure(2, [refused, {**refused, "custom_id": "gatewright-2"}], every=True) is None
    assert server_failure(2, [refused, down], every=True) == (
        'every line of the batch failed (2 of 2), 1 with a server error: line "gatewright-2" got 502 '
        "(Bad gateway.)"
    )
    # some lines completed: the 5xx among the failed lines is a finding all the same, the 4xx is not
    assert server_failure(3, [refused, down], every=False) == (
        '1 of the batch\'s 3 lines failed with a server error: line "gatewright-2" got 502 (Bad gateway.)'
    )


def test_a_server_failure_names_each_line_so_failed_up_to_five() -> None:
    """The gateway's word is the first line's; the others by custom_id and status, past five a count."""
    down = [
        {
            "custom_id": f"gatewright-{n}",
            "response": {"status_code": 500 + n, "body": {"error": f"Down {n}."}},
        }
        for n in range(1, 8)
    ]
    assert server_failure(9, down, every=False) == (
        "7 of the batch's 9 lines failed with a server error: "
        'line "gatewright-1" got 501 (Down 1.), line "gatewright-2" got 502, line "gatewright-3" got 503, '
        'line "gatewright-4" got 504, line "gatewright-5" got 505, and 2 more'
    )


# -- the judge over files a fake sender serves ----------------------------------------------------------

POLL = "getBatchesByBatchId"
STATES: Any = {"succeeded": ["completed"], "failed": ["failed"]}
OK = {"status_code": 200, "body": {"id": "chatcmpl-1"}}


def _run(body: Any, status: int = 200) -> CaseRun:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = requests.Request("GET", "http://127.0.0.1:9/x").prepare()
    answer = Response(status, {"content-type": ["application/json"]}, content, sent, 0.0, True)
    return CaseRun(None, answer, "lifecycle")


def _judged(
    judge: BatchJudge,
    monkeypatch: pytest.MonkeyPatch,
    poll: dict[str, Any],
    files: dict[str, list[Any]],
    result: UnitResult | None = None,
) -> tuple[bool, UnitResult]:
    """Judge the batch ``poll`` shows into ``result``, each file id's content route answering ``files``'
    lines (a file named ``budget`` raises ``BudgetSpent``, as the gate does once the budget is spent)."""

    def send(case: Any, **_: Any) -> CaseRun:
        file_id = case.path_parameters["file_id"]
        if file_id == "budget":
            raise BudgetSpent("the --budget of 3 requests is spent")
        return _run(b"".join(json.dumps(line).encode() + b"\n" for line in files[file_id]))

    monkeypatch.setattr(judge.adapter, "send", send)
    result = result or UnitResult("lifecycle:postBatches", "lifecycle", "postBatches", "POST /v1/batches")
    ctx = UnitContext(judge.spec, judge.spec.operation("postBatches"), result, lambda _: None)
    return judge.judge(ctx, _run(poll), "completed", STATES, None), result


def _line(custom_id: str, response: Any) -> dict[str, Any]:
    return {"custom_id": custom_id, "response": response, "error": None}


def test_the_files_lines_together_match_the_counts_wherever_a_failed_line_is(
    ipop_judge: BatchJudge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gateway that writes a 404 line in the output file (no error file) counts it failed: one output file
    of two lines for completed 1 + failed 1 is right (it was "2 output and 0 error lines", a finding)."""
    refused = {"status_code": 404, "body": {"error": "No such model."}}
    poll = {
        "status": "completed",
        "request_counts": {"total": 2, "completed": 1, "failed": 1},
        "output_file_id": "out",
        "error_file_id": None,
    }
    files = {"out": [_line("gatewright-1", OK), _line("gatewright-2", refused)]}
    failed, result = _judged(ipop_judge, monkeypatch, poll, files)
    assert failed is False and result.findings == [] and result.skipped is None
    assert result.checks["task_batch_counts"] == 1 and result.checks["task_batch_output"] == 1
    # one line too few in the files, wherever they are: a finding
    three = {**poll, "request_counts": {"total": 3, "completed": 1, "failed": 2}}
    _, short = _judged(ipop_judge, monkeypatch, three, files)
    [finding] = short.findings
    assert finding.title == "Batch files do not match its counts"
    assert finding.message == "2 output and 0 error lines for 1 completed and 2 failed requests"


def test_a_5xx_line_among_completed_ones_is_a_finding_naming_it_a_4xx_line_none(
    ipop_judge: BatchJudge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a batch whose every line failed was looked at for 5xx: one completed line let a 502 pass."""
    refused = {"status_code": 404, "body": {"error": "No such model."}}
    down = {"status_code": 502, "body": {"error": "Upstream unavailable."}}
    poll = {
        "status": "completed",
        "request_counts": {"total": 3, "completed": 1, "failed": 2},
        "output_file_id": "out",
        "error_file_id": "err",
    }
    files = {
        "out": [_line("gatewright-1", OK)],
        "err": [_line("gatewright-2", refused), _line("gatewright-3", down)],
    }
    failed, result = _judged(ipop_judge, monkeypatch, poll, files)
    assert failed is False and result.skipped is None  # the success path ran: the result is still looked at
    [finding] = result.findings
    assert finding.check == "task_batch_output" and finding.title == "Batch lines failed with a server error"
    assert finding.message == (
        "1 of the batch's 3 lines failed with a server error: "
        'line "gatewright-3" got 502 (Upstream unavailable.)'
    )
    # the 4xx alone (the gateway refusing what verify sent) is no finding
    files["err"] = [_line("gatewright-2", refused), _line("gatewright-3", refused)]
    _, refusals = _judged(ipop_judge, monkeypatch, poll, files)
    assert refusals.findings == [] and refusals.skipped is None


def test_a_budget_spent_reading_the_files_leaves_the_output_check_not_run(
    ipop_judge: BatchJudge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It counted ``task_batch_output`` as run (once) though no file was read."""
    poll = {
        "status": "completed",
        "request_counts": {"total": 2, "completed": 2, "failed": 0},
        "output_file_id": "budget",
        "error_file_id": None,
    }
    judged = UnitResult("lifecycle:postBatches", "lifecycle", "postBatches", "POST /v1/batches")
    with pytest.raises(BudgetSpent):  # the runner notes the budget spent during the unit
        _judged(ipop_judge, monkeypatch, poll, {}, judged)
    assert "task_batch_output" not in judged.checks and judged.checks["task_batch_counts"] == 1
    assert judged.notes == ["task_batch_output not checked: the budget ran out reading its files"]
