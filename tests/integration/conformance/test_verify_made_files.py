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

import pytest
import requests
from realgateway import KEY as REAL_KEY
from realgateway import RealGateway

from gatewright.cli import main
from gatewright.testing import add_rules, mock_requests, running_mock, serve_app

KEY = "sk-gatewright-made-files-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}", "x-api-key": KEY}


def _verify(
    url: str, report_dir: Path, *operations: str, key: str = KEY, extra: tuple[str, ...] = ()
) -> tuple[int, dict[str, Any]]:
    included = [arg for op in operations for arg in ("--include", op)]
    code = main(
        [
            "verify", "--api", "ipop", "--base-url", url, "--api-key", key, "--max-examples", "1",
            "--seed", "1", "--phases", "lifecycle", *included, "--report-dir", str(report_dir), *extra,
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
    # every file verify uploaded was deleted, and so were the output files the mock wrote for its batches
    deleted = {
        path.rpartition("/")[2] for method, path, status, _ in calls if method == "DELETE" and status == 204
    }
    outputs = {b["output_file_id"] for b in done}
    assert None not in outputs and set(sent) | outputs <= deleted
    assert not (set(sent) | outputs) & {item["id"] for item in files_left}


def test_an_upload_that_fails_skips_the_lifecycle_saying_so_and_sends_no_create(tmp_path: Path) -> None:
    """The upload answers its documented 402 (payment required): no file, so no create and no finding."""
    with running_mock(["ipop"], seed=1) as url:
        add_rules(url, {"rules": [{"when": {"operation": "postFiles"}, "then": {"status": 402}}]})
        code, units = _verify(url, tmp_path, "postBatches")
        calls = _calls(url)
    unit = units["lifecycle:postBatches"]
    assert code == 0 and unit["outcome"] == "skipped" and unit["findings"] == []
    assert unit["skipped"] == (
        "uploading the batch file input_file_id names (POST /v1/files) failed: it answered 402: "
        "gatewright mock: scripted error"
    )
    assert [(method, path, status) for method, path, status, _ in calls] == [("POST", "/v1/files", 402)]


# A realistic upstream (``realgateway.py``, its ipop routes ``realfiles.py``): slow, ``null`` where OpenAI
# sends it, ipop's own envelope, a model of ipop's catalog it serves (not the spec's first example), and
# no fine-tuning: it refuses an upload of purpose fine-tune with its documented 400.
REAL_MODEL = "deepseek-v4-flash"


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], RealGateway]:
    gateway = RealGateway(served={REAL_MODEL: "chat"})
    with serve_app(gateway.app()) as url:
        report_dir = tmp_path_factory.mktemp("realistic")
        code, units = _verify(url, report_dir, "postBatches", "postFineTuningJobs", key=REAL_KEY)
    return code, units, gateway


def test_against_a_realistic_upstream_a_batch_runs_over_its_uploaded_file_which_is_then_deleted(
    realistic: tuple[int, dict[str, Any], RealGateway],
) -> None:
    code, units, gateway = realistic
    unit = units["lifecycle:postBatches"]
    assert code == 0 and unit["outcome"] == "passed" and unit["findings"] == []
    assert unit["notes"][0].removeprefix("task states: ").split(" -> ")[-1] == "completed"
    files = gateway.files
    inputs = [batch["input_file_id"] for batch in files.batches.values()]
    assert len(inputs) == len(set(inputs)) == 2  # the lifecycle's batch and the one it cancels
    # every line of the input named the model the gateway serves, so it answered every line (the key
    # went to the public models list as ipop's operations take it, x-api-key, and the model was known)
    done = [batch for batch in files.batches.values() if batch["status"] == "completed"]
    assert [batch["request_counts"] for batch in done] == [{"total": 2, "completed": 2, "failed": 0}]
    # both input files deleted, and the output file the gateway wrote for the batch: nothing is left
    assert sorted(files.deleted) == sorted([*inputs, done[0]["output_file_id"]])
    assert files.files == {}


def test_an_upload_the_realistic_upstream_refuses_skips_the_lifecycle_with_its_reason(
    realistic: tuple[int, dict[str, Any], RealGateway],
) -> None:
    _, units, _ = realistic
    unit = units["lifecycle:postFineTuningJobs"]
    assert unit["outcome"] == "skipped" and unit["findings"] == [] and unit["error"] is None
    assert unit["skipped"] == (
        "uploading the fine-tune file training_file names (POST /v1/files) failed: it answered 400: "
        "Unsupported purpose 'fine-tune': this gateway takes batch, assistants."
    )


ATTACH = "postVectorStoresByVectorStoreIdFiles"


def _made_and_deleted(calls: list[tuple[str, str, int, Any]]) -> tuple[list[str], list[str], list[str]]:
    """The stores and files the attaches named (in the path, in the body), and the stores and files
    deleted (2xx; not the attachment the lifecycle cancels by its delete)."""
    attaches = [(p, b) for m, p, _, b in calls if m == "POST" and p.endswith("/files") and p != "/v1/files"]
    stores = [path.split("/")[3] for path, _ in attaches]
    files = [body["file_id"] for _, body in attaches]
    deleted = [p for m, p, s, _ in calls if m == "DELETE" and 200 <= s < 300 and p.count("/") == 3]
    return stores, files, deleted


def test_a_vector_store_attach_runs_on_a_store_and_file_verify_made_then_deletes_both(tmp_path: Path) -> None:
    """verify made no store, so the attach named a generated one and answered its 404: skipped. It now
    creates the store (``POST /v1/vector_stores``) and uploads the file, and deletes both afterwards."""
    with running_mock(["ipop"], seed=1) as url:
        code, units = _verify(url, tmp_path, ATTACH)
        calls = _calls(url)
        stores_left = requests.get(f"{url}/v1/vector_stores", headers=AUTH, timeout=10).json()["data"]
    unit = units[f"lifecycle:{ATTACH}"]
    assert code == 0 and unit["outcome"] == "passed" and unit["findings"] == [] and unit["skipped"] is None
    assert unit["notes"][0].removeprefix("task states: ").split(" -> ")[-1] == "completed"
    stores, files, deleted = _made_and_deleted(calls)
    assert len(stores) == len(files) == 2  # the lifecycle's attach and the one it cancels
    assert [m for m, p, s, _ in calls if (p, s) == ("/v1/vector_stores", 200)] == ["POST", "POST"]
    assert all(s == 200 for m, p, s, _ in calls if m == "POST")  # the store, the file, the attach: made
    assert sorted(deleted) == sorted(
        [f"/v1/vector_stores/{i}" for i in stores] + [f"/v1/files/{i}" for i in files]
    )
    assert not set(stores) & {store["id"] for store in stores_left}


def test_what_verify_made_is_deleted_even_once_the_budget_is_spent(tmp_path: Path) -> None:
    """A budget of three requests is spent on the store, the file and the attach: the deletes of the
    store and the file go out all the same (the user's account is left as it was), and nothing else."""
    with running_mock(["ipop"], seed=1) as url:
        _, units = _verify(url, tmp_path, ATTACH, extra=("--budget", "3"))
        calls = _calls(url)
    unit = units[f"lifecycle:{ATTACH}"]
    assert "--budget of 3 requests spent during this unit" in unit["notes"]
    stores, files, deleted = _made_and_deleted(calls)
    assert deleted == [f"/v1/files/{files[0]}", f"/v1/vector_stores/{stores[0]}"]
    assert [(m, p.split("/")[2]) for m, p, _, _ in calls] == [
        ("POST", "vector_stores"), ("POST", "files"), ("POST", "vector_stores"),
        ("DELETE", "files"), ("DELETE", "vector_stores"),
    ]  # fmt: skip


def test_what_verify_could_not_delete_is_named_by_id_in_the_report(tmp_path: Path) -> None:
    with running_mock(["ipop"], seed=1) as url:
        add_rules(url, {"rules": [{"when": {"operation": "deleteFilesByFileId"}, "then": {"status": 404}}]})
        _, units = _verify(url, tmp_path, ATTACH)
        calls = _calls(url)
    unit = units[f"lifecycle:{ATTACH}"]
    _, files, _ = _made_and_deleted(calls)
    left = [note for note in unit["notes"] if note.startswith("left on the gateway")]
    assert left == [
        "left on the gateway (made by verify, not deleted): "
        + "; ".join(
            f"the assistants file file_id names: {file_id} (DELETE /v1/files/{{file_id}} answered 404)"
            for file_id in reversed(files)
        )
    ]
