"""``--budget``: the run sends at most that many requests, and says what it skipped (as it does of a
unit that had nothing to send)."""

from __future__ import annotations

from typing import Any

import pytest

from gatewright.conformance import Report, RunOptions, run_conformance
from gatewright.conformance.limiter import BudgetSpent, RateLimiter
from gatewright.conformance.runner import NOTHING_SENT
from gatewright.mock import create_app
from gatewright.mock.journal import JournalEntry
from gatewright.mock.keys import CONTROL
from gatewright.testing import serve_app


def _run(api: str, **options: Any) -> tuple[Report, list[JournalEntry], RunOptions]:
    """A run against a fresh mock of ``api`` (seed 1, 3 examples unless told): its report, every
    request the mock served, and the options."""
    app = create_app([api], seed=1, access_log=False)
    with serve_app(app) as url:
        run = RunOptions(
            **{
                "base_url": url,
                "api": api,
                "api_key": "sk-budget-test",
                "max_examples": 3,
                "seed": 1,
                **options,
            }
        )
        report = run_conformance(run)
    return report, app[CONTROL].journal(), run


def test_the_run_stops_sending_when_the_budget_is_spent() -> None:
    report, served, options = _run("empiriolabs", budget=12)
    sent = len(served)  # every request the mock served
    assert 0 < sent <= 12
    skipped = [u for u in report.units if u.skipped is not None and "budget" in u.skipped]
    assert len(skipped) >= len(report.units) - 12  # everything after the budget ran out says so
    cut = [u for u in report.units if any("budget" in note for note in u.notes)]
    # the unit running on the main thread when it ran out, and lifecycle units polling beside it
    assert len([u for u in cut if u.kind != "lifecycle"]) <= 1
    assert len(cut) <= 1 + options.lifecycle_workers
    assert not [u for u in report.units if u.error is not None]


def test_a_token_budget_stops_the_run_after_about_that_many_tokens() -> None:
    report, served, _ = _run("empiriolabs", budget_tokens=2000)
    sent = len(served)
    assert sent > 0
    skipped = [u for u in report.units if u.skipped is not None and "--budget-tokens of 2000" in u.skipped]
    assert skipped, [u.skipped for u in report.units]
    assert not [u for u in report.units if u.error is not None]


def test_the_limiter_estimates_tokens_from_bytes_and_says_what_ran_out() -> None:
    limiter = RateLimiter(None, budget_tokens=10)
    limiter.wait()
    limiter.charge(sent=20, received=21)  # 41 bytes: 11 tokens at 4 bytes a token, rounded up
    assert limiter.tokens == 11 and limiter.spent and limiter.budgeted
    with pytest.raises(BudgetSpent, match="--budget-tokens of 10 estimated tokens"):
        limiter.wait()
    assert not RateLimiter(None).budgeted


def test_learning_the_served_models_sends_no_request_past_the_budget() -> None:
    """The models list is asked once, with no checks: schemathesis reads an empty check list as its
    default set, whose ``ignored_auth`` sent two probes of its own that no budget counted."""
    report, served, _ = _run("voxvey", max_examples=5, budget=6, include=("createChatCompletion",))
    assert [entry.path for entry in served].count("/v1/models") == 1  # learned, once
    assert len(served) == 6, [(entry.method, entry.path) for entry in served]
    assert not str(report.settings["models"]).startswith(("none known", "not asked")), report.settings


def test_a_unit_that_sends_nothing_is_skipped_not_passed() -> None:
    """``--phases examples`` and an operation the spec gives no example: the unit ran and sent
    nothing, which is no pass (a run against the wrong server looked green this way)."""
    report, _, _ = _run(
        "voxvey", max_examples=2, phases=("examples",), include=("createEmbedding", "createChatCompletion")
    )
    units = {unit.unit_id: unit for unit in report.units}
    assert units["createEmbedding"].calls == 0
    assert units["createEmbedding"].outcome == "skipped"
    assert units["createEmbedding"].skipped == NOTHING_SENT
    assert units["createChatCompletion"].calls > 0 and units["createChatCompletion"].outcome == "passed"
