"""verify judges a finished batch by what its lines did: its counts, its output and its error file.

verify passed a batch that reached ``completed`` whatever its lines came to: against a gateway that failed
every line (each named a model it does not serve, ``request_counts.failed == total``) the lifecycle was
"passed" though nothing of the batch's success path ran. It now reads ``request_counts`` and, for a batch
that succeeded, the output and error files through ``GET /v1/files/{file_id}/content``: every line failed,
the unit is skipped with the gateway's message from the first error line; an output line whose body breaks
the schema of the route it called is a finding. Against ipop's realistic upstream (``realfiles.py``) over a
real socket.

A batch where some lines got a 5xx and the others succeeded passed: only a batch whose every line failed was
looked at for 5xx. Any line the gateway failed with a 5xx is now a finding naming it. And the files the
gateway wrote for verify's batch (its output and error file) stayed in the user's account: only the input
file verify uploaded was deleted. They are now deleted with it, a refused delete named in the unit's notes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from realgateway import KEY, RealGateway

from gatewright.cli import main
from gatewright.testing import serve_app

pytestmark = pytest.mark.slow  # a verify run per test against an upstream that answers slowly (``DELAY``)

SERVED = "deepseek-v4-flash"  # a model of ipop's catalog the upstream serves
RETIRED = "grok-4.3"  # one of the catalog it does not serve


def _verify(gateway: RealGateway, report_dir: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    with serve_app(gateway.app()) as url:
        code = main(
            [
                "verify", "--api", "ipop", "--base-url", url, "--api-key", KEY, "--max-examples", "1",
                "--seed", "1", "--phases", "lifecycle", "--include", "postBatches",
                "--report-dir", str(report_dir), *extra,
            ]
        )  # fmt: skip
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    return code, next(u for u in report["units"] if u["unit_id"] == "lifecycle:postBatches")


def _completed(gateway: RealGateway) -> dict[str, Any]:
    [batch] = [b for b in gateway.files.batches.values() if b["status"] == "completed"]
    return batch


def _all_deleted(gateway: RealGateway, *made: str | None) -> None:
    """Nothing verify's run made is left in the upstream's store: the input files verify uploaded (the
    lifecycle's batch and the one it cancels) and ``made``, the files the gateway wrote for the batch."""
    inputs = [batch["input_file_id"] for batch in gateway.files.batches.values()]
    assert len(inputs) == 2 and None not in made
    assert gateway.files.files == {}
    assert sorted(gateway.files.deleted) == sorted([*inputs, *made])


REFUSED = (
    "every line of the batch failed (2 of 2), so nothing of its success path ran: the gateway "
    f"does not serve the model sent (The model '{RETIRED}' does not exist or is not served by this "
    "gateway.); name the models it serves with --model"
)


def test_a_batch_whose_every_line_failed_is_skipped_with_the_upstreams_message(tmp_path: Path) -> None:
    """As OpenAI's, the batch completed with no output file (``output_file_id`` null): no result is looked
    for at ipop's ``result: /output_file_id`` (it was a ``task_result`` finding, the unit failed)."""
    gateway = RealGateway(served={SERVED: "chat"})
    code, unit = _verify(gateway, tmp_path, "--model", RETIRED)  # every line names a model it does not serve
    batch = _completed(gateway)
    assert batch["request_counts"] == {"total": 2, "completed": 0, "failed": 2}
    assert batch["output_file_id"] is None and isinstance(batch["error_file_id"], str)
    assert code == 0 and unit["outcome"] == "skipped" and unit["findings"] == []
    assert unit["skipped"] == REFUSED
    # the error file was read, by the content route, through the run's sender (counted as calls of the unit)
    assert gateway.files.read == [batch["error_file_id"]]
    assert unit["checks"]["task_batch_counts"] == 1 and unit["checks"]["task_batch_output"] == 1
    assert "task_result" not in unit["checks"]
    _all_deleted(gateway, batch["error_file_id"])


def test_failed_lines_in_the_output_file_count_as_failed(tmp_path: Path) -> None:
    """A gateway that writes its failed lines (non-2xx ``status_code``) to the output file, no error file:
    the line format allows it, so every line failed and the unit is skipped (it was "0 output and 2 error
    lines" expected, a finding)."""
    gateway = RealGateway(served={SERVED: "chat"})
    gateway.files.errors_in_output = True
    code, unit = _verify(gateway, tmp_path, "--model", RETIRED)
    batch = _completed(gateway)
    assert batch["request_counts"] == {"total": 2, "completed": 0, "failed": 2}
    assert isinstance(batch["output_file_id"], str) and batch["error_file_id"] is None
    assert gateway.files.read == [batch["output_file_id"]]
    assert code == 0 and unit["outcome"] == "skipped" and unit["findings"] == []
    assert unit["skipped"] == REFUSED


def test_a_batch_whose_every_line_failed_with_a_5xx_fails_with_the_gateways_message(tmp_path: Path) -> None:
    """Lines the gateway failed (503: its upstream down) are no refusal of what verify sent: a finding, exit 1
    (it was skipped, exit 0), shown with the error file's download, naming each line so failed."""
    gateway = RealGateway(served={SERVED: "chat"})
    gateway.files.upstream_down = True
    code, unit = _verify(gateway, tmp_path)
    batch = _completed(gateway)
    assert batch["request_counts"] == {"total": 2, "completed": 0, "failed": 2}
    assert code == 1 and unit["outcome"] == "failed" and unit["skipped"] is None
    [finding] = unit["findings"]
    assert finding["check"] == "task_batch_output"
    assert finding["title"] == "Every batch line failed with a server error"
    assert finding["message"] == (
        'every line of the batch failed (2 of 2), 2 with a server error: line "gatewright-1" got 503 '
        f"(The upstream provider of '{SERVED}' is unavailable; retry later.), "
        'line "gatewright-2" got 503'
    )
    assert finding["exchange"]["url"].endswith(f"/v1/files/{batch['error_file_id']}/content")
    assert "task_result" not in unit["checks"]
    _all_deleted(gateway, batch["error_file_id"])


def test_a_good_batch_passes_with_its_output_lines_judged(tmp_path: Path) -> None:
    gateway = RealGateway(served={SERVED: "chat"})
    code, unit = _verify(gateway, tmp_path)
    batch = _completed(gateway)
    assert batch["request_counts"] == {"total": 2, "completed": 2, "failed": 0}
    assert batch["error_file_id"] is None
    assert code == 0 and unit["outcome"] == "passed" and unit["findings"] == [] and unit["skipped"] is None
    assert gateway.files.read == [batch["output_file_id"]]
    assert unit["checks"]["task_batch_counts"] == 1 and unit["checks"]["task_batch_output"] == 1
    # the output file the gateway wrote went with the input files verify uploaded, after it was read
    _all_deleted(gateway, batch["output_file_id"])
    assert not [note for note in unit["notes"] if note.startswith("left on the gateway")]


def test_a_batch_with_one_line_failed_by_a_5xx_among_successes_fails_naming_the_line(tmp_path: Path) -> None:
    """One line's upstream answered 503, the other line completed: the batch "passed" (only a batch whose
    every line failed was looked at for 5xx); it is a finding naming the line, shown with the error file."""
    gateway = RealGateway(served={SERVED: "chat"})
    gateway.files.down_for = frozenset({"gatewright-2"})
    code, unit = _verify(gateway, tmp_path)
    batch = _completed(gateway)
    assert batch["request_counts"] == {"total": 2, "completed": 1, "failed": 1}
    assert code == 1 and unit["outcome"] == "failed" and unit["skipped"] is None
    [finding] = unit["findings"]
    assert finding["check"] == "task_batch_output"
    assert finding["title"] == "Batch lines failed with a server error"
    assert finding["message"] == (
        '1 of the batch\'s 2 lines failed with a server error: line "gatewright-2" got 503 '
        f"(The upstream provider of '{SERVED}' is unavailable; retry later.)"
    )
    assert finding["exchange"]["url"].endswith(f"/v1/files/{batch['error_file_id']}/content")
    # the line that completed was judged, and the task's result looked for: the success path ran
    assert gateway.files.read == [batch["output_file_id"], batch["error_file_id"]]
    assert unit["checks"]["task_batch_output"] == 1 and unit["checks"]["task_result"] == 1
    _all_deleted(gateway, batch["output_file_id"], batch["error_file_id"])


def test_a_batch_file_the_gateway_will_not_delete_is_named_and_the_unit_still_passes(tmp_path: Path) -> None:
    gateway = RealGateway(served={SERVED: "chat"})
    gateway.files.keeps_outputs = True
    code, unit = _verify(gateway, tmp_path)
    batch = _completed(gateway)
    assert code == 0 and unit["outcome"] == "passed" and unit["findings"] == []
    assert [item["id"] for item in gateway.files.files.values()] == [batch["output_file_id"]]
    left = [note for note in unit["notes"] if note.startswith("left on the gateway")]
    assert left == [
        "left on the gateway (made by verify, not deleted): the output file of verify's batch "
        f"(output_file_id): {batch['output_file_id']} (DELETE /v1/files/{{file_id}} answered 400)"
    ]


def test_an_output_line_whose_body_breaks_its_routes_schema_fails_the_batch(tmp_path: Path) -> None:
    gateway = RealGateway(served={SERVED: "chat"})
    gateway.files.bad_output = True  # each completion's ``created`` is a string
    code, unit = _verify(gateway, tmp_path)
    assert code == 1 and unit["outcome"] == "failed"
    # one finding for the two lines (findings group by signature), shown with the first line and its count
    [finding] = unit["findings"]
    assert finding["check"] == "task_batch_output" and finding["count"] == 2
    assert finding["title"] == "Batch output line violates its route's schema"
    assert finding["message"].startswith("output line 1 (gatewright-1), POST /v1/chat/completions: ")
    assert '"yesterday" is not of type "integer"' in finding["message"]
    # the finding shows the download of the output file it was read from, sent by the run's one sender
    batch = _completed(gateway)
    assert finding["exchange"]["url"].endswith(f"/v1/files/{batch['output_file_id']}/content")
    assert "x-api-key: [REDACTED]" in finding["curl"] and KEY not in json.dumps(unit)
