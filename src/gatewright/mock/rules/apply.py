"""Turn the rules and global faults into what the pipeline does with one request.

``program`` runs after routing, auth and validation (an invalid request still gets its
400): global latency, the ``--rpm`` quota, the ``--error-rate`` roll, then the first
matching rule. It either answers here (an error status, a named example, a whole
body) or hands the reply on: LLM answers (text, tool calls, JSON) and stream faults
are rendered by the answer and stream extensions, in the API's own wire shape.

What it answers here passes the output check (``outcome.check``): a scripted ``body`` in
``send``, examples, status answers and fault envelopes through ``checked_response``; not
a reply marked ``conformant: false``, which may break the spec on purpose.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock.answers.prompt import prompt_of
from gatewright.mock.negotiation import Decision, negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, checked_response
from gatewright.mock.preferences import Preferences
from gatewright.mock.render import render
from gatewright.mock.rules.book import RuleBook
from gatewright.mock.rules.models import Reply
from gatewright.spec.media import is_json

if TYPE_CHECKING:
    from gatewright.mock.extensions import MockCall

__all__ = ["Programmed", "program"]

_REASONS = {
    408: "request timeout",
    429: "rate limit exceeded",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
    529: "overloaded",
}


@dataclass(frozen=True, slots=True)
class Programmed:
    answer: web.StreamResponse | JsonOutcome | None = None  # answered here
    reply: Reply | None = None  # else: the reply the extensions render
    rule: str | None = None
    fault: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # added to whatever answers


NOTHING = Programmed()


def _error(
    api: MockApi,
    op: MockOperation,
    status: int,
    message: str | None,
    headers: tuple[tuple[str, str], ...],
    *,
    conformant: bool = True,
) -> web.Response:
    text = message or f"gatewright mock: {_REASONS.get(status, 'scripted error')}"
    rendered = api.errors.for_operation(op, status, text)
    pointer = api.errors.schema_for(op.responses, status) if conformant else None
    return checked_response(api, rendered, pointer, headers)


def _rendered(
    api: MockApi,
    op: MockOperation,
    decision: Decision,
    body: Any,
    headers: tuple[tuple[str, str], ...],
    *,
    conformant: bool,
) -> web.Response:
    """A rule's answer rendered from the spec (a named example, a documented status), checked on its
    way out against the schema ``render`` renders it by (an error envelope's for an error status
    without an example)."""
    media = decision.media
    pointer = None
    if conformant and media is not None and is_json(media.media_type):
        error = decision.status >= 400 and decision.example is None
        pointer = api.errors.schema_for(op.responses, decision.status) if error else media.schema_pointer
    return checked_response(api, render(api, op, decision, body), pointer, headers)


def _rate_headers(limit: int, remaining: int, reset: float) -> tuple[tuple[str, str], ...]:
    """OpenAI's and Anthropic's rate-limit headers (OpenAI's reset is a duration, Anthropic's the moment,
    RFC 3339); ``Retry-After`` only when it is spent."""
    seconds = f"{max(reset, 0.0):.3f}s"
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=max(reset, 0.0))
    return (
        ("x-ratelimit-limit-requests", str(limit)),
        ("x-ratelimit-remaining-requests", str(remaining)),
        ("x-ratelimit-reset-requests", seconds),
        ("anthropic-ratelimit-requests-limit", str(limit)),
        ("anthropic-ratelimit-requests-remaining", str(remaining)),
        ("anthropic-ratelimit-requests-reset", moment.isoformat(timespec="seconds").replace("+00:00", "Z")),
    )


async def program(book: RuleBook, call: MockCall) -> Programmed:
    """What the rules and faults make of ``call``: an answer given here, or a reply (and headers) for
    the extensions to render, or nothing. A rule that reads the prompt reads the call's (``prompt_of``:
    read once, the answers use it too)."""
    api, op, body, decision = call.api, call.operation, call.body, call.decision
    faults = book.faults
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    quota: tuple[tuple[str, str], ...] = ()
    if faults.rpm is not None:
        allowed, remaining, reset = await book.take_quota(api.name)
        quota = _rate_headers(faults.rpm, remaining, reset)
        if not allowed:
            wait = max(1, math.ceil(reset))
            headers = (*quota, ("Retry-After", str(wait)), ("retry-after-ms", str(int(reset * 1000))))
            return Programmed(_error(api, op, 429, None, headers), fault="rpm")
    if book.error_roll():
        return Programmed(_error(api, op, 500, None, quota), fault="error-rate", headers=quota)
    picked = await book.pick(api, op, body, call.request.headers, prompt=partial(prompt_of, call))
    if picked is None:
        return Programmed(headers=quota) if quota else NOTHING
    reply, label = picked.reply, picked.rule.label
    headers = (*quota, *reply.headers)
    if reply.delay_ms:
        await asyncio.sleep(reply.delay_ms / 1000)
    answer = _answer_here(api, op, reply, headers, body, decision)
    return Programmed(answer, None if answer is not None else reply, label, reply.fault, headers)


def _answer_here(  # noqa: PLR0917 - one private step of program()
    api: MockApi,
    op: MockOperation,
    reply: Reply,
    headers: tuple[tuple[str, str], ...],
    body: Any,
    decision: Decision,
) -> web.StreamResponse | JsonOutcome | None:
    """The answers a rule gives without the extensions: errors, named examples, whole bodies."""
    if reply.example is not None:
        chosen = negotiate(
            op.responses, Preferences(code=reply.status, example=reply.example), "application/json"
        )
        return _rendered(api, op, chosen, body, headers, conformant=reply.conformant)
    if reply.has_body:
        chosen = negotiate(
            op.responses, Preferences(code=reply.status), "application/json", default_status=reply.status
        )
        media = chosen.media
        pointer = media.schema_pointer if media is not None and is_json(media.media_type) else None
        return JsonOutcome(
            reply.status or chosen.status,
            reply.body,
            media.media_type if media is not None and is_json(media.media_type) else "application/json",
            headers,
            pointer if reply.conformant else None,
        )
    if reply.status is not None and not reply.scripts_answer:
        if reply.status >= 400:
            return _error(api, op, reply.status, reply.message, headers, conformant=reply.conformant)
        chosen = negotiate(op.responses, Preferences(code=reply.status), decision_accept(decision))
        return _rendered(api, op, chosen, body, headers, conformant=reply.conformant)
    return None


def decision_accept(decision: Decision) -> str:
    media = decision.media
    return media.media_type if media is not None else "application/json"
