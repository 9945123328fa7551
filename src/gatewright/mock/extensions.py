"""The seam where task lifecycles and streaming plug into the request pipeline.

An ``Extension`` is offered every operation of every served API once, at app
creation, and returns an ``OperationHook`` for the ones it handles (e.g. the
task engine for operations with ``x-gatewright-task``, an SSE writer for
``text/event-stream`` responses). After routing, auth, validation and
negotiation, the pipeline calls the operation's hooks in order; the first one
that returns a response wins, ``None`` falls through to the default renderer.
Extensions' state shows in the control API and is cleared by its reset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from gatewright.mock.negotiation import Decision
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.preferences import Preferences

if TYPE_CHECKING:
    from gatewright.mock.operations import MockApi, MockOperation
    from gatewright.mock.rules.models import Reply
    from gatewright.mock.state import ResourceStore


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class MockCall:
    """One validated request on its way to a response."""

    request: web.Request
    api: MockApi
    operation: MockOperation
    path_params: Mapping[str, str]
    body: Any  # parsed JSON/form body, raw bytes for other media, None without a body
    preferences: Preferences
    decision: Decision
    store: ResourceStore
    reply: Reply | None = None  # a rule's reply for the extensions to render (scripted answer, faults)
    headers: tuple[tuple[str, str], ...] = ()  # added to the answer (a rule's headers, rate limits)
    raw: bytes = b""  # the body as received (what ``body`` was parsed from)


class OperationHook(Protocol):
    async def __call__(self, call: MockCall) -> web.StreamResponse | JsonOutcome | None: ...


class Extension(Protocol):
    name: str
    # Its hooks answer or step aside by the request alone (no task state, no sequence), so a
    # byte-identical request meets the same decision and may be answered again (``mock.repeats``).
    repeatable: bool

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None: ...

    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...
