"""How a stream may misbehave on purpose (a rule's ``ttft_ms``, ``cut_after``, ...); ``writer`` acts on it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StreamFaults"]


@dataclass(frozen=True, slots=True)
class StreamFaults:
    """How a stream misbehaves: each ``*_after`` counts events sent before the fault."""

    ttft_ms: float = 0.0  # before the first event
    tokens_per_second: float | None = None  # pace of the events after the first
    cut_after: int | None = None  # the connection drops
    truncate_after: int | None = None  # the stream ends cleanly, without its terminal event
    malformed_after: int | None = None  # a malformed event, then the end
    stall_after: int | None = None  # nothing more is sent; the connection stays open

    @property
    def any(self) -> bool:
        return (
            self.ttft_ms > 0
            or self.tokens_per_second is not None
            or self.cut_after is not None
            or self.truncate_after is not None
            or self.malformed_after is not None
            or self.stall_after is not None
        )
