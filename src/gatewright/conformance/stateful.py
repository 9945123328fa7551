"""The stateful phase: schemathesis's state machine over the spec's OpenAPI links (create -> read -> delete).

Each step's request leaves by the run's sender (pooled, gated, charged) and its response is checked
and handed to ``on_run`` as a ``CaseRun`` of phase ``stateful``, like any other case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import schemathesis
from hypothesis import settings

from gatewright.conformance.phases import run_hypothesis, run_settings
from gatewright.conformance.runs import CaseRun

if TYPE_CHECKING:
    from gatewright.conformance.adapter import SchemathesisAdapter


def run_stateful(
    adapter: SchemathesisAdapter, *, max_examples: int, steps: int, on_run: Callable[[CaseRun], None]
) -> bool:
    """Follow the spec's OpenAPI links; False when there are none."""
    try:
        machine = adapter.schema.as_state_machine()
    except schemathesis.errors.NoLinksFound:
        return False
    sender, evidence = adapter.sender, adapter.evidence
    checks = tuple(adapter.checks)

    class Machine(machine):  # type: ignore[misc, valid-type]
        def call(self, case: Any, **kwargs: Any) -> Any:
            adapter.cases.make_positive(case)
            return sender.call(case, **kwargs)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            headers, query = sender.headers_for(case)
            self._gw_headers = headers
            kwargs: dict[str, Any] = {
                "base_url": sender.base_url,
                "headers": headers,
                "timeout": sender.timeout,
            }
            if query:
                kwargs["params"] = query
            return kwargs

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            headers = kwargs.get("headers", {})
            sender.count(case, response)
            run = CaseRun(
                case,
                response,
                "stateful",
                checks=checks,
                describe=lambda: (
                    evidence.exchange(response),
                    evidence.curl(case, headers, kwargs.get("params")),
                ),
            )
            run.failures = adapter.validate(case, response, checks, headers, kwargs.get("params"))
            on_run(run)

    stateful_settings = settings(run_settings(max_examples, adapter.seed), stateful_step_count=max(1, steps))
    try:
        run_hypothesis(adapter, lambda: Machine.run(settings=stateful_settings))
    except schemathesis.errors.SchemathesisError:
        return False
    return True
