"""OpenAI wire formats: chat.completion.chunk, text_completion chunks, Responses API events.

Each generator takes the non-streamed response body the mock would have returned and
replays it as the events the official ``openai`` SDK parses, so the streamed text is
the body's text. A choice with logprobs streams one token per chunk, each carrying its
own logprobs, as OpenAI's do.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.sse.events import DONE, SSEEvent, json_event, split_json, split_text
from gatewright.mock.streaming.registry import StreamContext
from gatewright.spec.answers import REASONING_CONTENT

__all__ = ["chat_completion_events", "completion_events", "responses_events"]


def _include_usage(context: StreamContext) -> bool:
    options = context.request.get("stream_options")
    return isinstance(options, Mapping) and bool(options.get("include_usage"))


def _member(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else None


def _pieces(text: str, scored: list[tuple[Any, Any]]) -> list[tuple[str, Any]]:
    """``text`` in stream-sized pieces, each with its chunk's ``logprobs``: the body's scored
    tokens (token, its chunk's logprobs) where they spell the text, else words with none."""
    tokens = [token for token, _ in scored]
    if tokens and all(isinstance(t, str) for t in tokens) and "".join(tokens) == text:
        return scored
    return [(piece, None) for piece in split_text(text)]


def chat_completion_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    """``chat.completion.chunk`` per piece: role, reasoning_content deltas (a thinking model's), content
    deltas, finish_reason, [usage], ``[DONE]``. A thinking model's role, chain, text and finish deltas
    carry both fields, the one they lack null, as DeepSeek's do: its documented loop reads
    ``delta.reasoning_content`` on every chunk, and the SDK has no such attribute where the key is absent."""
    usage = _include_usage(context)
    head = {
        "id": body.get("id", "chatcmpl-mock"),
        "object": "chat.completion.chunk",
        "created": body.get("created", int(time.time())),
        "model": body.get("model", context.request.get("model", "mock")),
    }
    if "system_fingerprint" in body:
        head["system_fingerprint"] = body["system_fingerprint"]

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> SSEEvent:
        payload = {**head, "choices": choices, **extra}
        if usage and "usage" not in extra:
            payload["usage"] = None
        return json_event(payload)

    choices = body.get("choices") or [{"index": 0, "message": {"role": "assistant", "content": ""}}]
    for position, choice in enumerate(choices):
        index = choice.get("index", position)
        message = choice.get("message") or {}
        content = message.get("content")
        start: dict[str, Any] = {
            "role": message.get("role", "assistant"),
            "content": "" if isinstance(content, str) else None,
        }
        if message.get("refusal") is not None:
            start["refusal"] = None
        reasoning = message.get(REASONING_CONTENT)  # a thinking model's chain of thought: before its text
        pair = {REASONING_CONTENT: None} if isinstance(reasoning, str) else {}
        yield chunk([{"index": index, "delta": start | pair, "logprobs": None, "finish_reason": None}])
        for piece in split_text(reasoning) if isinstance(reasoning, str) else ():
            delta = {"content": None, REASONING_CONTENT: piece}
            yield chunk([{"index": index, "delta": delta, "logprobs": None, "finish_reason": None}])
        if isinstance(content, str):
            entries = _member(choice.get("logprobs"), "content")
            scored = [
                (_member(entry, "token"), {"content": [entry], "refusal": None})
                for entry in (entries if isinstance(entries, list) else [])
            ]
            for piece, logprobs in _pieces(content, scored):
                delta = {"content": piece} | pair
                yield chunk([{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": None}])
        for number, call in enumerate(message.get("tool_calls") or []):
            yield from (
                chunk(
                    [
                        {
                            "index": index,
                            "delta": {"tool_calls": [delta]},
                            "logprobs": None,
                            "finish_reason": None,
                        }
                    ]
                )
                for delta in _tool_call_deltas(number, call)
            )
        finish = choice.get("finish_reason") or ("tool_calls" if message.get("tool_calls") else "stop")
        end = {"content": start["content"]} | pair if pair else {}
        yield chunk([{"index": index, "delta": end, "logprobs": None, "finish_reason": finish}])
    if usage:
        yield chunk([], usage=body.get("usage"))
    yield DONE


def _tool_call_deltas(number: int, call: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The first delta names the call (index, id, type, name); the arguments follow in fragments."""
    function = call.get("function") or {}
    yield {
        "index": number,
        "id": call.get("id"),
        "type": call.get("type", "function"),
        "function": {"name": function.get("name"), "arguments": ""},
    }
    for piece in split_json(str(function.get("arguments") or "")):
        if piece:
            yield {"index": number, "function": {"arguments": piece}}


def completion_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    """Legacy ``text_completion`` chunks: text pieces, then an empty chunk with finish_reason, then [DONE]."""
    head = {
        "id": body.get("id", "cmpl-mock"),
        "object": "text_completion",
        "created": body.get("created", int(time.time())),
        "model": body.get("model", context.request.get("model", "mock")),
    }
    choices = body.get("choices") or [{"index": 0, "text": ""}]
    for position, choice in enumerate(choices):
        index = choice.get("index", position)
        lists = choice.get("logprobs")  # parallel lists, one item per token
        tokens = _member(lists, "tokens")
        scored = [
            (token, {name: values[place : place + 1] for name, values in lists.items()})
            for place, token in enumerate(tokens if isinstance(tokens, list) else [])
        ]
        for piece, logprobs in _pieces(choice.get("text") or "", scored):
            yield json_event(
                {
                    **head,
                    "choices": [{"text": piece, "index": index, "logprobs": logprobs, "finish_reason": None}],
                }
            )
        finish = choice.get("finish_reason") or "stop"
        yield json_event(
            {**head, "choices": [{"text": "", "index": index, "logprobs": None, "finish_reason": finish}]}
        )
    if _include_usage(context):
        yield json_event({**head, "choices": [], "usage": body.get("usage")})
    yield DONE


_Step = tuple[str, dict[str, Any]]  # a Responses event's type and fields, before it is numbered
_TERMINAL = {
    "completed": "response.completed",
    "failed": "response.failed",
    "incomplete": "response.incomplete",
}


def responses_events(body: Mapping[str, Any], context: StreamContext) -> Iterator[SSEEvent]:
    """Responses API: ``response.created`` … ``response.output_text.delta`` … ``response.completed``.

    Each event carries ``event: <type>`` and a JSON body with ``type`` and a
    ``sequence_number``; there is no ``[DONE]`` (the SDK stops at the end of the body).
    """
    for sequence, (kind, fields) in enumerate(_response_steps(_final_response(body, context))):
        yield json_event({"type": kind, "sequence_number": sequence, **fields}, event=kind)


def _final_response(body: Mapping[str, Any], context: StreamContext) -> dict[str, Any]:
    """The response as the stream's last event carries it: ids and times filled in, status final."""
    final = copy.deepcopy(dict(body))
    final.setdefault("id", "resp_mock")
    final.setdefault("object", "response")
    final.setdefault("created_at", int(time.time()))
    final.setdefault("model", context.request.get("model", "mock"))
    final["status"] = (
        "completed" if final.get("status") in (None, "in_progress", "queued") else final["status"]
    )
    final["output"] = list(final.get("output") or [])
    return final


def _response_steps(final: dict[str, Any]) -> Iterator[_Step]:
    """The response started (in progress, no output, nothing yet to say of how it ended), each output
    item's events, the response ended."""
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    started.pop("completed_at", None)
    if "incomplete_details" in started:  # known only at the end, as OpenAI's stream says it
        started["incomplete_details"] = None
    yield "response.created", {"response": started}
    yield "response.in_progress", {"response": started}
    for output_index, item in enumerate(final["output"]):
        if item.get("type") == "function_call":
            yield from _function_call_steps(output_index, item)
        elif item.get("type") == "reasoning":
            yield from _reasoning_steps(output_index, item)
        elif item.get("type", "message") != "message":
            yield (
                "response.output_item.added",
                {"output_index": output_index, "item": {**item, "status": "in_progress"}},
            )
            yield "response.output_item.done", {"output_index": output_index, "item": item}
        else:
            yield from _message_steps(output_index, item)
    yield _TERMINAL.get(final["status"], "response.completed"), {"response": final}


def _function_call_steps(output_index: int, item: Mapping[str, Any]) -> Iterator[_Step]:
    """A function call: added with no arguments, its arguments in fragments, done."""
    item_id = item.get("id", f"msg_{output_index}")
    arguments = str(item.get("arguments") or "")
    added = {**item, "arguments": "", "status": "in_progress"}
    yield "response.output_item.added", {"output_index": output_index, "item": added}
    for piece in split_json(arguments):
        if piece:
            delta = {"item_id": item_id, "output_index": output_index, "delta": piece}
            yield "response.function_call_arguments.delta", delta
    done = {
        "item_id": item_id,
        "output_index": output_index,
        "name": item.get("name"),
        "arguments": arguments,
    }
    yield "response.function_call_arguments.done", done
    yield "response.output_item.done", {"output_index": output_index, "item": item}


def _reasoning_steps(output_index: int, item: Mapping[str, Any]) -> Iterator[_Step]:
    """A reasoning item, as OpenAI streams it: added with no summary, each summary part's events (added
    empty, its text in deltas, the text done, the part done), done whole."""
    item_id = item.get("id", f"rs_{output_index}")
    # added in progress, with no summary and no encrypted content yet (OpenAI's may be partial there: a
    # client takes the item of ``response.output_item.done``)
    added = {key: value for key, value in item.items() if key != "encrypted_content"}
    added.update(summary=[], **({"status": "in_progress"} if "status" in item else {}))
    yield "response.output_item.added", {"output_index": output_index, "item": added}
    for summary_index, part in enumerate(item.get("summary") or []):
        text = str(part.get("text", "")) if isinstance(part, Mapping) else ""
        where = {"item_id": item_id, "output_index": output_index, "summary_index": summary_index}
        empty = {"type": "summary_text", "text": ""}
        yield "response.reasoning_summary_part.added", {**where, "part": empty}
        for piece in split_text(text):
            yield "response.reasoning_summary_text.delta", {**where, "delta": piece}
        yield "response.reasoning_summary_text.done", {**where, "text": text}
        yield "response.reasoning_summary_part.done", {**where, "part": {**empty, "text": text}}
    yield "response.output_item.done", {"output_index": output_index, "item": item}


def _message_steps(output_index: int, item: Mapping[str, Any]) -> Iterator[_Step]:
    """A message: added with no content, each content part's events, done."""
    item_id = item.get("id", f"msg_{output_index}")
    added = {**item, "id": item_id, "status": "in_progress", "content": []}
    yield "response.output_item.added", {"output_index": output_index, "item": added}
    for content_index, part in enumerate(item.get("content") or []):
        where = {"item_id": item_id, "output_index": output_index, "content_index": content_index}
        if part.get("type") != "output_text":
            yield "response.content_part.added", {**where, "part": part}
            yield "response.content_part.done", {**where, "part": part}
        else:
            yield from _text_part_steps(where, part)
    yield "response.output_item.done", {"output_index": output_index, "item": {**item, "id": item_id}}


def _text_part_steps(where: dict[str, Any], part: Mapping[str, Any]) -> Iterator[_Step]:
    """An ``output_text`` part: added empty, its text in deltas, the text done, the part done."""
    text = part.get("text", "")
    empty = {"type": "output_text", "text": "", "annotations": []}
    yield "response.content_part.added", {**where, "part": empty}
    for piece in split_text(text):
        yield "response.output_text.delta", {**where, "delta": piece, "logprobs": []}
    yield "response.output_text.done", {**where, "text": text, "logprobs": []}
    yield "response.content_part.done", {**where, "part": {**empty, **part}}
