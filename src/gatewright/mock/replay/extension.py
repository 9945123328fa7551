"""Replay as the first source of answers: an extension whose hook runs before the others'.

The pipeline calls it after routing, auth, validation, the run-wide faults and the
rules, and before task lifecycles, streams and LLM answers. What was asked for
explicitly wins over a recording: a rule that scripts the answer (``text``,
``tool_calls``, ``json``; a rule that answers by itself never reaches here) and a
``Prefer`` header that steers the mock (``code``, ``example``, ``dynamic``). A rule's
headers and stream faults apply to the replayed answer.

Only operations with recordings get a hook (every operation with ``strict``), so an
operation without any pays nothing. A request without a recording falls through to the
spec-driven answer, or with ``strict`` gets 404 in the API's error envelope naming the
operation and what was asked. The journal shows ``replay:<fixture>`` (or
``replay:miss``) as the request's rule.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import web_response
from gatewright.mock.replay.book import ReplayBook
from gatewright.mock.replay.matcher import describe_request, request_key
from gatewright.mock.replay.playback import play
from gatewright.spec.recording import TEST_ID_HEADER
from gatewright.spec.security import credential_names

__all__ = ["MISS", "ReplayExtension"]

MISS = "replay:miss"


class ReplayExtension:
    name = "replay"
    repeatable = False

    def __init__(self, book: ReplayBook) -> None:
        self.book = book

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        book = self.book
        op_id = operation.operation_id
        if not book.strict and not book.recorded(api.name, op_id):
            return None
        credentials = credential_names(api.spec).query
        wire = operation.wire

        async def replay(call: MockCall) -> web.StreamResponse | None:
            reply, preferences = call.reply, call.preferences
            if reply is not None and reply.sets_body:  # a rule says what the body is: rendered later
                return None
            if preferences.code is not None or preferences.example is not None or preferences.dynamic:
                return None  # Prefer steers the spec-driven answer
            request = call.request
            query = request.rel_url.raw_query_string
            key = request_key(api.name, op_id, call.path_params, query, call.body, credentials)
            fixture = await book.pick(key, request.headers.get(TEST_ID_HEADER))
            if fixture is not None:
                _journal(call, f"replay:{fixture.name}")
                faults = reply.stream if reply is not None and reply.stream.any else None
                return await play(
                    request,
                    fixture.recording.response,
                    call.headers,
                    faults,
                    api=api,
                    pointer=None if reply is not None and not reply.conformant else fixture.schema_pointer,
                )
            if not book.strict:
                return None
            _journal(call, MISS)
            message = _miss(op_id, describe_request(key, call.body, wire), book.recorded(api.name, op_id))
            rendered = api.errors.for_operation(operation, 404, message)
            return web_response(rendered, call.headers)

        return replay

    def reset(self) -> None:
        """Nothing here: sequences are counted in the ``ControlStore``, which the reset clears."""

    def snapshot(self) -> dict[str, Any]:
        return self.book.describe()


def _miss(operation: str, asked: str, recorded: int) -> str:
    """The message of a strict miss: the operation, what was asked, what was recorded instead."""
    if not recorded:
        others = f"nothing of {operation} was recorded"
    elif recorded == 1:
        others = f"1 recorded answer of {operation} is for another request"
    else:
        others = f"{recorded} recorded answers of {operation} are for other requests"
    return f"replay: no recording of {operation} matches this request ({asked}); {others}"


def _journal(call: MockCall, label: str) -> None:
    exchange = call.exchange
    if exchange is not None:
        exchange.rule = label if exchange.rule is None else f"{exchange.rule}, {label}"
