"""verify makes the files a lifecycle's create names (``x-gatewright-file-purpose``), then deletes them.

ipop's batch create names an input file "uploaded via POST /v1/files with purpose=batch", its fine-tune
a training file of purpose fine-tune; the mock refuses a file it does not hold or of another purpose,
as the contract says. verify sent generated ids and skipped both lifecycles ("verify uploads nothing
before a lifecycle"). It now uploads a file of the stated purpose through ``POST /v1/files``, names it
in the create, drives the lifecycle and deletes the file; an upload that fails skips the lifecycle
saying so, and the create is not sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from gatewright.cli import main
from gatewright.testing import add_rules, mock_requests, running_mock

KEY = "sk-gatewright-made-files-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}", "x-api-key": KEY}


def _verify(url: str, report_dir: Path, *operations: str) -> tuple[int, dict[str, Any]]:
    included = [arg for op in operations for arg in ("--include", op)]
    code = main(
        [
            "verify", "--api", "ipop", "--base-url", url, "--api-key", KEY, "--max-examples", "1",
            "--seed", "1", "--phases", "lifecycle", *included, "--report-dir", str(report_dir),
        ]
    )  # fmt: skip
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    return code, {u["unit_id"]: u for u in report["units"]}


def _calls(url: str) -> list[tuple[str, str, int, Any]]:
    """What reached the mock past verify's preflight: method, path, status, JSON body."""
    return [
        (r["method"], r["path"], r["status"], r["body"])
        for r in mock_requests(url)
        if r["path"] not in ("/", "/v1/models")
    ]


def test_a_batch_and_a_fine_tune_are_driven_over_files_uploaded_for_their_purpose(tmp_path: Path) -> None:
    with running_mock(["ipop"], seed=1) as url:
        code, units = _verify(url, tmp_path, "postBatches", "postFineTuningJobs")
        calls = _calls(url)
        batches = requests.get(f"{url}/v1/batches", headers=AUTH, timeout=10).json()["data"]
        files_left = requests.get(f"{url}/v1/files", headers=AUTH, timeout=10).json()["data"]
    batch, fine_tune = units["lifecycle:postBatches"], units["lifecycle:postFineTuningJobs"]
    assert code == 0 and batch["findings"] == [] and fine_tune["findings"] == []
    assert batch["outcome"] == fine_tune["outcome"] == "passed"
    # polled to the end (the first poll may come after the first state, on a busy machine)
    assert batch["notes"][0].removeprefix("task states: ").split(" -> ")[-1] == "completed"
    assert fine_tune["notes"][0].removeprefix("task states: ").split(" -> ")[-1] == "succeeded"
    # each create (the lifecycle's and the one it cancels) names a file of its own, uploaded for it (the
    # mock refuses a file it does not hold or of another purpose, so the create's 200 says which)
    creates = [(path, body) for method, path, status, body in calls if method == "POST" and status == 200]
    named = {"/v1/batches": "input_file_id", "/v1/fine_tuning/jobs": "training_file"}
    sent = [body[named[path]] for path, body in creates if path in named]
    assert len(sent) == len(set(sent)) == 4  # two batch creates, two fine-tune creates
    uploads = [path for path, _ in creates if path == "/v1/files"]
    validated = [b for _, b in creates if isinstance(b, dict) and isinstance(b.get("validation_file"), str)]
    assert len(uploads) == 4 + len(validated)  # a fine-tune naming a validation file gets one too
    # the batch input was JSONL the mock answered line by line: two requests, both answered
    done = [b for b in batches if b["status"] == "completed"]
    assert done and all(b["request_counts"] == {"total": 2, "completed": 2, "failed": 0} for b in done)
    # every file verify uploaded was deleted, the batch's own output files kept
    deleted = {
        path.rpartition("/")[2] for method, path, status, _ in calls if method == "DELETE" and status == 204
    }
    assert set(sent) <= deleted
    assert not set(sent) & {item["id"] for item in files_left}


def test_an_upload_that_fails_skips_the_lifecycle_saying_so_and_sends_no_create(tmp_path: Path) -> None:
    """The upload answers its documented 402 (payment required): no file, so no create and no finding."""
    with running_mock(["ipop"], seed=1) as url:
        add_rules(url, {"rules": [{"when": {"operation": "postFiles"}, "then": {"status": 402}}]})
        code, units = _verify(url, tmp_path, "postBatches")
        calls = _calls(url)
    unit = units["lifecycle:postBatches"]
    assert code == 0 and unit["outcome"] == "skipped" and unit["findings"] == []
    assert unit["skipped"] == (
        "uploading the batch file input_file_id names (POST /v1/files) failed: it answered 402"
    )
    assert [(method, path, status) for method, path, status, _ in calls] == [("POST", "/v1/files", 402)]
