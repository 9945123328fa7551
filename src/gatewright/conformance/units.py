"""A unit is one pytest item / one report row: it runs against a context that records checks and findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gatewright.conformance.checks import REQUEST_COMPLETES, judges
from gatewright.conformance.explain import explain
from gatewright.conformance.models import Exchange, Finding, UnitResult
from gatewright.conformance.runs import CaseRun
from gatewright.spec import Operation, Spec


class UnitContext:
    """Where a unit body reports: every check it ran and every failure, with spec location."""

    __slots__ = ("_on_finding", "operation", "result", "spec")

    def __init__(
        self,
        spec: Spec,
        operation: Operation | None,
        result: UnitResult,
        on_finding: Callable[[Finding], None],
    ) -> None:
        self.spec = spec
        self.operation = operation
        self.result = result
        self._on_finding = on_finding

    def ran(self, check: str) -> None:
        self.result.ran(check)

    def fail(
        self,
        check: str,
        title: str,
        message: str,
        *,
        phase: str,
        operation: Operation | None = None,
        status: int | None = None,
        exchange: Exchange | None = None,
        curl: str = "",
    ) -> None:
        operation = operation or self.operation
        # a lifecycle finding about a poll or a cancel points at the task declared on the create operation
        judged = self.operation if judges(check) == "task" and self.operation is not None else operation
        pointer, says = explain(self.spec, judged, check, status) if judged is not None else ("", "")
        finding = Finding(
            operation=operation.operation_id if operation else "-",
            label=operation.label if operation else "-",
            check=check,
            title=title,
            message=message,
            phase=phase,
            spec_pointer=pointer,
            spec_says=says,
            exchange=exchange,
            curl=curl,
            status=status,
        )
        self.result.ran(check, 0)
        if self.result.add(finding):
            self._on_finding(finding)

    def fail_on(
        self,
        run: CaseRun,
        check: str,
        title: str,
        message: str,
        *,
        phase: str,
        operation: Operation | None = None,
    ) -> None:
        """A finding about one exchange: what was sent and what came back go with it."""
        self.fail(
            check,
            title,
            message,
            phase=phase,
            operation=operation,
            status=run.status,
            exchange=run.exchange,
            curl=run.curl,
        )

    def record(self, run: CaseRun, *, operation: Operation | None = None) -> None:
        """Fold one sent case into the unit: checks ran, failures found, transport errors."""
        self.result.calls += 1
        if operation is None and run.case is not None:
            operation = self.spec.find(str(run.case.method), str(run.case.path)) or self.operation
        for check in run.checks:
            self.ran(check)
        if run.error is not None:
            self.fail(
                REQUEST_COMPLETES.id,
                "Request did not complete",
                run.error,
                phase=run.phase,
                operation=operation,
                exchange=run.exchange,
                curl=run.curl,
            )
        for failure in run.failures:  # the exchange that failed: the run's own, or a probe it sent
            self.fail(
                failure.check,
                failure.title,
                failure.message,
                phase=run.phase,
                operation=operation,
                status=failure.status if failure.exchange is not None else run.status,
                exchange=failure.exchange or run.exchange,
                curl=failure.curl if failure.exchange is not None else run.curl,
            )


@dataclass(frozen=True, slots=True)
class Unit:
    """One report row. A ``background`` unit mostly waits (a task lifecycle polling): ``run`` starts it
    beside the others; ``prepare``, when given, is the part that must run first on the main thread
    (hypothesis draws its requests; hypothesis is only ever driven from one thread)."""

    unit_id: str
    kind: str  # "operation" | "lifecycle" | "stream" | "compatibility" | "stateful"
    operation: Operation | None
    body: Callable[[UnitContext], None]
    skip_reason: str | None = None
    background: bool = False
    prepare: Callable[[], None] | None = None

    @property
    def label(self) -> str:
        if self.operation is None:
            return self.unit_id
        return self.operation.label


def shard_units(units: Sequence[Unit], index: int, count: int) -> list[Unit]:
    """Share ``index`` of ``count`` (``--shard K/N``) of ``units``, in their order.

    The units are sorted by kind and id, then dealt round-robin: which share a unit lands in depends on
    the units planned and nothing else (not their order, the machine or the hash seed), every kind is
    spread evenly (the slow lifecycles too), and shares differ by one unit at most.
    """
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: K must be between 1 and N")
    dealt = sorted(units, key=lambda unit: (unit.kind, unit.unit_id))[index - 1 :: count]
    mine = {unit.unit_id for unit in dealt}
    return [unit for unit in units if unit.unit_id in mine]
