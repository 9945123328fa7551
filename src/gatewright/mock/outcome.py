"""Values a pipeline stage answers with, the one final stage that turns them into responses, and
the one output check every answer passes.

A stage that decides a JSON body returns it as a ``JsonOutcome`` instead of building an
aiohttp response: ``send`` adds headers, serializes, and checks the body against the
spec's schema (unless the stage already did), so no stage can send an invalid body
unnoticed. ``web_response`` sends bodies rendered as bytes (examples, generated bodies,
error envelopes: built keep-if-valid where they are made); ``checked_response`` is
``web_response`` through the check, for the rules' rendered answers.

``check`` is the output check, and the only one: ``send`` (JSON answers, a rule's scripted
``body``), ``checked_response`` (a rule's example, status and fault answers), every event of a
stream (``EventCheck``, which the stream writer calls: the mock's own streams, also held to their
wire's event shapes, and replayed ones)
and replayed bodies (``replay.playback``) all pass through it. What it finds is a mock bug: a
warning naming the API, the status, the schema pointer and the first errors; the answer is still
sent. Answers marked nonconformant on purpose (a rule's ``conformant: false``, a recording kept by
``--replay-nonconformant`` although it breaks the spec) are not checked.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import CIMultiDict

from gatewright.mock.answer_headers import merged
from gatewright.mock.errors import ErrorBody
from gatewright.mock.render import Rendered, dumps
from gatewright.spec.media import is_json, media_type_of

if TYPE_CHECKING:
    from gatewright.mock.operations import MockApi, MockOperation
    from gatewright.spec.wire_streams import StreamShapes

__all__ = [
    "EventCheck",
    "JsonOutcome",
    "check",
    "checked_response",
    "error_response",
    "headers_of",
    "send",
    "web_response",
]

logger = logging.getLogger("gatewright.mock")


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class JsonOutcome:
    status: int
    value: Any
    media_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    schema_pointer: str | None = None  # the response schema the value must satisfy (None: unchecked)
    checked: bool = False  # already validated against ``schema_pointer``
    raw: bytes | None = None  # the body already serialized (then ``value`` may be None): sent as it is
    # This answer's body again, for a byte-identical request (``mock.repeats``): the same status and
    # headers, new bytes (fresh ids and time), or None once it is no longer kept.
    again: Callable[[], bytes | None] | None = field(default=None, compare=False)


# Streams whose client went away before they ended, as their writer saw it (a write refused, a stall
# given up): recorded as 499. A stream a fault cut, or one whose client closed at its terminal event,
# is not here. Held weakly: a response leaves with its request (aiohttp < 3.13 has no response keys).
CLIENT_LEFT: weakref.WeakSet[web.StreamResponse] = weakref.WeakSet()


def web_response(rendered: Rendered | ErrorBody, extra: Sequence[tuple[str, str]] = ()) -> web.Response:
    media_type = rendered.content_type if rendered.content_type is not None and rendered.body else None
    headers = merged(getattr(rendered, "headers", ()), extra, media_type=media_type)
    return web.Response(status=rendered.status, body=rendered.body or None, headers=headers)


def error_response(
    api: MockApi, op: MockOperation, status: int, message: str, *, param: str | None = None
) -> web.Response:
    """``status`` with ``message`` in the API's error envelope, as ``op`` documents it."""
    return web_response(api.errors.for_operation(op, status, message, param=param))


def checked_response(
    api: MockApi,
    rendered: Rendered | ErrorBody,
    pointer: str | None,
    extra: Sequence[tuple[str, str]] = (),
) -> web.Response:
    """``web_response`` for a JSON body rendered as bytes, its value through ``check`` first
    (``pointer``: the schema it was rendered for; None, or a body that is not JSON: unchecked)."""
    if pointer is not None and rendered.body and is_json(media_type_of(rendered.content_type)):
        check(api, rendered.status, pointer, json.loads(rendered.body))
    return web_response(rendered, extra)


def check(api: MockApi, status: int, pointer: str, value: Any, what: str = "body") -> bool:
    """The output check: whether ``value`` satisfies the schema at ``pointer`` (formats included).

    One that does not is a mock bug, never hidden: a warning names the API, the answer's
    ``status``, ``what`` was checked, the schema pointer and the first errors. The caller sends
    the answer all the same (a client gets what the mock made).
    """
    schemas = api.schemas
    if schemas.is_valid(pointer, value, formats=True):  # the usual case: no error objects built
        return True
    errors = schemas.errors(pointer, value, formats=True, limit=3)
    logger.warning(
        "%s: the mock's %d %s fails %s: %s",
        api.name,
        status,
        what,
        pointer,
        "; ".join(f"{e.path or '/'}: {e.message}" for e in errors),
    )
    return False


class EventCheck:
    """``check`` for the events of one stream, called by the stream writer with each event's fields
    (``data``, and ``event``, ``id``, ``retry`` where set; None for a block that is no event, such as
    a comment): the schema of a ``text/event-stream`` media object describes one Server-Sent Event.
    With the stream's wire (``shapes``: the ``stream`` of its ``specs/wires`` file), each event's JSON
    is also held to that wire's schema of its event type (``StreamShapes.problem``), which is what the
    client's SDK parses and what a spec's one schema for every event cannot say.

    The first event that fails is logged, with its number in the stream; the rest of that stream
    are not looked at, so one bug is one warning per stream, not one per token. The validator
    ``check`` uses is looked up once per stream: an event costs one ``is_valid`` call (two with a wire).
    """

    __slots__ = ("_valid", "api", "events", "failed", "pointer", "shapes", "status", "what")

    def __init__(
        self,
        api: MockApi,
        status: int,
        pointer: str,
        what: str = "stream event",
        shapes: StreamShapes | None = None,
    ) -> None:
        self.api = api
        self.status = status
        self.pointer = pointer
        self.what = what
        self.shapes = shapes
        self.events = 0
        self.failed = False
        self._valid: Callable[[Any], bool] = api.schemas.validator(pointer, formats=True).is_valid

    def __call__(self, fields: Mapping[str, Any] | None) -> None:
        if fields is None or self.failed:
            return
        self.events += 1
        if not self._valid(fields):
            self.failed = not check(self.api, self.status, self.pointer, fields, f"{self.what} {self.events}")
        if self.shapes is not None and not self.failed and isinstance(data := fields.get("data"), str):
            problem = self.shapes.problem(data, fields.get("event"))
            if problem is not None:
                self.failed = True
                logger.warning(
                    "%s: the mock's %d %s %d breaks its wire's event shape: %s",
                    self.api.name,
                    self.status,
                    self.what,
                    self.events,
                    problem,
                )


def send(api: MockApi, outcome: JsonOutcome, extra: Sequence[tuple[str, str]] = ()) -> web.Response:
    """Serialize a JSON answer; a body its schema rejects is logged (``check``: a mock bug, never hidden)."""
    if not outcome.checked and outcome.schema_pointer is not None:
        check(api, outcome.status, outcome.schema_pointer, outcome.value)
    body = outcome.raw if outcome.raw is not None else dumps(outcome.value)
    return web.Response(status=outcome.status, body=body, headers=headers_of(outcome, extra))


def headers_of(outcome: JsonOutcome, extra: Sequence[tuple[str, str]] = ()) -> CIMultiDict[str]:
    """The headers ``send`` gives a JSON answer: its own, the pipeline's, its media type."""
    return merged(outcome.headers, extra, media_type=outcome.media_type)
