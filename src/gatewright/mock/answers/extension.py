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
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from aiohttp import web

from gatewright.mock.answers.compose import Composer, IdSource
from gatewright.mock.answers.counting import count_body
from gatewright.mock.answers.embeddings import default_dimensions, embed, encode, inputs_of
from gatewright.mock.answers.mcp import McpServer, mcp_answer
from gatewright.mock.answers.prompt import prompt_as, prompt_of
from gatewright.mock.answers.rerank import RerankShape, rerank_body
from gatewright.mock.answers.reuse import AnswerCache, Key
from gatewright.mock.answers.text import count_tokens
from gatewright.mock.answers.wire import REASONING_ASKED, RENDERERS, embeddings_body
from gatewright.mock.extensions import MockCall, OperationHook, Refused
from gatewright.mock.fit import fit
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, web_response
from gatewright.mock.render import Rendered, response_headers
from gatewright.spec.answers import Answer, Prompt
from gatewright.spec.model import MCP_EXTENSION, RERANK_EXTENSION
from gatewright.spec.wires import wire_counted_at

__all__ = ["AnswerExtension", "Watcher"]

log = logging.getLogger("gatewright.mock.answers")

# Told each answer one operation gives, as sent (a JSON body, or the body a stream replays).
Watcher = Callable[[MockCall, dict[str, Any]], None]
Vet = Callable[[MockCall], object]  # raises ``Refused`` for a request the watcher cannot have answered
_Watched = tuple[Watcher, Callable[[MockCall], bool] | None, Vet | None]  # the watcher, ``wants``, ``vet``


@dataclass(frozen=True, slots=True)
class _Plan:
    """What every answer at one response schema of an operation shares, worked out once (one lookup
    a request, where the base, the validator and the required headers were three)."""

    base: Any  # what the spec itself requires of the body (required fields only)
    is_valid: Callable[[Any], bool]  # the output check of the schema (formats included)
    headers: tuple[tuple[str, str], ...]  # values for the response headers the spec marks required


def _value(outcome: JsonOutcome) -> dict[str, Any]:
    """An answer's body as a value (a reuse is parsed from its bytes)."""
    if outcome.value is not None:
        body: dict[str, Any] = outcome.value
        return body
    assert outcome.raw is not None
    parsed: dict[str, Any] = json.loads(outcome.raw)
    return parsed


def _plainer(answer: Answer, wire: str) -> Answer | None:
    """``answer`` without what a spec may lack room for beside the wire's basics: the thinking before its
    choices (and the tokens it billed), a Responses reasoning item (ipop's output items are only messages
    and function calls: its reasoning stays billed, and a text it left empty is an empty message again),
    and where the wire states them only when asked (``REASONING_ASKED``) its hidden reasoning tokens
    (still billed: the usage stays true); None where it holds none of them."""
    unstate = wire in REASONING_ASKED
    if not any(
        c.thinking is not None or c.summary is not None or (unstate and c.reasoning is not None)
        for c in answer.choices
    ):
        return None
    choices = tuple(
        replace(
            choice,
            thinking=None,
            thinking_tokens=0,
            summary=None,
            reasoning=None if unstate else choice.reasoning,
            tokens=choice.tokens - choice.thinking_tokens,
        )
        for choice in answer.choices
    )
    return replace(answer, choices=choices)


def _kept(fitted: Any, top: dict[str, Any]) -> int:
    """How many of ``top``'s parts a fit kept as they were (the spec's refusals drop the others)."""
    return sum(1 for key, part in top.items() if isinstance(fitted, dict) and fitted.get(key) == part)


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
        self._warned: set[tuple[str, str]] = set()
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
        plan = self._plan(call.api, call.operation, decision, pointer)
        top = rerank_body(shape, request, chosen, self.seed)
        fitted, complete = fit(plan.base, top, plan.is_valid)
        if not complete:
            self._warn(call.api, call.operation, pointer, top)
        self.answered += 1
        body = fitted if isinstance(fitted, dict) else top
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
        """The answer, checked: composed (``body``), serialized too when now kept (``raw``), or a kept one
        again (``raw`` alone, with fresh ids and time); None where the hook steps aside."""
        op = call.operation
        wire = op.wire
        if wire is None:
            return None
        decision = call.json_decision()
        if decision is None:
            return None
        self._vet(call)
        media = decision.media
        assert media is not None and media.schema_pointer is not None
        body = call.body
        request = body if type(body) is dict or isinstance(body, Mapping) else {}
        pointer = media.schema_pointer
        prompt = prompt_of(call)
        _within_choices(prompt)
        plan = self._plan(call.api, op, decision, pointer)
        scripted = call.reply is not None and call.reply.scripts_answer
        key = None if scripted else self.reused.key(op.operation_id, pointer, wire, call.raw)
        if key is not None:
            raw = self._again(key)
            if raw is not None:
                again = partial(self._again, key)
                return JsonOutcome(
                    decision.status, None, media.media_type, plan.headers, pointer, True, raw, again
                )
        top, answer = self._wire_body(call, wire, request, prompt)
        fitted, complete = fit(plan.base, top, plan.is_valid)
        if not complete and answer is not None and (plainer := _plainer(answer, wire)) is not None:
            # A spec whose answers hold no thinking blocks or reasoning items, or whose usage no reasoning
            # details: the answer without them, where the fit would drop the whole part they are in.
            plain_top = RENDERERS[wire](plainer, request)
            plain, complete = fit(plan.base, plain_top, plan.is_valid)
            if complete or _kept(plain, plain_top) > _kept(fitted, top):  # else they cost it nothing
                answer, top, fitted = plainer, plain_top, plain
        if not complete:
            self._warn(call.api, op, pointer, top)
        composed = fitted if isinstance(fitted, dict) else top
        self.answered += 1
        outcome = JsonOutcome(decision.status, composed, media.media_type, plan.headers, pointer, True)
        if key is not None:
            outcome.raw, kept = self.reused.put(key, composed, answer)
            outcome.again = partial(self._again, key) if kept else None
        return outcome

    def _wire_body(
        self, call: MockCall, wire: str, request: Mapping[str, Any], prompt: Prompt | None
    ) -> tuple[dict[str, Any], Answer | None]:
        """The wire body, and the answer it renders (None for embeddings, which have no ids)."""
        api, op, reply = call.api, call.operation, call.reply
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

    @staticmethod
    def _plan(api: MockApi, op: MockOperation, decision: Decision, pointer: str) -> _Plan:
        """What every answer at ``pointer`` shares (``_Plan``), worked out on its first answer (a media
        schema's pointer names its response: two responses sharing a ``$ref`` have a plan each)."""
        key = ("answer-plan", pointer)
        plan = op.body_cache.get(key)
        if plan is None:
            plan = _Plan(
                api.generator.generate(pointer, minimal=True),
                api.schemas.validator(pointer, formats=True).is_valid,
                response_headers(api, op, decision.response),
            )
            op.body_cache[key] = plan
        assert isinstance(plan, _Plan)
        return plan

    def _warn(self, api: MockApi, op: MockOperation, pointer: str, top: dict[str, Any]) -> None:
        """The spec forbids part of the compatible answer: say so once per operation."""
        if (api.name, op.operation_id) in self._warned:
            return
        self._warned.add((api.name, op.operation_id))
        errors = api.schemas.errors(pointer, top, formats=True, limit=3)
        log.warning(
            "%s %s: the spec forbids part of the %s answer, sent without it: %s",
            api.name,
            op.operation_id,
            op.wire or "rerank",
            "; ".join(f"{e.path or '/'}: {e.message}" for e in errors),
        )
