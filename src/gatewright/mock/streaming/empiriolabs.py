"""empiriolabs ``POST /v1/audio/speech:stream``: ``audio.chunk`` events, ``audio.done``, ``[DONE]``.

Field names follow the documented example: ``{"type":"audio.chunk","seq":0,
"audio_b64":"...","format":"pcm","sample_rate":24000,"elapsed_ms":118}`` and a final
``{"type":"audio.done","url":...,"duration_seconds":...,"usage":{...}}``. The audio is
raw PCM samples (``audio_files.pcm``), so the chunks concatenate to real samples.
The events' schemas and the terminator are the wire's data (``specs/wires/empiriolabs-speech.json``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.audio_files import SAMPLE_RATE, pcm
from gatewright.mock.sse.events import SSEEvent, json_event
from gatewright.mock.streaming.registry import StreamContext
from gatewright.spec.errors import SpecError
from gatewright.spec.wires import EMPIRIOLABS_SPEECH

__all__ = ["SAMPLE_RATE", "speech_events"]


def speech_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    audio = context.audio if context.audio is not None else pcm(0.2)
    audio_format = str(context.request.get("output_format") or "pcm")
    size = max(2, context.chunk_bytes - context.chunk_bytes % 2)
    for seq, offset in enumerate(range(0, len(audio), size)):
        piece = audio[offset : offset + size]
        yield json_event(
            {
                "type": "audio.chunk",
                "seq": seq,
                "audio_b64": base64.b64encode(piece).decode(),
                "format": audio_format,
                "sample_rate": SAMPLE_RATE,
                "elapsed_ms": 100 + 40 * seq,
            }
        )
    text = str(context.request.get("input") or "")
    yield json_event(
        {
            "type": "audio.done",
            "url": body.get("url") or body.get("audio_url") or "",
            "duration_seconds": round(len(audio) / (2 * SAMPLE_RATE), 3),
            "usage": {"processed_characters": len(text), "cost_usd": 0.0},
        }
    )
    yield SSEEvent(_terminator())


def _terminator() -> str:
    """The data of the event that closes the stream (the wire's ``[DONE]``)."""
    stream = EMPIRIOLABS_SPEECH.data.stream
    if stream is None or stream.terminator is None:
        raise SpecError(f"the wire data of {EMPIRIOLABS_SPEECH.name} names no terminator")
    return stream.terminator
