"""One Server-Sent Event and how it goes on the wire; text split into stream-sized pieces."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["DONE", "SSEEvent", "block_fields", "json_event", "split_json", "split_text"]


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """``event:``/``id:``/``data:`` lines and the blank line that ends them (WHATWG SSE)."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    def encode(self) -> bytes:
        lines: list[str] = []
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        lines.extend(f"data: {line}" for line in self.data.split("\n"))
        return ("\n".join(lines) + "\n\n").encode()

    def fields(self) -> dict[str, Any]:
        """The event as a ``text/event-stream`` media object's schema describes one (the output check)."""
        fields: dict[str, Any] = {"data": self.data}
        if self.event is not None:
            fields["event"] = self.event
        if self.id is not None:
            fields["id"] = self.id
        if self.retry is not None:
            fields["retry"] = self.retry
        return fields


def block_fields(block: str) -> dict[str, Any] | None:
    """The fields of one SSE event block's text as a client reads them (WHATWG: comments and unknown
    fields skipped, ``data`` lines joined, a ``retry`` that is not digits ignored); None for a block
    without ``data``, which dispatches no event."""
    data: list[str] = []
    fields: dict[str, Any] = {}
    for line in block.splitlines():
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name in ("event", "id"):
            fields[name] = value
        elif name == "retry" and value.isascii() and value.isdigit():
            fields[name] = int(value)
    if not data:
        return None
    fields["data"] = "\n".join(data)
    return fields


DONE = SSEEvent("[DONE]")


def json_event(payload: Any, *, event: str | None = None, id: str | None = None) -> SSEEvent:
    """A compact-JSON ``data:`` line (compact JSON never contains a newline)."""
    return SSEEvent(json.dumps(payload, separators=(",", ":"), ensure_ascii=False), event=event, id=id)


_PIECES = re.compile(r"\S+\s*|\s+")


def split_text(text: str) -> list[str]:
    """Word-sized pieces that join back to exactly ``text`` (whitespace stays with the word before it)."""
    return _PIECES.findall(text)


def split_json(text: str, size: int = 8) -> list[str]:
    """Fragments of serialized JSON (tool-call arguments) as a model streams them: they join to ``text``."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
