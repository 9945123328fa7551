"""Anthropic Messages streaming: named events from ``message_start`` to ``message_stop``.

Built from the non-streamed ``message`` body: text blocks become ``text_delta``s,
tool_use blocks an ``input_json_delta`` of their input, thinking blocks
``thinking_delta``s; the stop reason and the usage arrive in ``message_delta``, every count cumulative,
as Anthropic's (``MessageDeltaUsage``): the input counts again beside the output tokens. Clients read the
final usage there (langchain-anthropic takes it from ``message_delta`` alone).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.sse.events import SSEEvent, json_event, split_json, split_text
from gatewright.mock.streaming.registry import StreamContext

__all__ = ["message_events"]


def message_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    def emit(kind: str, **fields: Any) -> SSEEvent:
        return json_event({"type": kind, **fields}, event=kind)

    usage = dict(body.get("usage") or {})
    output_tokens = usage.get("output_tokens", 0)
    start = {
        "id": body.get("id", "msg_mock"),
        "type": "message",
        "role": body.get("role", "assistant"),
        "model": body.get("model", context.request.get("model", "mock")),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            **usage,
            "input_tokens": usage.get("input_tokens", 0),
            "output_tokens": 1 if output_tokens else 0,
        },
    }
    yield emit("message_start", message=start)
    for index, block in enumerate(body.get("content") or []):
        kind = block.get("type")
        yield emit("content_block_start", index=index, content_block=_opened(block))
        if index == 0:  # Anthropic's keep-alive, after the first block opens (whatever it holds)
            yield emit("ping")
        if kind == "text":
            for piece in split_text(block.get("text", "")):
                yield emit("content_block_delta", index=index, delta={"type": "text_delta", "text": piece})
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input") or {}, separators=(",", ":"), ensure_ascii=False)
            for piece in split_json(arguments):
                yield emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "input_json_delta", "partial_json": piece},
                )
        elif kind == "thinking":
            for piece in split_text(block.get("thinking", "")):
                yield emit(
                    "content_block_delta", index=index, delta={"type": "thinking_delta", "thinking": piece}
                )
            if block.get("signature"):
                yield emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "signature_delta", "signature": block["signature"]},
                )
        yield emit("content_block_stop", index=index)
    yield emit(
        "message_delta",
        delta={
            "stop_reason": body.get("stop_reason") or "end_turn",
            "stop_sequence": body.get("stop_sequence"),
        },
        usage={
            "input_tokens": start["usage"]["input_tokens"],
            **{key: usage[key] for key in _DELTA_USAGE if key in usage},
            "output_tokens": output_tokens,
        },
    )
    yield emit("message_stop")


# What ``message_delta`` restates of the message's usage beside its counts of tokens in and out.
_DELTA_USAGE = ("cache_creation_input_tokens", "cache_read_input_tokens", "server_tool_use")


def _opened(block: Mapping[str, Any]) -> dict[str, Any]:
    """A content block as ``content_block_start`` opens it: what its deltas fill in, empty."""
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": ""}
    if kind == "tool_use":
        return {**block, "input": {}}
    if kind == "thinking":
        return {"type": "thinking", "thinking": "", "signature": ""}
    return dict(block)
