"""The compatibility phase: purposeful requests that test what an OpenAI/Anthropic-compatible API claims.

For every operation marked ``x-gatewright-compatible``, each claim of its wire sends one
request built on a valid body of the operation (so the API's own required fields are
there) and judges the answer the way the official SDK would read it (``compat_read``):
forced and named tool calls whose arguments parse and validate against the schema sent,
structured output valid against the schema sent, ``n`` choices, token limits and their
finish reasons, usage that adds up, fresh ids, embeddings one per input with the
requested dimensions, streams that end with their terminal event and reassemble to valid
tool calls. A claim whose fields the API's own schema does not accept is not sent; a
claim the gateway rejects with a 4xx is "not supported" (a note, not a finding); a wrong
answer is a finding that names the claim.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.checks import COMPAT_EMBEDDINGS
from gatewright.conformance.compat_claims import CLAIMED, CLAIMS, EMBEDDING_INPUTS, PHASE, Claim, checks_of
from gatewright.conformance.compat_read import Observed, Unreadable, read_body, read_stream
from gatewright.conformance.models import Exchange
from gatewright.conformance.served import refused_model, unserved
from gatewright.conformance.sse import ServerEvent, body_lines, parse_events
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec
from gatewright.spec.validation import describe
from gatewright.spec.wires import is_stream_end

__all__ = ["CompatTiming", "CompatibilityCheck", "checks_of", "sdk_events"]


def sdk_events(wire: str, lines: Iterator[str]) -> Iterator[ServerEvent]:
    """A stream's events as the SDK reads them: a body kept open, silent, after its terminal event
    ends there (the SDK stops at it, and real gateways end the body a moment later); a read that
    stalls before it fails, as it always did."""
    ended = False
    try:
        for event in parse_events(lines):
            ended = ended or is_stream_end(wire, event.data, event.event)
            yield event
    except requests.RequestException:
        if not ended:
            raise


@dataclass(frozen=True, slots=True)
class CompatTiming:
    request_timeout: float
    stream_timeout: float


class CompatibilityCheck:
    """One unit per (compatible operation, check): the claims of its wire that carry that check."""

    def __init__(  # noqa: PLR0917 - a unit's whole context
        self,
        spec: Spec,
        adapter: SchemathesisAdapter,
        operation: Operation,
        wire: str,
        check: str,
        timing: CompatTiming,
        bases: dict[str, Any],
    ) -> None:
        self.spec = spec
        self.adapter = adapter
        self.operation = operation
        self.wire = wire
        self.check = check
        self.timing = timing
        self._bases = bases  # valid cases per operation, shared by its units
        self._last: tuple[Exchange | None, str] = (None, "")  # the latest request, for findings

    def __call__(self, ctx: UnitContext) -> None:
        op_id = self.operation.operation_id
        if op_id not in self._bases:
            self._bases[op_id] = self.adapter.valid_case(op_id)
        case = self._bases[op_id]
        base = case.body if case is not None and isinstance(case.body, dict) else None
        if base is None:
            ctx.result.skipped = "no valid JSON request to build on (no example, nothing generated)"
            return
        self._path = dict(case.path_parameters or {})
        self._query = dict(case.query or {})
        self._headers = {k: str(v) for k, v in (case.headers or {}).items()}  # e.g. anthropic-version
        if self.wire == "openai-embeddings":
            self._embeddings(ctx, base)
            return
        for claim in CLAIMS.get(self.wire, ()):
            if claim.check != self.check:
                continue
            body = self._body(base, claim.fields())
            if not self._accepted(ctx, claim.says, body):
                continue
            ctx.ran(claim.check)
            observed = self._send(ctx, claim, body)
            if observed is None:
                continue
            if claim.twice:
                again = self._send(ctx, claim, body)
                if again is not None and not (observed.ids and again.ids):
                    self._fail(ctx, claim, "the answers carry no id")
                elif again is not None and observed.ids & again.ids:
                    self._fail(
                        ctx, claim, f"two identical requests got the same id {sorted(observed.ids)[0]!r}"
                    )
                continue
            try:
                problem = claim.judge(observed, body)
            except (TypeError, AttributeError, KeyError, ValueError) as exc:  # a field of the wrong type
                problem = f"the SDK could not read the answer: {type(exc).__name__}: {exc}"
            if problem is not None:
                self._fail(ctx, claim, problem)

    # -- requests --------------------------------------------------------------------------------

    def _body(self, base: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        body = {key: value for key, value in copy.deepcopy(base).items() if key not in CLAIMED}
        body.update(fields)
        return body

    def _accepted(self, ctx: UnitContext, says: str, body: dict[str, Any]) -> bool:
        """Whether the API's own request schema accepts the claim's request; a note when it does not."""
        schema = self._request_schema()
        if schema is None:
            return True
        errors = self.adapter.validators.errors(schema, body)  # one compiled cache per run
        if errors:
            ctx.result.notes.append(
                f"not sent: {says} (the API's request schema refuses it: {describe(errors[0])})"
            )
            return False
        return True

    def _request_schema(self) -> Any:
        content = self.spec.deref(self.operation.definition.get("requestBody") or {}).get("content") or {}
        media = content.get("application/json")
        return media.get("schema") if isinstance(media, dict) else None

    def _exchange(self, kwargs: dict[str, Any], headers: dict[str, str], body: Any) -> Exchange:
        redactor = self.adapter.redactor
        return Exchange(
            method=str(kwargs.get("method", "POST")),
            url=redactor.text(str(kwargs.get("url"))),
            request_headers=redactor.headers(headers),
            request_body=redactor.text(json.dumps(body)[:4000]),
        )

    def _case(self, body: dict[str, Any]) -> Any:
        """A case of the operation with the valid request's path, query and headers, and this body."""
        return self.adapter.make_case(
            self.operation.operation_id,
            path_parameters=self._path,
            query=self._query,
            body=body,
            headers=self._headers,
        )

    def _send(self, ctx: UnitContext, claim: Claim, body: dict[str, Any]) -> Observed | None:
        """Send the claim's request through the run's sender and read the answer as its SDK would."""
        sender = self.adapter.sender
        case = self._case(body)
        outgoing = sender.prepare(case, {"Accept": "text/event-stream"} if claim.stream else {})
        exchange = self._exchange(outgoing.kwargs, outgoing.headers, body)
        self._last = (exchange, self.adapter.evidence.curl(case, outgoing.headers))
        timeout = self.timing.stream_timeout if claim.stream else self.timing.request_timeout
        opened = sender.open(outgoing, stream=claim.stream, timeout=timeout)
        ctx.result.calls += 1
        if opened.response is None:
            self._fail(ctx, claim, f"the request failed: {opened.error}")
            return None
        with opened.response as response:
            exchange.status = response.status_code
            exchange.response_headers = self.adapter.redactor.headers(dict(response.headers))
            if response.status_code >= 400:
                self._refused(ctx, claim, response, exchange)
                return None
            try:
                return self._read(ctx, claim, response, exchange, timeout)
            except (Unreadable, ValueError, TypeError, AttributeError, requests.RequestException) as exc:
                self._fail(ctx, claim, f"the SDK could not read the answer: {exc}")
                return None

    def _refused(self, ctx: UnitContext, claim: Claim, response: Any, exchange: Exchange) -> None:
        """A 4xx or 5xx answer: a note when the model or the claim's feature is not served, else a finding."""
        exchange.response_body = self.adapter.redactor.text(response.text[:2000])
        status = response.status_code
        if status >= 500:
            self._fail(ctx, claim, f"the gateway answered {status}")
            return
        said = refused_model(status, response.text)
        if said is not None:  # the model, not the claim: nothing was judged
            ctx.result.notes.append(f"not judged: {claim.says} ({unserved(said)})")
        elif status in (401, 403, 429) or claim.plain:  # credentials, rate limits, or a plain request
            self._fail(ctx, claim, f"the gateway answered {status} to a valid request")
        else:
            ctx.result.notes.append(f"not supported: {claim.says} (the gateway answered {status})")

    def _read(
        self, ctx: UnitContext, claim: Claim, response: Any, exchange: Exchange, timeout: float
    ) -> Observed | None:
        """The answer as the SDK reads it: a JSON body, or (``claim.stream``) an event stream."""
        redactor = self.adapter.redactor
        content_type = response.headers.get("Content-Type", "")
        if claim.stream and not content_type.startswith("text/event-stream"):
            exchange.response_body = redactor.text(response.text[:2000])
            self._fail(ctx, claim, f"stream: true answered {content_type or 'no content type'}, not SSE")
            return None
        if not claim.stream:
            exchange.response_body = redactor.text(response.text[:4000])
            return read_body(self.wire, response.json())
        transcript: list[str] = []
        lines = body_lines(
            response,
            chunk_size=512,
            deadline=time.monotonic() + timeout,
            expired=Unreadable(f"the stream was still open after {timeout:g}s"),
            transcript=transcript,
            keep=300,
        )
        # a final blank line ends a last event the server did not terminate
        observed = read_stream(self.wire, sdk_events(self.wire, itertools.chain(lines, [""])))
        exchange.response_body = redactor.text("\n".join(transcript)[:4000])
        return observed

    def _fail(self, ctx: UnitContext, claim: Claim, problem: str) -> None:
        exchange, curl = self._last
        ctx.fail(
            claim.check,
            f"Compatibility: {claim.says}",
            problem,
            phase=PHASE,
            status=exchange.status if exchange is not None else None,
            exchange=exchange,
            curl=curl,
        )

    # -- embeddings ------------------------------------------------------------------------------

    def _embeddings(self, ctx: UnitContext, base: dict[str, Any]) -> None:
        claims = (
            Claim(COMPAT_EMBEDDINGS.id, "one embedding per input, in order", dict, lambda o, r: None),
            Claim(COMPAT_EMBEDDINGS.id, "dimensions are honoured", dict, lambda o, r: None),
        )
        batch = {**base, "input": EMBEDDING_INPUTS, "encoding_format": "float"}
        batch.pop("dimensions", None)
        if self._accepted(ctx, claims[0].says, batch):
            ctx.ran(COMPAT_EMBEDDINGS.id)
            data = self._embed(ctx, claims[0], batch)
            if data is not None:
                indexes = [item.get("index") for item in data]
                if len(data) != len(EMBEDDING_INPUTS) or indexes != list(range(len(EMBEDDING_INPUTS))):
                    self._fail(
                        ctx,
                        claims[0],
                        f"{len(EMBEDDING_INPUTS)} inputs gave {len(data)} embeddings with indexes {indexes}",
                    )
                elif data[0].get("embedding") != data[3].get("embedding"):
                    self._fail(ctx, claims[0], "the same text (inputs 0 and 3) got different vectors")
        sized = {**base, "input": ["alpha", "beta"], "dimensions": 8, "encoding_format": "base64"}
        if self._accepted(ctx, claims[1].says, sized):
            ctx.ran(COMPAT_EMBEDDINGS.id)
            data = self._embed(ctx, claims[1], sized)
            if data is not None:
                sizes = [_size(item.get("embedding")) for item in data]
                if sizes != [8, 8]:
                    self._fail(ctx, claims[1], f"dimensions=8 (base64) gave vectors of sizes {sizes}")

    def _embed(self, ctx: UnitContext, claim: Claim, body: dict[str, Any]) -> list[dict[str, Any]] | None:
        case = self._case(body)
        run = self.adapter.send(case, phase=PHASE)
        ctx.record(run)
        self._last = (run.exchange, run.curl)
        if run.response is None:
            return None
        if 400 <= run.response.status_code < 500:
            said = refused_model(run.response.status_code, run.response.content.decode("utf-8", "replace"))
            why = unserved(said) if said is not None else f"the gateway answered {run.response.status_code}"
            verdict = "not judged" if said is not None else "not supported"
            ctx.result.notes.append(f"{verdict}: {claim.says} ({why})")
            return None
        payload = run.json()
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            self._fail(ctx, claim, "the answer has no data list of embeddings")
            return None
        return data


def _size(vector: Any) -> int | None:
    if isinstance(vector, list):
        return len(vector)
    if isinstance(vector, str):
        try:
            return len(base64.b64decode(vector)) // 4
        except ValueError:
            return None
    return None
