"""The wire families' stream facts, in one place for normalize, the mock, verify and the proxy.

A *wire* is the shape an OpenAI- or Anthropic-compatible operation answers in
(``x-gatewright-compatible``); a *stream format* is the event shape of a
``text/event-stream`` answer (``x-gatewright-stream``). The four streamed wires are
also stream formats of the same name, and they announce their own end.
"""

from __future__ import annotations

__all__ = [
    "DONE",
    "STANDARD_STREAM_PATHS",
    "STREAMED",
    "STREAM_END",
    "is_stream_end",
    "missing_stream_end",
    "stream_end_words",
    "stream_format_of_path",
]

DONE = "[DONE]"  # the data of the last event of an OpenAI chat or legacy completions stream

# The events that end a well-formed stream of each wire: ``[DONE]`` is the data of the last event
# (the chat and legacy completions wires); the others are event types (the SSE event name, or the
# ``type`` its JSON data names). A Responses stream has no ``[DONE]``.
STREAM_END: dict[str, tuple[str, ...]] = {
    "openai-chat": (DONE,),
    "openai-completions": (DONE,),
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


def is_stream_end(wire: str, data: str, kind: object = None) -> bool:
    """Whether an event ends a stream of ``wire``: its ``data`` is ``[DONE]`` where the wire ends so,
    else its type ``kind`` (the SSE event name or its data's ``type``) is one of the wire's end events.

    A stream format that is not in ``STREAMED`` has no end event (it ends by closing).
    """
    ends = STREAM_END.get(wire, ())
    if DONE in ends:
        return data.strip() == DONE
    return kind in ends


def stream_end_words(wire: str) -> str:
    """How a stream of ``wire`` ends, in words for a finding; empty for a format that ends by closing."""
    ends = STREAM_END.get(wire, ())
    if DONE in ends:
        return f"data: {DONE}"
    return ends[0] if len(ends) == 1 else f"{', '.join(ends[:-1])} or {ends[-1]}"


def missing_stream_end(wire: str, ended: bool) -> str | None:
    """The stream-end rule: why a stream of ``wire`` that closed (``ended``: its end event came) is
    not well ended, or None. Formats outside ``STREAMED`` may end by closing."""
    if ended or wire not in STREAMED:
        return None
    return f"{wire} streams end with {stream_end_words(wire)}"


def stream_format_of_path(path: str, formats: dict[str, str] = STANDARD_STREAM_PATHS) -> str | None:
    """The stream format ``formats`` gives the first path suffix ``path`` ends with, or None."""
    return next((name for suffix, name in formats.items() if path.endswith(suffix)), None)
