"""Server-Sent Event streams in the wire formats the official SDKs parse.

``get_format(name)(body, StreamContext(...))`` yields the events for a final
response body; ``stream_events(request, events, delay=...)`` sends them one write
each. Names match ``x-gatewright-stream.format`` in the canonical specs: each format is
registered against its wire in ``spec.wires``.
"""

from __future__ import annotations

from gatewright.mock.sse.events import DONE, SSEEvent, json_event, split_text
from gatewright.mock.sse.writer import SSE_HEADERS, open_stream, stream_events, write_events
from gatewright.mock.streaming import anthropic, empiriolabs, ipop, openai
from gatewright.mock.streaming.ipop import resume_point
from gatewright.mock.streaming.registry import (
    FORMATS,
    StreamContext,
    StreamFormat,
    UnknownStreamFormat,
    get_format,
    register,
)
from gatewright.spec.wires import (
    ANTHROPIC_MESSAGES,
    EMPIRIOLABS_SPEECH,
    IPOP_AGENT_EVENTS,
    OPENAI_CHAT,
    OPENAI_COMPLETIONS,
    OPENAI_RESPONSES,
)

register(OPENAI_CHAT, openai.chat_completion_events)
register(OPENAI_COMPLETIONS, openai.completion_events)
register(OPENAI_RESPONSES, openai.responses_events)
register(ANTHROPIC_MESSAGES, anthropic.message_events)
register(IPOP_AGENT_EVENTS, ipop.agent_turn_events)
register(EMPIRIOLABS_SPEECH, empiriolabs.speech_events)

__all__ = [
    "DONE",
    "FORMATS",
    "SSE_HEADERS",
    "SSEEvent",
    "StreamContext",
    "StreamFormat",
    "UnknownStreamFormat",
    "get_format",
    "json_event",
    "open_stream",
    "register",
    "resume_point",
    "split_text",
    "stream_events",
    "write_events",
]
