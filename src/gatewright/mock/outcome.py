"""Values a pipeline stage answers with, serialized by one final stage (``pipeline.send``).

A stage that decides a JSON body returns it as a ``JsonOutcome`` instead of building an
aiohttp response: the final stage adds headers, serializes, and checks the body against
the spec's schema (unless the stage already did), so no stage can send an invalid body
unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["JsonOutcome"]


@dataclass(frozen=True, slots=True)
class JsonOutcome:
    status: int
    value: Any
    media_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    schema_pointer: str | None = None  # the response schema the value must satisfy
    checked: bool = False  # already validated against ``schema_pointer``
