"""Judge one forwarded exchange with ``verify``'s own checks, so the two can never disagree.

The request becomes a schemathesis ``Case`` of the matched operation and the answer a
schemathesis ``Response``; both go through ``SchemathesisAdapter.validate`` with
``RESPONSE_CHECKS``, the checks ``verify`` applies to any single call. Event streams are
judged by the stream-phase validators (``streams.py``), task polls by the lifecycle rules
(``tasks.py``) and the request itself by ``client_checks.py``, reported as the client's side.
"""

from __future__ import annotations

import json
import urllib.parse
import zlib
from dataclasses import dataclass, field
from typing import Any

import requests
from schemathesis.core.transport import Response

from gatewright.conformance.adapter import (
    RESPONSE_CHECKS,
    CaseRun,
    CheckFailure,
    RateLimiter,
    SchemathesisAdapter,
)
from gatewright.conformance.checks import (
    REQUEST_COMPLETES,
    STREAM_CHUNKS,
    STREAM_TERMINATES,
    TASK_STATUS_DECLARED,
    TASK_STATUS_FORWARD,
)
from gatewright.conformance.redact import Redactor
from gatewright.conformance.stream_formats import guess_format
from gatewright.conformance.streaming import stream_format
from gatewright.proxy import client_checks
from gatewright.proxy.client_checks import RequestJudge
from gatewright.proxy.models import Observed, Side
from gatewright.proxy.options import CAPTURE_LIMIT
from gatewright.proxy.routing import OperationRouter, Route
from gatewright.proxy.streams import event_blocks, judge_stream
from gatewright.proxy.tasks import TaskTracker
from gatewright.spec import Operation, Spec
from gatewright.spec.media import media_type_of

STREAM_CHECKS = (STREAM_CHUNKS.id, STREAM_TERMINATES.id)  # what the raw SSE blocks can show
TASK_CHECKS = (TASK_STATUS_DECLARED.id, TASK_STATUS_FORWARD.id)  # what one poll can show
TRANSPORT_CHECK = REQUEST_COMPLETES.id  # verify's name for a request that got no answer


@dataclass(frozen=True, slots=True)
class Found:
    side: Side
    failure: CheckFailure


@dataclass(slots=True)
class Judgement:
    """What one exchange was checked for and what it broke (not yet scrubbed of credentials)."""

    route: Route | None
    ran: dict[Side, list[str]] = field(default_factory=lambda: {"gateway": [], "client": []})
    found: list[Found] = field(default_factory=list)
    events: tuple[str, ...] | None = None  # the SSE blocks of a streamed answer
    body: bytes | None = None  # the answer's body as the client read it (decoded), when kept whole

    @property
    def operation(self) -> Operation | None:
        return self.route.operation if self.route else None

    def add(self, side: Side, failures: list[CheckFailure]) -> None:
        self.found.extend(Found(side, f) for f in failures)


def decoded(data: bytes, encoding: str | None, limit: int) -> tuple[bytes | None, bool]:
    """A body with its ``Content-Encoding`` undone (gzip, deflate), at most ``limit`` bytes of it, and
    whether there was more; None when it cannot be read.

    A few kilobytes of gzip can stand for gigabytes: decoding stops at ``limit`` (the capture
    limit), and the body is judged as one cut there.
    """
    coding = (encoding or "identity").strip().lower()
    if coding in ("", "identity"):
        return data, False
    if coding not in ("gzip", "x-gzip", "deflate"):
        return None, False
    for wbits in (47 if coding != "deflate" else 15, -15):  # deflate is sent raw as often as wrapped
        inflater = zlib.decompressobj(wbits=wbits)
        try:  # a capture cut at the limit decodes as far as it goes
            body = inflater.decompress(data, limit)
        except zlib.error:
            continue
        return body, bool(inflater.unconsumed_tail) or (len(body) >= limit and not inflater.eof)
    return None, False


class ExchangeJudge:
    """Built once per spec; ``judge`` runs on one worker thread, one exchange at a time, in order."""

    def __init__(self, spec: Spec, upstream: str, decode_limit: int = CAPTURE_LIMIT) -> None:
        self.spec = spec
        self.upstream = upstream
        self.decode_limit = decode_limit  # bytes of a compressed answer decoded at most
        self.router = OperationRouter(spec)
        self.adapter = SchemathesisAdapter(
            spec.document,
            base_url=upstream,
            redactor=Redactor(),  # findings are scrubbed of each exchange's own credentials later
            auth=lambda _operation: ({}, {}),
            timeout=30.0,
            limiter=RateLimiter(None),
            seed=None,
        )
        self.requests = RequestJudge(spec, self.adapter.validators)
        self.tasks = TaskTracker(spec)
        self.formats = {op.operation_id: stream_format(spec, op) for op in spec.operations}

    def route(self, method: str, path: str) -> Route | None:
        return self.router.match(method, path)

    def judge(self, exchange: Observed) -> Judgement:
        route = self.router.match(exchange.method, exchange.path)
        judgement = Judgement(route)
        if route is None:
            judgement.ran["client"].append(client_checks.DOCUMENTED)
            judgement.add(
                "client", [client_checks.undocumented(exchange, self.router.path_known(exchange.path))]
            )
        else:
            judgement.ran["client"].extend(client_checks.CHECKS)
            judgement.add("client", self.requests.judge(route, exchange))
        if exchange.status is None or exchange.response_body is None:
            judgement.ran["gateway"].append(TRANSPORT_CHECK)
            failure = CheckFailure(TRANSPORT_CHECK, "Request did not complete", exchange.error or "no answer")
            judgement.add("gateway", [failure])
            return judgement
        if route is not None:
            self._answer(route, exchange, judgement)
        return judgement

    def _answer(self, route: Route, exchange: Observed, judgement: Judgement) -> None:
        assert exchange.status is not None and exchange.response_body is not None
        captured = exchange.response_body
        body, cut = decoded(
            bytes(captured.data), exchange.response_header("content-encoding"), self.decode_limit
        )
        seen_all = not captured.truncated and not cut
        whole = body is not None and seen_all
        checks = [c for c in RESPONSE_CHECKS if whole or c != "response_schema_conformance"]
        case = self._case(route, exchange)
        response = self._response(exchange, body if body is not None else b"")
        judgement.ran["gateway"].extend(checks)
        judgement.add("gateway", self.adapter.validate(case, response, tuple(checks), {}))
        content_type = media_type_of(exchange.response_header("content-type"))
        if content_type == "text/event-stream" and body is not None:
            blocks = event_blocks(body)
            judgement.events = tuple(blocks)
            if 200 <= exchange.status < 300:
                operation = route.operation
                fmt = self.formats.get(operation.operation_id) or guess_format(operation.path)
                judgement.ran["gateway"].extend(STREAM_CHECKS)
                # a stream ended early on this side (its client left, the proxy stopped): the chunks
                # seen are judged, not the end
                whole_stream = seen_all and not exchange.cut_here
                judgement.add("gateway", judge_stream(fmt, blocks, exchange.complete, whole_stream))
        elif whole:
            judgement.body = body
        if whole and self.tasks.follows(route.operation):
            if self.tasks.polls(route.operation):
                judgement.ran["gateway"].extend(TASK_CHECKS)
            run = CaseRun(case=case, response=response, phase="proxy", exchange=None, curl="")
            judgement.add("gateway", self.tasks.observe(route.operation, run))

    def _case(self, route: Route, exchange: Observed) -> Any:
        query = {
            name: values[0] if len(values) == 1 else values
            for name, values in urllib.parse.parse_qs(exchange.query, keep_blank_values=True).items()
        }
        body: Any = None
        request_type = media_type_of(exchange.request_header("content-type"))
        if (
            exchange.request_body.size
            and not exchange.request_body.truncated
            and request_type.endswith("json")
        ):
            try:
                body = json.loads(bytes(exchange.request_body.data))
            except ValueError:
                body = None
        return self.adapter.make_case(
            route.operation.operation_id, path_parameters=dict(route.params), query=query, body=body
        )

    def _response(self, exchange: Observed, body: bytes) -> Response:
        """The answer as schemathesis reads one; its request carries no headers (no credentials)."""
        assert exchange.status is not None and exchange.response_body is not None
        headers: dict[str, list[str]] = {}
        for name, value in exchange.response_headers:
            headers.setdefault(name.lower(), []).append(value)
        headers.pop("content-encoding", None)  # the body is handed over decoded
        url = self.upstream + exchange.path
        request = requests.Request(exchange.method, url).prepare()
        content_type = exchange.response_header("content-type") or ""
        charset = next(
            (
                p.split("=", 1)[1].strip()
                for p in content_type.split(";")[1:]
                if p.strip().startswith("charset=")
            ),
            None,
        )
        return Response(
            status_code=exchange.status,
            headers=headers,
            content=body,
            request=request,
            elapsed=exchange.elapsed_ms / 1000,
            verify=True,
            encoding=charset,
            content_size=exchange.response_body.size,
            stream_cut_short=not exchange.complete,
        )
