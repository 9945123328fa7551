"""Streamed calls: ``stream: true``, SSE read event by event, each chunk checked, the end required in time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.checks import CHECKS as REGISTRY
from gatewright.conformance.checks import STREAM_CHUNKS, STREAM_STARTS, STREAM_TERMINATES
from gatewright.conformance.models import Exchange
from gatewright.conformance.served import refused_model, unserved
from gatewright.conformance.sse import body_lines, parse_events
from gatewright.conformance.stream_formats import FORMATS, GENERIC, StreamState, guess_format, validator_for
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec
from gatewright.spec.model import STREAM_EXTENSION
from gatewright.spec.wires import missing_stream_end

PHASE = "stream"
CHECKS = tuple(check.id for check in REGISTRY.in_phase("stream"))  # a stream unit runs them all


@dataclass(frozen=True, slots=True)
class StreamTiming:
    read_timeout: float
    total_timeout: float


def stream_format(spec: Spec, operation: Operation) -> str | None:
    """The declared (or, failing that, conventional) stream format; None when no SSE is documented."""
    for response in operation.definition.get("responses", {}).values():
        media = spec.deref(response).get("content", {}).get("text/event-stream")
        if media is None:
            continue
        declared = media.get(STREAM_EXTENSION)
        if isinstance(declared, dict) and isinstance(declared.get("format"), str):
            return str(declared["format"])
        return guess_format(operation.path)
    return None


class _Expired(Exception):
    pass


class StreamCheck:
    def __init__(
        self, adapter: SchemathesisAdapter, operation: Operation, fmt: str, timing: StreamTiming
    ) -> None:
        self.adapter = adapter
        self.operation = operation
        self.format = fmt if fmt in FORMATS else GENERIC
        self.timing = timing

    def __call__(self, ctx: UnitContext) -> None:
        for check in CHECKS:
            ctx.ran(check)
        case = self._stream_case()
        if case is None:
            ctx.fail(
                STREAM_STARTS.id,
                "No valid request to stream",
                "no example and nothing generated",
                phase=PHASE,
            )
            return
        sender, redactor = self.adapter.sender, self.adapter.redactor
        outgoing = sender.prepare(case, {"Accept": "text/event-stream"})
        curl = self.adapter.evidence.curl(case, outgoing.headers, outgoing.query)
        exchange = Exchange(
            method=str(outgoing.kwargs.get("method", "POST")),
            url=redactor.url(str(outgoing.kwargs.get("url"))),
            request_headers=redactor.headers(outgoing.headers),
            request_body=redactor.body(json.dumps(case.body)),
        )
        read_timeout = self.timing.read_timeout
        opened = sender.open(outgoing, stream=True, timeout=(read_timeout, read_timeout))
        ctx.result.calls += 1
        if opened.response is None:
            ctx.fail(
                STREAM_STARTS.id,
                "Streamed request failed",
                opened.error or "",
                phase=PHASE,
                exchange=exchange,
                curl=curl,
            )
            return
        with opened.response as response:
            exchange.status = response.status_code
            exchange.response_headers = redactor.headers(dict(response.headers))
            content_type = response.headers.get("Content-Type", "")
            if response.status_code != 200 or not content_type.startswith("text/event-stream"):
                self._not_a_stream(ctx, response, exchange, curl)
                return
            self._read(ctx, response, opened.sent_at, exchange, curl)

    def _stream_case(self) -> Any | None:
        """A valid request of the operation with ``stream: true`` in its body; None when there is none."""
        case = self.adapter.valid_case(self.operation.operation_id)
        if case is None:
            return None
        body = case.body if isinstance(case.body, dict) else {}
        return self.adapter.make_case(
            self.operation.operation_id,
            path_parameters=dict(case.path_parameters or {}),
            query=dict(case.query or {}),
            body={**body, "stream": True},
            headers={k: str(v) for k, v in (case.headers or {}).items()},  # e.g. anthropic-version
        )

    def _not_a_stream(self, ctx: UnitContext, response: Any, exchange: Exchange, curl: str) -> None:
        """The answer is not a 200 event stream: a skip when it names an unserved model, else a finding."""
        content_type = response.headers.get("Content-Type", "")
        exchange.response_body = self.adapter.redactor.text(response.text[:2000])
        said = refused_model(response.status_code, response.text)
        if said is not None:
            ctx.result.skipped = unserved(said)
            return
        ctx.fail(
            STREAM_STARTS.id,
            "Streamed request did not answer with an event stream",
            f"expected 200 text/event-stream, got {response.status_code} {content_type or '(none)'}",
            phase=PHASE,
            status=response.status_code,
            exchange=exchange,
            curl=curl,
        )

    def _read(self, ctx: UnitContext, response: Any, started: float, exchange: Exchange, curl: str) -> None:
        validate = validator_for(self.format)
        state = StreamState()
        transcript: list[str] = []
        deadline = started + self.timing.total_timeout
        ended = "closed"
        try:
            lines = body_lines(
                response, chunk_size=1, deadline=deadline, expired=_Expired(), transcript=transcript, keep=200
            )
            for event in parse_events(lines):
                state.events += 1
                error = validate(event, state)
                if error is not None:
                    exchange.response_body = self.adapter.redactor.text("\n".join(transcript))
                    ctx.fail(
                        STREAM_CHUNKS.id,
                        f"Stream event does not match the {self.format} chunk shape",
                        f"event {state.events} ({event.event}): {error}",
                        phase=PHASE,
                        status=200,
                        exchange=exchange,
                        curl=curl,
                    )
                    return
        except _Expired:
            ended = "timeout"
        except requests.RequestException:
            ended = "stalled"
        exchange.response_body = self.adapter.redactor.text("\n".join(transcript))
        # A body kept open, silent, after its terminal event has ended as far as any client reads it
        # (the SDKs stop at the terminal event): only the silence before it is a stream that never ended.
        if ended != "closed" and not (ended == "stalled" and state.done):
            why = (
                f"still sending after {self.timing.total_timeout:g}s"
                if ended == "timeout"
                else f"no data for {self.timing.read_timeout:g}s"
            )
            ctx.fail(
                STREAM_TERMINATES.id,
                "Stream never ended",
                f"{why}; {state.events} events received, terminal event seen: {state.done}",
                phase=PHASE,
                status=200,
                exchange=exchange,
                curl=curl,
            )
            return
        unended = missing_stream_end(self.format, state.done)
        if state.events == 0:
            ctx.fail(
                STREAM_CHUNKS.id,
                "Stream carried no events",
                "the connection closed before any event",
                phase=PHASE,
                status=200,
                exchange=exchange,
                curl=curl,
            )
        elif unended is not None:
            ctx.fail(
                STREAM_TERMINATES.id,
                "Stream closed without its terminal event",
                unended,
                phase=PHASE,
                status=200,
                exchange=exchange,
                curl=curl,
            )
