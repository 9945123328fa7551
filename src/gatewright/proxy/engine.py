"""The proxy's work after an exchange has passed: judge it, say what it broke, record it.

Nothing here touches a socket. The server hands each finished exchange to ``submit``; one
worker thread judges them in the order they finished (so a task's polls are judged in the
order the client saw them), off the event loop, so judging never delays a byte to a client.
``settle`` waits for everything handed over so far: ``/__gatewright/violations`` and the
reports on exit reflect every exchange that ended before they were asked for.

The exchanges waiting for the judge hold at most ``queue_bytes``: when clients send faster
than the judge reads, an exchange that does not fit passes unjudged, and is counted as such
under its operation in the reports, in ``/__gatewright/violations`` and on exit, never dropped
silently; so is one the judge fails on, and one the proxy stopped before the upstream answered.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import sys
import threading
from pathlib import Path
from typing import TextIO

from gatewright.conformance.bodies import describe_body
from gatewright.conformance.models import Exchange
from gatewright.proxy.judge import ExchangeJudge, Found, Judgement
from gatewright.proxy.models import Observed, Violation
from gatewright.proxy.options import ProxyOptions
from gatewright.proxy.record import record, recording_of
from gatewright.proxy.redaction import CredentialRules, scrub, scrub_events, scrub_stream_text
from gatewright.proxy.report import QUEUE_FULL, ViolationLog
from gatewright.spec import Spec
from gatewright.spec.media import media_type_of
from gatewright.spec.secrets import redact_text_body

BODY_LIMIT = 4000  # characters of a body a report shows (as verify's reports)
JUDGE_FAILED = "the judge failed on it, see the proxy's output"


class Proxy:
    """One proxy run over one spec: the judge, what it found, and where it writes."""

    def __init__(self, options: ProxyOptions, spec: Spec | None = None, out: TextIO | None = None) -> None:
        self.options = options
        self.spec = spec if spec is not None else options.load()
        self.judge = ExchangeJudge(self.spec, options.upstream, options.capture_limit)
        self.rules = CredentialRules.of(self.spec, options.secret_headers)
        self.log = ViolationLog(self.spec, options.name, options.upstream, self.judge.adapter.version)
        self.out = out if out is not None else sys.stderr
        self.recorded: list[Path] = []
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="gatewright-judge")
        self._pending: dict[concurrent.futures.Future[None], int] = {}  # each with the bytes it holds
        self._queued = 0  # bytes of the exchanges waiting for the judge (or being judged)
        self._lock = threading.Lock()

    # --- handing over and waiting --------------------------------------------------------

    def submit(self, exchange: Observed) -> None:
        """Queue ``exchange`` for the judge; when the queue is full, count it as not judged."""
        size = exchange.size()
        with self._lock:
            full = bool(self._pending) and self._queued + size > self.options.queue_bytes
            if not full:
                self._queued += size
        if full:
            self.not_judged(exchange)
            return
        future = self._worker.submit(self._process, exchange)
        with self._lock:
            self._pending[future] = size
        future.add_done_callback(self._done)

    def _done(self, future: concurrent.futures.Future[None]) -> None:
        with self._lock:
            self._queued -= self._pending.pop(future, 0)

    def not_judged(self, exchange: Observed, why: str = QUEUE_FULL, line: str = "") -> None:
        """Count ``exchange`` as passed without being judged, for ``why``, under its operation, and say
        so (``line``, else a line naming it; for a full queue, the first time and every 100th)."""
        try:
            route = self.judge.route(exchange.method, exchange.path)
        except Exception:  # counted all the same, under no operation
            route = None
        count = self.log.not_judged(route.operation if route is not None else None, why)
        if why != QUEUE_FULL:
            self._say(line or f"gatewright proxy: not judged: {exchange.method} {exchange.path} ({why})")
        elif count == 1 or count % 100 == 0:  # said, without a line per exchange in a flood
            self._say(
                f"gatewright proxy: {count} exchange(s) not judged so far (the judging queue of "
                f"{self.options.queue_bytes:,} bytes was full): the latest {exchange.method} {exchange.path}"
            )

    async def settle(self) -> None:
        """Until every exchange handed over so far is judged (and recorded)."""
        with self._lock:
            pending = list(self._pending)
        if pending:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in pending), return_exceptions=True)

    def close(self) -> None:
        self._worker.shutdown(wait=True)

    # --- the work ------------------------------------------------------------------------

    def _process(self, exchange: Observed) -> None:
        try:
            judgement = self.judge.judge(exchange)
        except Exception as exc:  # a check that breaks on an odd answer must not stop the proxy
            line = f"gatewright proxy: could not judge {exchange.method} {exchange.path}: {exc!r}"
            self.not_judged(exchange, JUDGE_FAILED, line)
            return
        secrets = self.rules.secrets(
            exchange.request_headers,
            exchange.query,
            [
                (exchange.request_body.data, exchange.request_header("content-type")),
                (judgement.body or b"", exchange.response_header("content-type")),
            ],
        )
        violations = [self._violation(exchange, judgement, found) for found in judgement.found]
        violations = scrub(violations, secrets)
        for violation in violations:
            self._say(f"gatewright proxy: {violation.line()}")
        self.log.add(judgement.operation, judgement.ran, violations, self._exchange(exchange, secrets))
        if self.options.record_dir is not None:
            self._record(exchange, judgement, violations, secrets)

    @staticmethod
    def _violation(exchange: Observed, judgement: Judgement, found: Found) -> Violation:
        failure = found.failure
        first = failure.message.strip().splitlines()[0] if failure.message.strip() else ""
        message = f"{failure.title}: {first}" if first else failure.title
        operation = judgement.operation
        return Violation(
            operation=operation.operation_id if operation is not None else "-",
            check=failure.check,
            message=message[:300],
            method=exchange.method,
            path=exchange.path,
            status=exchange.status,
            time=exchange.time,
            side=found.side,
            title=failure.title,
            detail=failure.message,
        )

    def _exchange(self, exchange: Observed, secrets: tuple[str, ...]) -> Exchange:
        """The exchange as a report shows it: credentials hidden, bodies described and cut."""
        query = self.rules.query_redacted(exchange.query)
        request_type = exchange.request_header("content-type")
        request_body = describe_body(bytes(exchange.request_body.data), request_type or "")
        response_body = None
        if exchange.response_body is not None:
            response_type = exchange.response_header("content-type")
            described = describe_body(bytes(exchange.response_body.data), response_type or "")
            if described is not None and media_type_of(response_type) == "text/event-stream":
                described = scrub_stream_text(described, secrets)  # a key streamed back in pieces
            response_body = _cut(described, response_type)
        shown = Exchange(
            method=exchange.method,
            url=self.options.upstream + exchange.path + (f"?{query}" if query else ""),
            request_headers=self.rules.headers_redacted(exchange.request_headers),
            request_body=_cut(request_body, request_type) if exchange.request_body.size else None,
            status=exchange.status,
            response_headers=self.rules.headers_redacted(exchange.response_headers),
            response_body=response_body,
            elapsed_ms=exchange.elapsed_ms,
        )
        return scrub(shown, secrets)

    def _record(
        self, exchange: Observed, judgement: Judgement, violations: list[Violation], secrets: tuple[str, ...]
    ) -> None:
        assert self.options.record_dir is not None
        captured = exchange.response_body
        whole = captured is not None and not captured.truncated
        operation = judgement.operation
        recording = recording_of(
            self.options.name,
            exchange,
            operation.operation_id if operation is not None else None,
            violations,
            self.rules,
            body=judgement.body,
            events=judgement.events if whole else None,
        )
        if recording is None:
            if exchange.status is not None:
                why = (
                    "it matches no operation of the spec, so its answer was not read"
                    if operation is None and not exchange.request_body.truncated
                    else f"a body beyond the {self.options.capture_limit:,}-byte capture limit"
                )
                self._say(f"gatewright proxy: not recorded: {exchange.method} {exchange.path} ({why})")
            return
        # The format hides credential headers and fields; a key echoed anywhere else goes too.
        recording = scrub(recording, secrets)
        if recording.response.events:  # and a key streamed back in pieces
            events = scrub_events(recording.response.events, secrets)
            recording = dataclasses.replace(
                recording, response=dataclasses.replace(recording.response, events=events)
            )
        try:
            self.recorded.append(record(self.options.record_dir, recording, self.rules))
        except OSError as exc:
            self._say(f"gatewright proxy: cannot record to {self.options.record_dir}: {exc.strerror or exc}")

    def _say(self, line: str) -> None:
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except (OSError, ValueError):  # a closed terminal must not stop judging
            pass

    # --- results -------------------------------------------------------------------------

    def violations(self) -> list[Violation]:
        return self.log.violations()

    def write_reports(self, directory: Path | None = None) -> list[Path]:
        return self.log.write(directory or self.options.default_report_dir())


def _cut(text: str | None, content_type: str | None) -> str | None:
    """A body as a report shows it: its first ``BODY_LIMIT`` characters, credential fields hidden."""
    if text is None:
        return None
    shown = redact_text_body(text[:BODY_LIMIT], content_type)
    return shown if len(text) <= BODY_LIMIT else shown + f"... [{len(text) - BODY_LIMIT} more chars]"
