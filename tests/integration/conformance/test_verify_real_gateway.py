"""verify against a gateway that behaves like real ones: it serves two models, refuses the rest with a
400 naming the model, sends ``param: null``, refuses empty input, carries two dozen headers, ends its
stream bodies a moment after ``data: [DONE]``, and wants the key on the models list its spec marks
public.

What it reports is exactly the planted deviations, each distinct failure once with its count; none
of the false positives such a gateway used to draw (valid data "rejected" for an unserved or empty
model, streams and compatibility claims judged with ``model: ""``, served models unknown because the
public models list was asked without the key, a 401 for every undeclared method of that route).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from realgateway import CHAT_MODEL, EMBED_MODEL, KEY, SPEC, SYSTEM_CRASH, THREE_CRASH, real_gateway

from gatewright.cli import main
from gatewright.conformance import REDACTED, Report, RunOptions, run_conformance

pytestmark = pytest.mark.slow  # a whole verify run, every phase, against a realistic gateway

PHASES = ("examples", "coverage", "fuzzing", "stream", "compatibility")
# the realistic gateway's spec, as the spec_path fixture (tests/conftest.py)
SPEC_DOCUMENT, SPEC_ID = SPEC, "real"


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    with real_gateway() as url:
        yield url


@pytest.fixture(scope="module")
def report(gateway: str, spec_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    options = RunOptions(
        base_url=gateway,
        spec_path=spec_path,
        api_key=KEY,
        models=(CHAT_MODEL, EMBED_MODEL),
        max_examples=10,
        seed=3,
        phases=PHASES,
        stream_timeout=2.0,
        report_dir=tmp_path_factory.mktemp("report"),
    )
    return run_conformance(options)


def test_only_the_planted_deviations_are_reported(report: Report) -> None:
    found = {(f.operation, f.check) for f in report.findings}
    assert found == {
        ("createChatCompletion", "not_a_server_error"),
        ("createEmbeddings", "ignored_auth"),
        ("listModels", "public_access"),
    }
    assert not [unit.unit_id for unit in report.units if unit.error], [u.error for u in report.units]


def test_different_500s_stay_different_groups_with_counts(report: Report) -> None:
    crashes = [f for f in report.findings if f.check == "not_a_server_error"]
    assert sorted(f.summary for f in crashes) == sorted([SYSTEM_CRASH, THREE_CRASH])
    assert all(f.status == 500 and f.count >= 1 for f in crashes)
    assert sum(f.count for f in crashes) > len(crashes)  # seen more often than kept
    for finding in crashes:  # each example is the exchange that crashed
        assert finding.exchange is not None and finding.exchange.status == 500
        assert finding.summary in (finding.exchange.response_body or "")


def test_positive_requests_name_served_models_and_no_empty_required_strings(report: Report) -> None:
    for finding in report.findings:
        assert finding.exchange is not None
        if finding.operation == "listModels":  # a GET: no body, no model
            continue
        assert finding.exchange.request_body is not None
        body = json.loads(finding.exchange.request_body)
        assert body["model"] == (EMBED_MODEL if finding.operation == "createEmbeddings" else CHAT_MODEL)
        assert '""' not in finding.exchange.request_body
    stream = next(unit for unit in report.units if unit.kind == "stream")
    compat = next(unit for unit in report.units if unit.kind == "compatibility")
    assert stream.outcome == compat.outcome == "passed"
    assert not any("not supported" in note or "not judged" in note for note in compat.notes), compat.notes


def test_an_ignored_auth_finding_shows_the_probe_with_its_credential_redacted(report: Report) -> None:
    finding = next(f for f in report.findings if f.check == "ignored_auth")
    exchange = finding.exchange
    assert exchange is not None and exchange.status == 200
    assert exchange.request_headers["Authorization"] == f"Bearer {REDACTED}"
    caller = {name.lower(): value for name, value in exchange.response_headers.items()}["x-caller"]
    assert caller == "unknown"  # the gateway's answer to the made-up credential, not to the key
    assert f"Authorization: Bearer {REDACTED}" in finding.curl
    assert KEY not in finding.curl


def test_a_public_route_that_wants_the_key_is_one_finding_shown_as_the_probe_without_it(
    report: Report,
) -> None:
    """The spec marks ``GET /v1/models`` public; the gateway wants the key there. verify sends the key,
    as clients do (so the route's answers are judged, and its undeclared methods answer 405, not
    401), and probes once without it: one finding, whose exchange and curl carry no credential."""
    [finding] = [f for f in report.findings if f.operation == "listModels"]
    assert (finding.check, finding.status, finding.count) == ("public_access", 401, 1)
    assert "No api key passed in" in finding.summary
    exchange = finding.exchange
    assert exchange is not None and exchange.status == 401 and exchange.method == "GET"
    assert "authorization" not in {name.lower() for name in exchange.request_headers}
    assert "Authorization" not in finding.curl and KEY not in finding.curl
    assert finding.spec_pointer == "/paths/~1v1~1models/get/security"
    unit = next(unit for unit in report.units if unit.unit_id == "listModels")
    assert unit.checks.get("public_access", 0) >= 1 and unit.calls > 1


def test_headers_that_merely_mention_a_key_are_not_redacted(report: Report) -> None:
    exchange = next(f.exchange for f in report.findings if f.check == "not_a_server_error")
    assert exchange is not None
    headers = {name.lower(): value for name, value in exchange.response_headers.items()}
    assert headers["x-litellm-key-spend"] == "0"


def test_the_html_shows_status_and_message_collapsed_and_folds_bulky_headers(report: Report) -> None:
    assert report.settings["models"] == f"{CHAT_MODEL}, {EMBED_MODEL} (--model)"
    from gatewright.conformance.reporting import render_html

    html = render_html(report)
    summaries = [part.split("</summary>")[0] for part in html.split("<summary>")[1:]]
    for crash in (f for f in report.findings if f.check == "not_a_server_error"):
        shown = [s for s in summaries if "500" in s and escape(crash.summary) in s]
        assert shown, (crash.summary, summaries)
        # how often it was seen is said once it was seen more than once (the draws decide how often)
        assert (f"seen {crash.count} times" in shown[0]) == (crash.count > 1), shown[0]
    assert any("headers</summary>" in part for part in html.split("<details class='headers'>")[1:])


def test_without_model_verify_reads_the_apis_models_list(
    gateway: str, spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "verify",
            "--spec",
            str(spec_path),
            "--base-url",
            gateway,
            "--api-key",
            KEY,
            "--phases",
            "stream,compatibility",  # no fuzzing: what is judged is only what names a model
            "--report-dir",
            str(tmp_path),
        ]
    )
    assert code == 0, capsys.readouterr()
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["settings"]["models"] == f"{CHAT_MODEL}, {EMBED_MODEL} (GET /v1/models)"
    assert data["summary"]["findings"] == 0


def test_a_stream_body_left_open_after_done_longer_than_the_read_timeout_has_ended(
    spec_path: Path, tmp_path: Path
) -> None:
    """The SDKs stop at ``data: [DONE]``; a body the gateway keeps open, silent, past verify's read
    timeout after it is not a stream that "never ended"."""
    with real_gateway(linger=1.5) as url:
        report = run_conformance(
            RunOptions(
                base_url=url,
                spec_path=spec_path,
                api_key=KEY,
                phases=("stream",),
                stream_timeout=0.5,
                report_dir=tmp_path,
            )
        )
    [unit] = report.units
    assert unit.outcome == "passed", [f.summary for f in unit.findings]
