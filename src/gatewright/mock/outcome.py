"""Values a pipeline stage answers with, and the one final stage that turns them into responses.

A stage that decides a JSON body returns it as a ``JsonOutcome`` instead of building an
aiohttp response: ``send`` adds headers, serializes, and checks the body against the
spec's schema (unless the stage already did), so no stage can send an invalid body
unnoticed. ``web_response`` does the same for bodies rendered as bytes (examples,
generated bodies, error envelopes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock.answer_headers import merged
from gatewright.mock.errors import ErrorBody
from gatewright.mock.render import Rendered, dumps

if TYPE_CHECKING:
    from gatewright.mock.operations import MockApi

__all__ = ["JsonOutcome", "headers_of", "send", "web_response"]

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


def web_response(rendered: Rendered | ErrorBody, extra: Sequence[tuple[str, str]] = ()) -> web.Response:
    media_type = rendered.content_type if rendered.content_type is not None and rendered.body else None
    headers = merged(getattr(rendered, "headers", ()), extra, media_type=media_type)
    return web.Response(status=rendered.status, body=rendered.body or None, headers=headers)


def send(api: MockApi, outcome: JsonOutcome, extra: Sequence[tuple[str, str]] = ()) -> web.Response:
    """Serialize a JSON answer; a body its schema rejects is logged (a mock bug, never hidden)."""
    if not outcome.checked and outcome.schema_pointer is not None:
        errors = api.schemas.errors(outcome.schema_pointer, outcome.value, formats=True, limit=3)
        if errors:
            logger.warning(
                "%s: the mock's %d body fails %s: %s",
                api.name,
                outcome.status,
                outcome.schema_pointer,
                "; ".join(f"{e.path or '/'}: {e.message}" for e in errors),
            )
    body = outcome.raw if outcome.raw is not None else dumps(outcome.value)
    return web.Response(status=outcome.status, body=body, headers=headers_of(outcome, extra))


def headers_of(outcome: JsonOutcome, extra: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """The headers ``send`` gives a JSON answer: its own, the pipeline's, its media type."""
    return merged(outcome.headers, extra, media_type=outcome.media_type)
