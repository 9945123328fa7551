"""The engine: turn a spec into units, run them against a live server, announce everything as events."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from gatewright._version import __version__
from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.auth import credentials_for, is_public, public_credentials
from gatewright.conformance.background import BackgroundUnits
from gatewright.conformance.compat import CompatibilityCheck, CompatTiming, checks_of
from gatewright.conformance.events import (
    Emitter,
    Event,
    EventHandler,
    FindingReported,
    RunFinished,
    RunStarted,
    UnitFinished,
    UnitStarted,
)
from gatewright.conformance.limiter import BudgetSpent, RateLimiter, RunStopped, closed_by_ctrl_c
from gatewright.conformance.models import Report, Shard, UnitResult
from gatewright.conformance.options import SAFE_METHODS, RunOptions
from gatewright.conformance.redact import Redactor
from gatewright.conformance.reporting import ReportWriter
from gatewright.conformance.served import ServedModels, model_ids, models_list_operation
from gatewright.conformance.streaming import StreamCheck, StreamTiming, stream_format
from gatewright.conformance.tasks import LifecycleCheck, TaskTiming
from gatewright.conformance.units import Unit, UnitContext, shard_units
from gatewright.spec import Operation, Spec
from gatewright.spec.security import credential_names

NOTHING_SENT = "nothing was sent for it"


class UnitInterrupted(KeyboardInterrupt):
    """Ctrl-C while a unit ran; carries what that unit found so far."""

    def __init__(self, result: UnitResult) -> None:
        super().__init__(result.unit_id)
        self.result = result


class Conformance:
    """One prepared run: the units are known up front so the pytest plugin can collect them."""

    def __init__(
        self, options: RunOptions, handlers: Iterable[EventHandler] = (), spec: Spec | None = None
    ) -> None:
        self.options = options
        self.spec = spec if spec is not None else options.load()
        self.redactor = Redactor(options.api_key, *credential_names(self.spec))
        self.emitter = Emitter(handlers)
        # The key as the operations the spec marks public get it (``public_credentials``): sent, as
        # clients send it; the adapter probes each once without it (``PUBLIC_ACCESS``).
        public = public_credentials(self.spec, options.api_key)
        self._public_credentials = {
            op.operation_id: public
            for op in self.spec.operations
            if public.filled
            and is_public(self.spec, op)
            and not credentials_for(self.spec, op, options.api_key).filled
        }
        self.served = (
            ServedModels(options.models, "--model")
            if options.models
            else ServedModels(learn=self._learn_models)
        )
        self.adapter = SchemathesisAdapter(
            self.spec.document,
            base_url=options.base_url,
            redactor=self.redactor,
            auth=self._auth,
            timeout=options.request_timeout,
            limiter=RateLimiter(options.rate_limit, options.budget, options.budget_tokens),
            seed=options.seed,
            extra_headers=options.extra_headers,
            served=self.served,
            public=frozenset(self._public_credentials),
        )
        self.planned = self._plan()  # every unit the options select
        self.units = shard_units(self.planned, *options.shard) if options.shard else self.planned

    def _learn_models(self) -> tuple[tuple[str, ...], str]:
        """The served models, from the API's own models list (asked once, when a request first names
        a model); none, and why, when the spec declares no list or the gateway does not answer it."""
        operation = models_list_operation(self.spec)
        if operation is None:
            return (), "none known: the spec declares no models list; name them with --model"
        try:
            run = self.adapter.send(self.adapter.make_case(operation.operation_id), phase="models", checks=())
        except (BudgetSpent, RunStopped):
            return (), f"none known: {operation.label} was not asked (the run stopped)"
        ids = model_ids(run.json()) if run.status is not None and 200 <= run.status < 300 else ()
        if not ids:
            answer = run.status if run.status is not None else run.error
            return (), f"none known: {operation.label} answered {answer}; name them with --model"
        return ids, operation.label

    def _auth(self, operation_id: str) -> tuple[dict[str, str], dict[str, str]]:
        try:
            operation = self.spec.operation(operation_id)
        except Exception:
            return {}, {}
        credentials = self._public_credentials.get(operation_id) or credentials_for(
            self.spec, operation, self.options.api_key
        )
        return dict(credentials.headers), dict(credentials.query)

    def _selected(self, operation: Operation) -> bool:
        names = {operation.operation_id, operation.label, *operation.tags}
        if self.options.include and not names & set(self.options.include):
            return False
        return not names & set(self.options.exclude)

    def _needs_key(self, operation: Operation) -> str | None:
        """Why a unit that must succeed cannot run: a secured operation and no key to present."""
        if self.options.api_key or is_public(self.spec, operation):
            return None
        return "the operation is secured and no API key was given (--api-key or GATEWRIGHT_API_KEY)"

    def _plan(self) -> list[Unit]:
        options = self.options
        units: list[Unit] = []
        read_only = "read-only mode skips unsafe methods"
        selected = [op for op in self.spec.operations if self._selected(op)]
        if {"examples", "coverage", "fuzzing"} & set(options.phases):
            for op in selected:
                skip = read_only if options.read_only and op.method not in SAFE_METHODS else None
                units.append(Unit(op.operation_id, "operation", op, self._fuzz(op), skip))
        if "lifecycle" in options.phases:
            timing = TaskTiming(options.poll_interval, options.task_timeout)
            for op in selected:
                task = self.spec.task(op)
                if task is not None:
                    lifecycle = LifecycleCheck(self.spec, self.adapter, op, task, timing)
                    units.append(
                        Unit(
                            f"lifecycle:{op.operation_id}",
                            "lifecycle",
                            op,
                            lifecycle,
                            read_only if options.read_only else self._needs_key(op),
                            background=True,
                            prepare=lifecycle.prepare,
                        )
                    )
        if "stream" in options.phases:
            stream_timing = StreamTiming(
                min(options.request_timeout, options.stream_timeout), options.stream_timeout
            )
            for op in selected:
                fmt = stream_format(self.spec, op)
                if fmt is not None:
                    units.append(
                        Unit(
                            f"stream:{op.operation_id}",
                            "stream",
                            op,
                            StreamCheck(self.adapter, op, fmt, stream_timing),
                            read_only if options.read_only else self._needs_key(op),
                        )
                    )
        if "compatibility" in options.phases:
            compat_timing = CompatTiming(options.request_timeout, options.stream_timeout)
            bases: dict[str, object] = {}
            for op in selected:
                wire = op.compatible_wire
                if wire is None:
                    continue
                for check in checks_of(wire):
                    units.append(
                        Unit(
                            f"compat:{op.operation_id}:{check.removeprefix('compat_')}",
                            "compatibility",
                            op,
                            CompatibilityCheck(
                                self.spec, self.adapter, op, wire, check, compat_timing, bases
                            ),
                            read_only if options.read_only else self._needs_key(op),
                        )
                    )
        if "stateful" in options.phases and not options.include and not options.exclude:
            units.append(
                Unit("stateful", "stateful", None, self._stateful, read_only if options.read_only else None)
            )
        return units

    def _fuzz(self, operation: Operation) -> Callable[[UnitContext], None]:
        def body(ctx: UnitContext) -> None:
            self.adapter.run_operation(
                operation.operation_id,
                max_examples=self.options.max_examples,
                modes=self.options.phases,
                on_run=ctx.record,
            )

        return body

    def _stateful(self, ctx: UnitContext) -> None:
        found = self.adapter.run_stateful(
            max_examples=self.options.max_examples,
            steps=self.options.stateful_steps,
            on_run=ctx.record,
        )
        if not found:
            ctx.result.skipped = "the spec declares no OpenAPI links"

    def run_unit(self, unit: Unit, into: list[UnitResult] | None = None) -> UnitResult:
        """Run one unit (emitting its events); exceptions become an ``error`` outcome, never a crash.

        The result joins ``into`` before ``UnitFinished`` is announced: a unit reported done is in
        the report, even when Ctrl-C comes right after (``UnitInterrupted`` when it comes during).
        """
        result, ctx = self.begin_unit(unit, self.emitter.emit)
        started = time.monotonic()
        if ctx is not None:
            try:
                self.execute_unit(unit, ctx)
            except KeyboardInterrupt:
                if not result.failed:
                    result.skipped = "interrupted (Ctrl-C) while it ran"
                result.duration = round(time.monotonic() - started, 3)
                self.finish_unit(result, into)
                raise UnitInterrupted(result) from None
        result.duration = round(time.monotonic() - started, 3)
        self.finish_unit(result, into)
        return result

    def begin_unit(self, unit: Unit, emit: Callable[[Event], None]) -> tuple[UnitResult, UnitContext | None]:
        """Announce ``unit`` and open its report row; a context when it is to run (``emit`` is where
        its findings go: straight out, or held until a background unit is collected)."""
        operation = unit.operation
        result = UnitResult(
            unit_id=unit.unit_id,
            kind=unit.kind,
            operation=operation.operation_id if operation else "-",
            label=unit.label,
            skipped=unit.skip_reason,
        )
        self.emitter.emit(UnitStarted(unit.unit_id, unit.kind, unit.label))
        if unit.skip_reason is not None:
            return result, None
        if self.adapter.limiter.spent:
            result.skipped = f"{self.adapter.limiter.describe()} spent before this unit"
            return result, None
        return result, UnitContext(
            self.spec, operation, result, lambda finding: emit(FindingReported(unit.unit_id, finding))
        )

    def execute_unit(self, unit: Unit, ctx: UnitContext, step: Callable[[], None] | None = None) -> None:
        """Run the unit's body (or ``step`` of it); what it raises becomes part of its result."""
        result = ctx.result
        try:
            if step is not None:
                step()
            else:
                unit.body(ctx)
        except BudgetSpent:
            result.notes.append(f"{self.adapter.limiter.describe()} spent during this unit")
        except RunStopped:
            if not result.failed:
                result.skipped = "interrupted (Ctrl-C) while it ran"
        except Exception as exc:
            result.error = self.redactor.text(f"{type(exc).__name__}: {exc}")

    def finish_unit(self, result: UnitResult, into: list[UnitResult] | None) -> None:
        """Report ``result``; a unit that ran but sent nothing and judged nothing is no pass (a run
        against the wrong server, or phases that have nothing to send for it), so it says so."""
        if result.calls == 0 and not result.checks and result.skipped is None and not result.failed:
            result.skipped = f"{NOTHING_SENT}: {'; '.join(result.notes)}" if result.notes else NOTHING_SENT
        if into is not None:
            into.append(result)
        self.emitter.emit(UnitFinished(result))

    def new_report(self) -> Report:
        return Report(
            api=self.options.name,
            base_url=self.redactor.url(self.options.base_url),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            settings=self.settings(),
            gatewright_version=__version__,
            schemathesis_version=self.adapter.version,
            spec_sha256=hashlib.sha256(
                json.dumps(self.spec.document, sort_keys=True, default=str).encode()
            ).hexdigest(),
            shard=Shard(*self.options.shard, [unit.unit_id for unit in self.planned])
            if self.options.shard
            else None,
        )

    def settings(self) -> dict[str, object]:
        """What shaped the run, for the report's header; the served models once they are known."""
        return {
            "seed": self.options.seed,
            "max_examples": self.options.max_examples,
            "models": self.served.describe(),
        }

    def run(self) -> Report:
        """Every unit once: background units (task lifecycles, mostly waiting) on a bounded pool of
        threads from the start, the others one after another meanwhile; the report lists them in
        plan order."""
        report = self.new_report()
        started = time.monotonic()
        self.emitter.emit(RunStarted(report.api, report.base_url, tuple(u.unit_id for u in self.units)))
        limiter = self.adapter.limiter
        background = BackgroundUnits(self, self.options.lifecycle_workers, limiter)
        try:
            with closed_by_ctrl_c(limiter):
                self._run_units(background, report.units)
        except KeyboardInterrupt:  # Ctrl-C raised outright: report what was found so far
            report.interrupted = True
        finally:
            report.interrupted = report.interrupted or limiter.closed
            background.stop(report.units)
            self.adapter.close()
        order = {unit.unit_id: index for index, unit in enumerate(self.units)}
        report.units.sort(key=lambda result: order.get(result.unit_id, len(order)))
        report.duration = round(time.monotonic() - started, 3)
        report.settings = self.settings()
        self.emitter.emit(RunFinished(report))
        return report

    def _run_units(self, background: BackgroundUnits, into: list[UnitResult]) -> None:
        """The background units started, the others one after another until Ctrl-C closes the gate."""
        for unit in self.units:
            if unit.background:
                background.start(unit, into=into)
        for unit in self.units:
            if self.adapter.limiter.closed:
                return
            if not unit.background:
                self.run_unit(unit, into=into)
                background.collect(into)
        background.collect(into, wait=True)


def run_conformance(options: RunOptions, handlers: Iterable[EventHandler] = ()) -> Report:
    """Check a live server against a spec; with ``options.report_dir`` set, write the three reports there."""
    conformance = Conformance(options, handlers)
    if options.report_dir is not None:
        conformance.emitter.add(ReportWriter(options.report_dir, conformance.redactor))
    return conformance.run()
