"""Streaming in the mock: answer SSE requests in the wire format ``x-gatewright-stream`` names.

The events are built from the JSON body the mock would have returned for the same
request (an LLM answer where the operation is compatible: the ``AnswerSource`` that
``mock.defaults`` hands the extension, the answer extension), so
streamed text equals non-streamed text, and go out one write each. A
request streams when its body says ``stream: true``, when ``Accept`` asks for
``text/event-stream``, or when SSE is the operation's only success media type
(ipop agent-turn events, empiriolabs ``/v1/audio/speech:stream``).

ipop agent-turn events follow the turn in the task engine when there is one: the
stream sends the lifecycle values the turn has been through, then keeps the
connection open and sends each new one (each check counts as a poll) until the
turn ends.

Every event passes the output check (``outcome.EventCheck``) against the schema of the
``text/event-stream`` media object, unless a rule scripted the answer ``conformant: false``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from gatewright.mock import media
from gatewright.mock.extensions import AnswerSource, MockCall, OperationHook, StepsAside
from gatewright.mock.files import FileSigner
from gatewright.mock.negotiation import negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import EventCheck
from gatewright.mock.render import render
from gatewright.mock.sse.writer import open_stream, stream_events, write_events
from gatewright.mock.streaming.ipop import resume_point
from gatewright.mock.streaming.registry import StreamContext, StreamFormat, get_format
from gatewright.mock.tasks.engine import TaskEngine
from gatewright.mock.tasks.models import Task
from gatewright.spec.expressions import Exchange
from gatewright.spec.media import is_json
from gatewright.spec.model import STREAM_EXTENSION
from gatewright.spec.tasks import Phase, task_id_in
from gatewright.spec.wires import stream_shapes

__all__ = ["StreamExtension", "count_events"]

SSE = "text/event-stream"
AGENT_TEXT = "The mock agent finished this turn."


@dataclass(frozen=True, slots=True)
class _Streamed:
    format: StreamFormat
    format_name: str
    sse_only: bool  # no JSON alternative: every successful call streams
    pointer: str | None  # the schema of one event (the SSE media object's), for the output check


def _declared(api: MockApi, op: MockOperation) -> _Streamed | None:
    for response in op.responses:
        if not response.key.startswith("2") or not response.pointer:
            continue
        definition = api.schemas.resolve(response.pointer)
        entry = (definition.get("content") or {}).get(SSE) if isinstance(definition, Mapping) else None
        extension = entry.get(STREAM_EXTENSION) if isinstance(entry, Mapping) else None
        name = extension.get("format") if isinstance(extension, Mapping) else None
        if isinstance(name, str):
            sse_only = all(m.media_type == SSE for m in response.media)
            pointer = next((m.schema_pointer for m in response.media if m.media_type == SSE), None)
            return _Streamed(get_format(name), name, sse_only, pointer)
    return None


def _asks_stream(body: Any, headers: Mapping[str, str]) -> bool:
    """Whether a request asks for the stream where its operation answers JSON too: ``"stream": true``,
    or an ``Accept`` of event streams and not JSON."""
    if (type(body) is dict or isinstance(body, Mapping)) and body.get("stream") is True:
        return True
    accept = headers.get("Accept", "")
    return SSE in accept and "application/json" not in accept


def _not_streamed(body: Any, headers: Mapping[str, str]) -> bool:
    return not _asks_stream(body, headers)


class StreamExtension:
    """Binds every operation whose success response declares ``x-gatewright-stream``."""

    name = "streams"
    repeatable = True

    def __init__(
        self,
        *,
        delay: float = 0.0,
        files: FileSigner | None = None,
        tasks: TaskEngine | None = None,
        answers: AnswerSource | None = None,
        follow_interval: float = 0.05,
    ) -> None:
        self.delay = delay
        self.files = files
        self.tasks = tasks
        self.answers = answers
        self.follow_interval = follow_interval
        self.streams_started = 0

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        streamed = _declared(api, operation)
        if streamed is None:
            return None
        if streamed.pointer is not None:  # compiled now: a stream's output check only looks it up
            api.schemas.validator(streamed.pointer, formats=True)

        async def stream(call: MockCall) -> web.StreamResponse | None:
            if call.preferences.code is not None and not 200 <= call.preferences.code < 300:
                return None
            if not streamed.sse_only and not _asks_stream(call.body, call.request.headers):
                return None
            request_body = call.body if isinstance(call.body, Mapping) else {}
            self.streams_started += 1
            body = self._final_body(call)
            if streamed.format_name == "empiriolabs-speech" and self.files is not None:
                base = f"{call.request.scheme}://{call.request.host}"
                body["url"] = self.files.url(base, f"speech-{self.streams_started}", media.MediaKind.WAV)
            context = self._context(call, streamed, request_body)
            check = _check(call, streamed)
            task = self._turn(call, streamed)
            if task is not None:
                return await self._follow(call, streamed, body, context, task, check=check)
            events = streamed.format(body, context)
            faults = call.reply.stream if call.reply is not None and call.reply.stream.any else None
            return await stream_events(
                call.request, events, delay=self.delay, headers=dict(call.headers), faults=faults, check=check
            )

        return stream

    def steps_aside(self, api: MockApi, operation: MockOperation) -> StepsAside | None:
        """Whether the hook on ``operation`` steps aside for a request (its body, its headers) that sends no
        ``Prefer`` (the direct lane's test, ``extensions.DirectLane``): one that asks for no stream; None
        where the operation answers only with one."""
        streamed = _declared(api, operation)
        if streamed is None or streamed.sse_only:
            return None
        return _not_streamed

    def reset(self) -> None:
        self.streams_started = 0

    def snapshot(self) -> dict[str, Any]:
        return {"streams_started": self.streams_started}

    def _final_body(self, call: MockCall) -> dict[str, Any]:
        """The JSON body the same request would get without streaming (empty when there is none)."""
        answered = self.answers.body_for(call) if self.answers is not None else None
        if answered is not None:
            return answered
        decision = negotiate(call.operation.responses, call.preferences, "application/json")
        if decision.media is None or not is_json(decision.media.media_type):
            body: dict[str, Any] = {}
        else:
            rendered = render(call.api, call.operation, decision, call.body)
            loaded = json.loads(rendered.body) if rendered.body else {}
            body = loaded if isinstance(loaded, dict) else {}
        for name, value in call.path_params.items():
            body.setdefault(name, value)
        return body

    def _turn(self, call: MockCall, streamed: _Streamed) -> Task | None:
        """The engine's task behind an agent-turn stream (its ``request_id``), if there is one."""
        if self.tasks is None or streamed.format_name != "ipop-agent-events":
            return None
        names = call.operation.operation.template.names
        task_id = task_id_in(None, names, Exchange(path=call.path_params))  # the last path parameter
        return None if task_id is None else self.tasks.get(call.api.name, task_id)

    async def _follow(
        self,
        call: MockCall,
        streamed: _Streamed,
        body: dict[str, Any],
        context: StreamContext,
        task: Task | None,
        *,
        check: EventCheck | None,
    ) -> web.StreamResponse:
        """Send the turn's events as it moves on, until it ends (or vanishes, or the client leaves)."""
        assert self.tasks is not None
        response = await open_stream(call.request)
        sent = context.resume_after
        while task is not None:
            current = replace(context, resume_after=sent, lifecycle=_lifecycle(task), outcome=_outcome(task))
            events = list(streamed.format(body, current))
            if not await write_events(response, events, delay=self.delay, eof=False, check=check):
                return response
            if events and events[-1].id is not None:
                sent = max(sent, int(events[-1].id))
            if task.terminal:
                break
            await asyncio.sleep(self.follow_interval)
            task = self.tasks.poll(call.api.name, task.id)
        await write_events(response, (), delay=self.delay)
        return response

    def _context(self, call: MockCall, streamed: _Streamed, request_body: Mapping[str, Any]) -> StreamContext:
        if streamed.format_name == "ipop-agent-events":
            headers, query = call.request.headers, call.request.query
            seen = resume_point(headers.get("Last-Event-ID"), query.get("after_event_seq"))
            return StreamContext(request=request_body, resume_after=seen, text=AGENT_TEXT)
        return StreamContext(request=request_body)


def _check(call: MockCall, streamed: _Streamed) -> EventCheck | None:
    """The output check of this stream's events (None: no schema, or a rule's ``conformant: false``)."""
    if streamed.pointer is None or (call.reply is not None and not call.reply.conformant):
        return None
    # streams are sent with 200 (``open_stream``); each event also as its wire's data file describes it
    return EventCheck(call.api, 200, streamed.pointer, shapes=stream_shapes(streamed.format_name))


def count_events(api: MockApi, operation_id: str, task: Task) -> int | None:
    """How many events the stream ``operation_id`` holds for ``task`` now (a connection opened now
    sends them, numbered from 1): the value of a poll body's counter that follows it; None when the
    operation does not stream."""
    operation = api.operations.get(operation_id)
    streamed = _declared(api, operation) if operation is not None else None
    if streamed is None:
        return None
    context = StreamContext(text=AGENT_TEXT, lifecycle=_lifecycle(task), outcome=_outcome(task))
    return sum(1 for _ in streamed.format({}, context))


def _lifecycle(task: Task) -> tuple[str, ...]:
    """The status words ``task`` has shown so far, in order."""
    words = [task.states.status_for(Phase.INITIAL)]
    if task.started_at is not None:
        words.append(task.states.status_for(Phase.RUNNING))
    if task.terminal:
        words.append(task.status)
    return tuple(words)


def _outcome(task: Task) -> str | None:
    return task.phase.value if task.terminal else None
