"""An operation unit's phases, in ``st run``'s order: documented examples, coverage, fuzzing.

Each case is sent and checked by the adapter (``SchemathesisAdapter.send``) and handed to ``on_run``.
Nothing raises into hypothesis but a give-up (a spent budget, Ctrl-C), so no time is spent shrinking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from gatewright.conformance.cases import mode_of
from gatewright.conformance.checks import PUBLIC_ACCESS
from gatewright.conformance.limiter import BudgetSpent, RunStopped
from gatewright.conformance.runs import CaseRun

if TYPE_CHECKING:
    from gatewright.conformance.adapter import SchemathesisAdapter


def run_settings(max_examples: int, seed: int | None) -> settings:
    """Hypothesis settings of a run: ``max_examples`` cases, derandomized under a seed, quiet."""
    return settings(
        max_examples=max(1, max_examples),
        database=None,
        deadline=None,
        derandomize=seed is not None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        print_blob=False,
        report_multiple_bugs=False,
        # Nothing raises into hypothesis but a give-up (Unsatisfiable, a spent budget, Ctrl-C), which
        # it would announce as a failure with an @seed line; the run reports its own outcome.
        verbosity=Verbosity.quiet,
    )


def run_operation(
    adapter: SchemathesisAdapter,
    operation_id: str,
    *,
    max_examples: int,
    modes: tuple[str, ...],
    on_run: Callable[[CaseRun], None],
) -> None:
    """The phases of one operation, in ``st run``'s order: its documented examples, the coverage
    cases (``coverage.py``), then fuzzing: ``2 * max_examples`` cases drawn from both modes together
    (as many as separate positive and negative tests of ``max_examples`` each would send)."""
    operation = adapter.operation(operation_id)
    checks = (*adapter.checks, *((PUBLIC_ACCESS.id,) if operation_id in adapter.public else ()))
    fixed = adapter.cases.fixed_credentials(operation_id)
    if "examples" in modes:
        for strategy in operation.get_strategies_from_examples(**fixed):
            run_hypothesis(adapter, _case_test(adapter, strategy, "examples", 1, checks, on_run))
    if "coverage" in modes:
        for case in adapter.coverage_cases(operation):
            on_run(adapter.send(case, phase="coverage", checks=checks))
    if "fuzzing" in modes:
        # One test drawing from both modes, as ``st run`` fuzzes: a draw the negative strategy
        # rejects (nothing in the request can be made invalid, e.g. a lone free-form path
        # parameter) costs one more draw, where a negative-only test would spend ~1000 draws
        # before hypothesis gave up on it.
        fuzz = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **fixed),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, **fixed),
        )
        run_hypothesis(adapter, _case_test(adapter, fuzz, None, 2 * max_examples, checks, on_run))


def run_hypothesis(adapter: SchemathesisAdapter, test: Callable[[], None]) -> None:
    """Run a hypothesis test of the run; a closed gate leaves as ``RunStopped`` or ``BudgetSpent``
    however hypothesis passed it on, and a test it could not satisfy is simply done."""
    try:
        test()
    except hypothesis.errors.Unsatisfiable:
        return
    except BaseException as exc:  # the gate closed inside hypothesis: say which way, whatever it raised
        if adapter.limiter.closed:
            raise RunStopped("the run is stopping") from None
        if adapter.limiter.spent:
            raise BudgetSpent(str(exc)) from None
        raise


def _case_test(  # noqa: PLR0917 - a hypothesis test's whole context
    adapter: SchemathesisAdapter,
    strategy: st.SearchStrategy[Any],
    phase: str | None,
    limit: int,
    checks: tuple[str, ...],
    on_run: Callable[[CaseRun], None],
) -> Callable[[], None]:
    """A hypothesis test sending each case; ``phase`` None names each by its generation mode."""

    @given(case=strategy)
    @run_settings(limit, adapter.seed)
    def test(case: Any) -> None:
        on_run(adapter.send(case, phase=phase or mode_of(case), checks=checks))

    if adapter.seed is not None:
        test = hypothesis.seed(adapter.seed)(test)
    return test
