"""What the runner announces while it works; terminal, JSON, JUnit and HTML output are handlers of these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from gatewright.conformance.models import Finding, Report, UnitResult


@dataclass(frozen=True, slots=True)
class RunStarted:
    api: str
    base_url: str
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnitStarted:
    unit_id: str
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class FindingReported:
    unit_id: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class UnitFinished:
    result: UnitResult


@dataclass(frozen=True, slots=True)
class RunFinished:
    report: Report


Event = RunStarted | UnitStarted | FindingReported | UnitFinished | RunFinished


class EventHandler(Protocol):
    def handle(self, event: Event) -> None: ...


class Emitter:
    """Fans each event out to every handler, in order."""

    __slots__ = ("_handlers",)

    def __init__(self, handlers: Iterable[EventHandler] = ()) -> None:
        self._handlers = list(handlers)

    def add(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def emit(self, event: Event) -> None:
        for handler in self._handlers:
            handler.handle(event)
