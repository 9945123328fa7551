"""LLM answers for operations marked ``x-gatewright-compatible``: read the request, answer it.

For each such operation the hook reads a ``Prompt`` from the request, composes an
``Answer`` (``compose.py``), renders it in the operation's wire family (``wire.py``)
and lays it over a minimal spec-generated body, so the API's own required fields stay
and the result is checked against the spec before it leaves. Streams use the same
body: the stream extension asks ``body_for`` and replays it as events. A watcher
(``watch``) is told every answer one operation gives, JSON or streamed (stored
responses keep them).

An operation marked ``x-gatewright-rerank`` is answered with the request's documents ranked against its
query (``rerank.py``), laid over the spec's body and checked the same way.

An operation marked ``x-gatewright-mcp`` speaks MCP over JSON-RPC 2.0 (``mcp.py``): each request gets
its JSON-RPC response, checked against the route's 2xx schema; a notification 202 and no body.

An operation on a vendor's input-token count route (``Wire.count_route``: OpenAI's
``responses.input_tokens.count``) is answered with the count the create of its wire would bill for
the same request (``counting.py``).

The hook steps aside (``None``) where the client steers the mock elsewhere: a
``Prefer`` for a named example or a non-2xx status, or a documented answer that is
not JSON. Logprobs are answered only where the operation's request schema declares
``logprobs``: an API that does not would ignore the field.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock.answers.compose import Composer, IdSource
from gatewright.mock.answers.counting import count_body
from gatewright.mock.answers.embeddings import default_dimensions, embed, encode, inputs_of
from gatewright.mock.answers.fitting import Fitter, Plan, plan_of
from gatewright.mock.answers.mcp import McpServer, mcp_answer
from gatewright.mock.answers.prompt import READERS, prompt_as, prompt_of, read_for
from gatewright.mock.answers.rerank import RerankShape, rerank_body
from gatewright.mock.answers.reuse import AnswerCache, Key
from gatewright.mock.answers.text import count_tokens
from gatewright.mock.answers.wire import RENDERERS, embeddings_body
from gatewright.mock.extensions import DirectAnswer, MockCall, OperationHook, Refused
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, web_response
from gatewright.mock.render import Rendered, dumps, response_headers
from gatewright.spec.answers import Answer, Prompt
from gatewright.spec.model import MCP_EXTENSION, RERANK_EXTENSION
from gatewright.spec.wires import wire_counted_at

if TYPE_CHECKING:
    from gatewright.mock.rules.models import Reply

__all__ = ["AnswerExtension", "Watcher"]

log = logging.getLogger("gatewright.mock.answers")

# Told each answer one operation gives, as sent (a JSON body, or the body a stream replays).
Watcher = Callable[[MockCall, dict[str, Any]], None]
Vet = Callable[[MockCall], object]  # raises ``Refused`` for a request the watcher cannot have answered
_Watched = tuple[Watcher, Callable[[MockCall], bool] | None, Vet | None]  # the watcher, ``wants``, ``vet``


def _value(outcome: JsonOutcome) -> dict[str, Any]:
    """An answer's body as a value (a reuse is parsed from its bytes)."""
    if outcome.value is not None:
        body: dict[str, Any] = outcome.value
        return body
    assert outcome.raw is not None
    parsed: dict[str, Any] = json.loads(outcome.raw)
    return parsed


MAX_CHOICES = 4096  # choices one answer holds at most (``n`` times the prompts of a legacy batch)


def _within_choices(prompt: Prompt | None) -> None:
    """``Refused`` (400) where the request asks for more choices than one answer holds: OpenAI caps ``n``
    at 128 (normalize states it where the spec does not), and a legacy completion's prompts multiply it,
    so no request grows an answer, and the mock, without end."""
    asked = prompt.n * max(1, len(prompt.batch)) if prompt is not None else 0
    if asked > MAX_CHOICES:
        raise Refused(400, f"{asked} choices asked (n times the prompts); at most {MAX_CHOICES}", "n")


class AnswerExtension:
    """Binds every operation with an ``x-gatewright-compatible`` wire family."""

    name = "answers"
    repeatable = True

    def __init__(self, *, seed: int | None = None, clock: Callable[[], float] | None = None) -> None:
        self.seed = seed
        self.ids = IdSource(seed)
        self.composer = Composer(seed=seed, clock=clock, ids=self.ids)
        self.reused = AnswerCache()
        self.answered = 0
        self.fitter = Fitter()
        # (api, operationId) -> who is told, which requests' answers it wants (None: all), what vets them
        self._watchers: dict[tuple[str, str], _Watched] = {}

    def _now(self) -> int:
        return int(self.composer.clock())

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        shape = RerankShape.of(operation.operation.definition.get(RERANK_EXTENSION))
        if shape is not None:

            async def ranked(call: MockCall) -> JsonOutcome | None:
                return self.rerank(call, shape)

            return ranked
        server = McpServer.of(operation.operation.definition.get(MCP_EXTENSION))
        if server is not None:

            async def served(call: MockCall) -> JsonOutcome | web.StreamResponse | None:
                return self.mcp(call, server)

            return served
        if operation.wire is None:
            counted = wire_counted_at(operation.operation.method.lower(), operation.operation.path)
            if counted is None:
                return None

            async def count(call: MockCall) -> JsonOutcome | None:
                return self.count(call, counted.name)

            return count

        async def answer(call: MockCall) -> JsonOutcome | None:
            return self.outcome(call)

        return answer

    def count(self, call: MockCall, wire: str) -> JsonOutcome | None:
        """The input tokens the create of ``wire`` would bill for this request (see ``counting``)."""
        decision = call.json_decision()
        if decision is None or decision.media is None or (call.reply is not None and call.reply.sets_body):
            return None  # a named example, another status or a rule's body is what was asked for
        prompt = prompt_as(call, wire)
        if prompt is None or decision.media.schema_pointer is None:
            return None
        body = count_body(call.api, call.operation, decision, self.composer.prompt_tokens(prompt))
        headers = response_headers(call.api, call.operation, decision.response)
        return JsonOutcome(
            decision.status, body, decision.media.media_type, headers, decision.media.schema_pointer
        )

    def rerank(self, call: MockCall, shape: RerankShape) -> JsonOutcome | None:
        """The request's documents ranked against its query (see ``rerank``), over the spec's body."""
        decision = call.json_decision()
        if decision is None or decision.media is None or (call.reply is not None and call.reply.sets_body):
            return None  # a named example, another status or a rule's body is what was asked for
        pointer = decision.media.schema_pointer
        if pointer is None:
            return None
        request = call.body if isinstance(call.body, Mapping) else {}
        models = call.api.generator.model_ids
        model = request.get("model") if isinstance(request.get("model"), str) else None
        chosen = model or (models[0] if models else "mock-model")
        plan = plan_of(call.api, call.operation, decision)
        top = rerank_body(shape, request, chosen, self.seed)
        body, _ = self.fitter.fitted(call.api, call.operation, plan, pointer, top)
        self.answered += 1
        return JsonOutcome(decision.status, body, decision.media.media_type, plan.headers, pointer, True)

    def mcp(self, call: MockCall, server: McpServer) -> JsonOutcome | web.StreamResponse | None:
        """The JSON-RPC response to the request's message (see ``mcp``), or 202 and no body for a
        notification; a named example, another status or a rule's body is answered elsewhere."""
        decision = call.json_decision()
        if decision is None or decision.media is None or (call.reply is not None and call.reply.sets_body):
            return None
        version = call.api.spec.document.get("info", {}).get("version", "0")
        answer = mcp_answer(server, call.body, call.api.name, str(version))
        if answer is None:
            return web_response(Rendered(202, None, b""), call.headers)
        self.answered += 1
        media = decision.media
        return JsonOutcome(decision.status, answer, media.media_type, (), media.schema_pointer)

    def watch(
        self,
        api: str,
        operation_id: str,
        watcher: Watcher,
        *,
        wants: Callable[[MockCall], bool] | None = None,
        vet: Vet | None = None,
    ) -> None:
        """Tell ``watcher`` every answer the operation gives (stored responses keep them), or those to the
        requests ``wants`` picks (a cheap look at the request: the others' answers are not parsed, and stay
        repeatable by ``mock.repeats``). ``vet`` sees those requests before an answer is composed, and raises
        ``Refused`` for one the watcher's state cannot answer (a thread it does not keep): asked for directly,
        streamed or as a batch line, it is refused the same way, and the watcher never told of it."""
        self._watchers[(api, operation_id)] = (watcher, wants, vet)

    def reset(self) -> None:
        self.ids.reset()
        self.reused.clear()
        self.answered = 0

    def snapshot(self) -> dict[str, Any]:
        return {"answered": self.answered}

    def outcome(self, call: MockCall) -> JsonOutcome | None:
        answered = self._answer(call)
        if answered is not None and self._watchers and (watcher := self._watcher(call)) is not None:
            watcher(call, _value(answered))
            answered.again = None  # kept as state (a stored response, a thread): never given again as is
        return answered

    def _again(self, key: Key) -> bytes | None:
        """The kept answer for ``key`` once more, with fresh ids and time (None once it is dropped)."""
        raw = self.reused.get(key, self.ids.next, self._now)
        if raw is not None:
            self.answered += 1
        return raw

    def direct(self, api: MockApi, operation: MockOperation) -> DirectAnswer | None:
        """The direct lane's answer (``extensions.DirectLane``) on an operation whose wire carries a prompt,
        as ``_composed`` gives it, sent at once (no ``JsonOutcome`` to carry to ``send``) unless it is kept
        for repeats; an answer a watcher keeps is left to the hooks (``outcome``), which tell the watcher.
        None on other operations (embeddings: no prompt)."""
        wire = operation.wire
        definition = operation.operation.definition
        if wire not in READERS or RERANK_EXTENSION in definition or MCP_EXTENSION in definition:
            return None
        watched = (api.name, operation.operation_id)

        def answer(body: Any, raw: bytes, decision: Decision) -> web.Response | JsonOutcome | None:
            if watched in self._watchers:
                return None
            request = body if type(body) is dict or isinstance(body, Mapping) else {}
            prompt = read_for(operation, wire, request)
            plan = plan_of(api, operation, decision)
            outcome = self._composed(api, operation, decision, request, prompt, plan=plan, raw=raw)
            if outcome.again is not None:  # kept: ``mock.repeats`` may give it again
                return outcome
            sent = outcome.raw if outcome.raw is not None else dumps(outcome.value)
            return web.Response(status=outcome.status, body=sent, headers=plan.sent)

        return answer

    def body_for(self, call: MockCall) -> dict[str, Any] | None:
        """The JSON answer this request gets (what a stream replays), or None where the hook steps aside."""
        answered = self._answer(call)
        if answered is None:
            return None
        body = _value(answered)
        if (watcher := self._watcher(call)) is not None:
            watcher(call, body)
        return body

    def _watcher(self, call: MockCall) -> Watcher | None:
        if not self._watchers:  # most APIs: nobody keeps their answers
            return None
        held = self._watchers.get((call.api.name, call.operation.operation_id))
        if held is None:
            return None
        watcher, wants, _ = held
        return watcher if wants is None or wants(call) else None

    def _vet(self, call: MockCall) -> None:
        """``Refused`` where the watcher of ``call``'s answers refuses it (see ``watch``)."""
        held = self._watchers.get((call.api.name, call.operation.operation_id)) if self._watchers else None
        if held is not None and held[2] is not None and (held[1] is None or held[1](call)):
            held[2](call)

    def _answer(self, call: MockCall) -> JsonOutcome | None:
        """The answer (``_composed``); None where the hook steps aside."""
        op = call.operation
        if op.wire is None:
            return None
        decision = call.json_decision()
        if decision is None:
            return None
        self._vet(call)
        body = call.body
        request = body if type(body) is dict or isinstance(body, Mapping) else {}
        prompt = prompt_of(call)
        plan = plan_of(call.api, op, decision)
        return self._composed(
            call.api, op, decision, request, prompt, plan=plan, raw=call.raw, reply=call.reply
        )

    def _known(self, key: Key, decision: Decision, plan: Plan) -> JsonOutcome | None:
        """The answer kept for ``key`` once more, with fresh ids and time; None where none is kept."""
        known = self._again(key)
        if known is None:
            return None
        media = decision.media
        assert media is not None
        again = partial(self._again, key)
        return JsonOutcome(
            decision.status, None, media.media_type, plan.headers, media.schema_pointer, True, known, again
        )

    def _composed(
        self,
        api: MockApi,
        op: MockOperation,
        decision: Decision,
        request: Mapping[str, Any],
        prompt: Prompt | None,
        *,
        plan: Plan,
        raw: bytes,
        reply: Reply | None = None,
    ) -> JsonOutcome:
        """The answer to ``request`` (sent as ``raw``, read as ``prompt``) at ``decision`` (whose ``plan``
        it follows), checked: composed (``body``), serialized too when now kept (``raw``), or a kept one
        again (``raw`` alone, with fresh ids and time); a rule's ``reply`` may script it (never kept)."""
        wire = op.wire
        media = decision.media
        assert wire is not None and media is not None and media.schema_pointer is not None
        pointer = media.schema_pointer
        _within_choices(prompt)
        scripted = reply is not None and reply.scripts_answer
        key = None if scripted else self.reused.key(op.operation_id, pointer, wire, raw)
        known = self._known(key, decision, plan) if key is not None else None
        if known is not None:
            return known
        top, answer = self._wire_body(api, op, reply, request, prompt)
        composed, answer = self.fitter.fitted(api, op, plan, pointer, top, answer=answer, request=request)
        self.answered += 1
        outcome = JsonOutcome(decision.status, composed, media.media_type, plan.headers, pointer, True)
        if key is not None:
            outcome.raw, kept = self.reused.put(key, composed, answer)
            outcome.again = partial(self._again, key) if kept else None
        return outcome

    def _wire_body(
        self,
        api: MockApi,
        op: MockOperation,
        reply: Reply | None,
        request: Mapping[str, Any],
        prompt: Prompt | None,
    ) -> tuple[dict[str, Any], Answer | None]:
        """The wire body of ``op``'s wire, and the answer it renders (None for embeddings, which have no
        ids); ``reply``: a rule's, which may script the answer."""
        wire = op.wire
        assert wire is not None
        default_model = api.generator.model_ids[0] if api.generator.model_ids else "mock-model"
        if wire == "openai-embeddings":
            return self._embeddings(request, default_model), None
        assert prompt is not None  # every wire but embeddings carries one
        if prompt.logprobs is not None and "logprobs" not in api.request_fields(op):
            prompt = replace(prompt, logprobs=None)
        if reply is not None and reply.scripts_answer:
            text = json.dumps(reply.json, ensure_ascii=False) if reply.has_json else reply.text
            calls = tuple((call.name, call.arguments) for call in reply.tool_calls)
            answer = self.composer.scripted(prompt, text=text, calls=calls, default_model=default_model)
        else:
            answer = self.composer.answer(prompt, wire=wire, default_model=default_model)
        return RENDERERS[wire](answer, request), answer

    def _embeddings(self, request: Mapping[str, Any], default_model: str) -> dict[str, Any]:
        model = request.get("model") if isinstance(request.get("model"), str) else default_model
        assert isinstance(model, str)
        texts = inputs_of(request)
        requested = request.get("dimensions")
        dimensions = (
            requested
            if isinstance(requested, int) and not isinstance(requested, bool) and 0 < requested <= 16384
            else default_dimensions(model)
        )
        encoding = request.get("encoding_format")
        vectors = [encode(embed(text, model, dimensions, self.seed), str(encoding)) for text in texts]
        tokens = max(1, sum(count_tokens(text) for text in texts))
        return embeddings_body(vectors, model, tokens)
