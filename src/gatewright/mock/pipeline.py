"""The per-request pipeline for one API: route -> auth -> read -> validate -> negotiate -> respond.

Each stage either passes the request on or answers with an error in the API's
envelope. Everything it consults was built at app creation; the hot path does
dictionary lookups, one validator call and, for cacheable bodies, no JSON work.
Hooks answer with values (``JsonOutcome``); ``send`` is the one final stage that
serializes them and checks each body against its schema.

Hostile input ends in a 4xx in the API's envelope, never a 500: a body too large (413),
one that cannot be decoded (a ``Content-Encoding`` it does not match: 400), one that
arrives slower than ``read_timeout`` (408, then the connection is closed), malformed
or too deeply nested JSON (the operation's validation status). A client that goes away
mid-request or mid-stream is logged at debug level and recorded as 499.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from aiohttp import web
from multidict import MultiDict, MultiDictProxy, MultiMapping

from gatewright.loopback import HostGuard, json_refusal
from gatewright.mock.access_log import AccessLog
from gatewright.mock.control_store import ControlStore
from gatewright.mock.echo import echo_headers, with_path
from gatewright.mock.extensions import Conversations, DirectLane, MockCall, OperationHook, Refused
from gatewright.mock.journal import JournalEntry
from gatewright.mock.negotiation import Decision, ResponseSpec, json_answer, negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import CLIENT_LEFT, JsonOutcome, send, web_response
from gatewright.mock.preferences import Preferences, parse_prefer
from gatewright.mock.render import render
from gatewright.mock.repeats import Repeats
from gatewright.mock.rules.apply import NOTHING, program
from gatewright.mock.rules.book import RuleBook
from gatewright.mock.state import ResourceStore
from gatewright.mock.stateful import handle_resource
from gatewright.mock.validation import UNCHECKED, Issue
from gatewright.spec.routing import RouteMiss

logger = logging.getLogger("gatewright.mock")
_EMPTY: Mapping[str, str] = MappingProxyType({})
_NO_QUERY: MultiMapping[str] = MultiDictProxy(MultiDict())


# What negotiation gives a request: its parsed ``Prefer``, the decision, the 2xx JSON answer behind it.
_Negotiated = tuple[Preferences, Decision, Decision | None]

# An answer made faster than this left before its client could hang up on it: only an answer that took
# longer (a rule's delay) asks whether the client is still there (a stream's writer says so itself).
_HANG_UP_MS = 50.0
CLIENT_CLOSED = 499  # recorded (log, journal) for a request whose client went away; never sent


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    access_log: bool = True
    max_body: int = 16 * 1024 * 1024
    read_timeout: float | None = 30.0  # seconds for the whole body to arrive (None: no limit)


class ApiHandler:
    """The aiohttp handler serving one API under its prefix."""

    def __init__(
        self,
        api: MockApi,
        store: ResourceStore,
        hooks: dict[str, list[OperationHook]],
        settings: PipelineSettings,
        *,
        rules: RuleBook | None = None,
        control: ControlStore | None = None,
        repeatable: frozenset[str] = frozenset(),
        guard: HostGuard | None = None,
        conversations: Conversations | None = None,
        lanes: Mapping[str, DirectLane] | None = None,
    ) -> None:
        self.api = api
        self.conversations = conversations
        self.store = store
        self.hooks = hooks
        self.settings = settings
        self.rules = rules
        self.control = control
        self._prefix_length = len(api.prefix)
        self._access_log = AccessLog() if settings.access_log else None
        self._decisions: dict[tuple[str, str | None, str | None], _Negotiated] = {}
        self._repeatable = repeatable  # operations whose hooks all decide by the request alone
        self._lanes = lanes or {}  # operations answering plain requests without the hooks (``DirectLane``)
        self.guard = guard if guard is not None else HostGuard()  # loopback names only
        self._repeats = Repeats()
        self._echoes = {
            op.operation_id: op.echoed_headers for op in api.operations.values() if op.echoed_headers
        }

    async def handle(self, request: web.Request) -> web.StreamResponse:
        why = self.guard.host_refusal(request)  # inline: a middleware layer costs every request more
        if why is not None:  # (an API route is no control route: only its Host is judged)
            return json_refusal(request, 421, why)
        started = time.perf_counter()
        method, path = request.method, request.path
        exchange = JournalEntry(time.time(), self.api.name, method, path, request.raw_headers)
        try:
            response = await self.dispatch(request, exchange)
        except ConnectionError as exc:  # the client left mid-request or mid-stream: not a server error
            logger.debug("client went away during %s %s: %r", method, path, exc)
            response = web.Response(status=CLIENT_CLOSED)
        if self._echoes and not response.prepared:  # "a client request id echoed in the response"
            echo_headers(request, response, self._echoes.get(exchange.operation or "", ()))
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status
        if type(response) is not web.Response:  # a stream: its writer saw whether the client left
            if response in CLIENT_LEFT:
                status = CLIENT_CLOSED
        elif elapsed > _HANG_UP_MS and not response.prepared and _gone(request.transport):
            status = CLIENT_CLOSED  # (a prepared answer, the 408 to a slow body, closed it itself)
        if self._access_log is not None:
            self._access_log.record(method, path, status, elapsed)
        if self.control is not None:
            exchange.status, exchange.duration_ms = status, elapsed
            self.control.record(exchange)
        return response

    handle.guarded = True  # type: ignore[attr-defined]  # it checks ``Host``/``Origin`` itself (loopback.is_guarded)

    async def flush_log(self, _app: web.Application) -> None:
        """At cleanup, once the requests still in flight at shutdown have ended: the request lines still
        waiting for their batch go out."""
        if self._access_log is not None:
            self._access_log.flush()

    def unavailable(self, request: web.Request, message: str) -> web.Response:
        """The API's own 503, in the error envelope of the route asked (the shared store does not answer)."""
        path = request.path[self._prefix_length :] or "/"
        responses = self._responses_at(request.method, path)
        return self._error(responses, 503, message, path, extra=(("Retry-After", "1"),))

    def _responses_at(self, method: str, path: str) -> Sequence[ResponseSpec]:
        """The responses of the operation at ``path`` (for ``method``, else any there: its error
        envelope, an Anthropic route's on an API that also speaks OpenAI's), else the API's."""
        match = self.api.router.match(method, path)
        if isinstance(match, RouteMiss) and match.allowed:
            match = self.api.router.match(match.allowed[0], path)
        if isinstance(match, RouteMiss):
            return self.api.error_responses
        return self.api.operations[match.operation_id].responses

    def _error(
        self,
        responses: Sequence[ResponseSpec],
        status: int,
        message: str,
        path: str,
        *,
        param: str | None = None,
        extra: Sequence[tuple[str, str]] = (),
    ) -> web.Response:
        return web_response(self.api.errors.render(responses, status, message, path=path, param=param), extra)

    async def dispatch(self, request: web.Request, exchange: JournalEntry) -> web.StreamResponse:
        """Route, authenticate, read and validate ``request``, then ``respond``; what is learned of it
        goes into its journal entry, ``exchange``."""
        api = self.api
        raw_path = request.raw_path
        if not raw_path.startswith("/"):  # an absolute-form target (``GET http://host/v1/...``)
            raw_path = request.rel_url.raw_path
        path = raw_path.split("?", 1)[0][self._prefix_length :] or "/"
        match = api.router.match(request.method, path)
        if isinstance(match, RouteMiss):
            return self._route_miss(request.method, match, path)
        op = api.operations[match.operation_id]
        exchange.operation = op.operation_id
        headers = request.headers
        auth = op.auth
        if not auth.public and not auth.allows(
            headers,
            request.query if auth.needs_query else _EMPTY,
            request.cookies if auth.needs_cookies else _EMPTY,
        ):
            return self._error(op.responses, 401, auth.refusal, path)
        try:
            raw = await self._read(request) if request.body_exists else b""
        except (web.HTTPRequestEntityTooLarge, web.RequestPayloadError, TimeoutError) as exc:
            return await self._unreadable(request, op, path, exc)
        repeat = (  # a retry under an idempotency key gets its first answer (the store's), not a new one
            op.operation_id in self._repeatable
            and (self.rules is None or not self.rules.active)
            and (op.idempotency is None or op.idempotency not in headers)
        )
        if repeat:
            known = self._repeats.answer(op, request, raw)
            if known is not None:  # answered before: validation and every stage would decide the same
                exchange.json_body = raw
                return known
        validator = op.validator
        try:
            validated = (
                UNCHECKED
                if validator.trivial
                else validator.validate(
                    match.params,
                    request.query if validator.reads_query else _NO_QUERY,
                    headers,
                    request.cookies if validator.reads_cookies else _EMPTY,
                    raw,
                )
            )
        except RecursionError:  # a structure the depth bound in ``json_depth.loads`` did not see
            return self._error(op.responses, op.invalid_status, "request nested too deeply", path)
        if validated.issues:  # the journal keeps what was refused: the request a user wants to inspect
            exchange.json_body, exchange.refused = raw, True
            return self._refusal(op, validated.issues, path)
        if validated.json and isinstance(validated.body, dict | list):
            exchange.json_body = raw
        else:
            exchange.body = validated.body
            repeat = False  # only JSON bodies are answered again (the journal keeps them as bytes)
        if op.idempotency is not None:  # a retried key gets its first answer (``mock.idempotency``)
            return await self.store.idempotent.answer(
                api,
                op,
                request,
                validated.body,
                lambda: self.respond(
                    request, exchange, op, params=match.params, body=validated.body, raw=raw, repeat=repeat
                ),
            )
        return await self.respond(
            request, exchange, op, params=match.params, body=validated.body, raw=raw, repeat=repeat
        )

    # The answers ``dispatch`` gives when a request goes no further: each is called only then, so a
    # request that passes costs no call for them.

    def _route_miss(self, method: str, miss: RouteMiss, path: str) -> web.Response:
        """No operation at ``path`` (404), or none for ``method`` there (405, with ``Allow``)."""
        if miss.status == 405:
            allow = (("Allow", ", ".join(miss.allowed)),)
            message = f"method {method} not allowed on {path}"
            return self._error(self._responses_at(method, path), 405, message, path, extra=allow)
        return self._error(self.api.error_responses, 404, f"no route for {method} {path}", path)

    async def _unreadable(
        self, request: web.Request, op: MockOperation, path: str, exc: BaseException
    ) -> web.Response:
        """A body too large (413), that cannot be decoded (400), or that did not arrive in time (408:
        sent at once and the connection closed)."""
        if isinstance(exc, web.HTTPRequestEntityTooLarge):
            return self._error(
                op.responses, 413, f"request body exceeds {self.settings.max_body} bytes", path
            )
        if isinstance(exc, web.RequestPayloadError):  # e.g. Content-Encoding: gzip on a body that is not gzip
            return self._error(op.responses, 400, f"request body cannot be read: {_reason(exc)}", path)
        response = self._error(
            op.responses, 408, f"request body not received within {self.settings.read_timeout:g}s", path
        )
        response.force_close()
        await response.prepare(request)
        await response.write_eof()
        request.protocol.force_close()  # do not wait (aiohttp lingers up to 10 s) for the rest of it
        return response

    def _refusal(self, op: MockOperation, issues: Sequence[Issue], path: str) -> web.Response:
        """The operation's refusal of an invalid request, naming every issue (the first one's status)."""
        status, message, param = op.refusal(issues)
        return self._error(op.responses, status, message, path, param=param)

    async def _read(self, request: web.Request) -> bytes:
        """The whole body; ``TimeoutError`` when it takes longer than ``read_timeout`` to arrive.

        A body already here (most are: it came with the headers) is taken from the buffer as it is:
        ``request.read`` would await it chunk by chunk and copy it (2 to 3 of the 38 µs a new-prompt chat
        request costs the handler); nothing reads the request again (``MockCall.raw`` carries the bytes)."""
        content = request.content
        if content.is_eof():
            raw = content.read_nowait()
            if len(raw) > self.settings.max_body:
                raise web.HTTPRequestEntityTooLarge(self.settings.max_body, len(raw))
            return raw
        timeout = self.settings.read_timeout
        if timeout is None:
            return await request.read()
        async with asyncio.timeout(timeout):
            return await request.read()

    def _negotiate(self, op: MockOperation, prefer: str | None, accept: str | None) -> _Negotiated:
        """Negotiation is pure, so its answer per (operation, Prefer, Accept) is computed once (kept in
        ``_decisions``, which ``respond`` reads first): the decision, and the 2xx JSON answer behind it
        (``negotiation.json_answer``) that extensions read."""
        preferences = parse_prefer(prefer)
        decision = negotiate(op.responses, preferences, accept)
        negotiated = (preferences, decision, json_answer(op.responses, preferences, decision))
        if len(self._decisions) < 4096:
            self._decisions[(op.operation_id, prefer, accept)] = negotiated
        return negotiated

    async def respond(
        self,
        request: web.Request,
        exchange: JournalEntry,
        op: MockOperation,
        *,
        params: Mapping[str, str],
        body: object,
        raw: bytes,
        repeat: bool = False,
    ) -> web.StreamResponse:
        """Decide and answer: negotiation, then the operation's direct lane for a plain request (none of
        what follows would act on it: ``DirectLane``), else rules and faults, then its hooks (the first
        that answers wins), then the resource store or the spec's own answer. One ``MockCall`` carries
        what is learned of the request from stage to stage (the JSON answer, the prompt: each once)."""
        headers = request.headers
        prefer, accept = headers.get("Prefer"), headers.get("Accept")
        negotiated = self._decisions.get((op.operation_id, prefer, accept))  # (one call fewer when known)
        preferences, decision, json = negotiated or self._negotiate(op, prefer, accept)
        extra: tuple[tuple[str, str], ...] = (
            (("Preference-Applied", headers["Prefer"]),) if decision.preference_applied else ()
        )
        rules = self.rules if self.rules is not None and self.rules.active else None
        if rules is None and prefer is None and json is decision and op.operation_id in self._lanes:
            try:
                direct = self._lanes[op.operation_id](body, raw, headers, decision)
            except Refused as refused:  # in the API's envelope, as any refusal
                return web_response(self.api.errors.refusal(op, refused))
            if isinstance(direct, JsonOutcome):  # a repeat of it may be given it again
                if repeat:
                    self._repeats.keep(op, request, raw, direct, extra)
                return send(self.api, direct, extra)
            if direct is not None:
                return direct
        hooks = self.hooks.get(op.operation_id)
        if hooks or rules is not None:  # the stages that read the request: one value carries it
            call = MockCall(
                request,
                self.api,
                op,
                params,
                body,
                preferences,
                decision,
                self.store,
                raw=raw,
                exchange=exchange,
                conversations=self.conversations,
                json=json,
            )
            programmed = NOTHING
            if rules is not None:
                programmed = await program(rules, call)
                exchange.rule, exchange.fault = programmed.rule, programmed.fault
                if isinstance(programmed.answer, JsonOutcome):
                    return send(self.api, programmed.answer, extra)
                if programmed.answer is not None:
                    return programmed.answer
                extra = (*extra, *programmed.headers)
                call.reply, call.headers = programmed.reply, programmed.headers
            for hook in hooks or ():
                try:
                    answered = await hook(call)
                except Refused as refused:  # in the API's envelope, as any refusal
                    return web_response(self.api.errors.refusal(op, refused))
                if isinstance(answered, JsonOutcome):
                    if repeat and programmed is NOTHING:
                        self._repeats.keep(op, request, raw, answered, extra)
                    return send(self.api, answered, extra)
                if answered is not None:
                    return answered
        if op.resource is not None:
            rendered = handle_resource(
                self.api,
                op,
                op.resource,
                decision,
                params=params,
                body=body,
                store=self.store,
                query=request.query if "?" in request.raw_path else _NO_QUERY,  # parsed only if sent
            )
            if rendered is not None:
                return web_response(rendered, extra)
        return web_response(render(self.api, op, decision, with_path(params, body)), extra)


def _gone(transport: asyncio.BaseTransport | None) -> bool:
    """Whether the client hung up before its answer could leave (a rule delayed it past its patience)."""
    return transport is None or transport.is_closing()


def _reason(exc: BaseException) -> str:
    """aiohttp's ``"400, message: ..."`` text down to its message, on one line."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    text = getattr(cause, "message", None) or str(cause) or type(cause).__name__
    return " ".join(str(text).split())
