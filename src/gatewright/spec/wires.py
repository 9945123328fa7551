"""The wire families' stream facts, in one place for normalize, the mock, verify and the proxy.

A *wire* is the shape an OpenAI- or Anthropic-compatible operation answers in
(``x-gatewright-compatible``); a *stream format* is the event shape of a
``text/event-stream`` answer (``x-gatewright-stream``). The four streamed wires are
also stream formats of the same name, and they announce their own end.
"""

from __future__ import annotations

__all__ = ["STANDARD_STREAM_PATHS", "STREAMED", "STREAM_END", "stream_format_of_path"]

# The events that end a well-formed stream of each wire (``[DONE]`` is the data of the last event).
STREAM_END: dict[str, tuple[str, ...]] = {
    "openai-chat": ("[DONE]",),
    "openai-completions": ("[DONE]",),
    "openai-responses": ("response.completed", "response.incomplete", "response.failed"),
    "anthropic-messages": ("message_stop",),
}

# Wires whose official API answers ``"stream": true`` with Server-Sent Events that end explicitly;
# every other stream format ends by closing the connection.
STREAMED = frozenset(STREAM_END)

# The path each streamed wire conventionally has (longest first: ``/chat/completions`` before
# ``/completions``), for documents that do not say which format a stream is.
STANDARD_STREAM_PATHS: dict[str, str] = {
    "/chat/completions": "openai-chat",
    "/completions": "openai-completions",
    "/responses": "openai-responses",
    "/messages": "anthropic-messages",
}


def stream_format_of_path(path: str, formats: dict[str, str] = STANDARD_STREAM_PATHS) -> str | None:
    """The stream format ``formats`` gives the first path suffix ``path`` ends with, or None."""
    return next((name for suffix, name in formats.items() if path.endswith(suffix)), None)
