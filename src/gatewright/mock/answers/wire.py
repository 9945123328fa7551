"""One ``Answer`` in each family's wire shape (the bodies the official SDKs parse).

Only what the SDKs read is written; the API's own required extras come from the
spec-generated base the extension overlays these bodies on. Ids carry each family's
prefix (``chatcmpl-``, ``cmpl-``, ``resp_``, ``msg_``, ``call_``, ``fc_``, ``toolu_``).
A choice's ``logprobs`` is written only when the answer scored its tokens, and chat's
``completion_tokens_details`` only when the request asked for reasoning or a thinking model showed
its chain (counted as reasoning tokens, as DeepSeek's are), so a request that did neither gets the
body it always got (a Response states its ``reasoning_tokens`` always, as OpenAI's does and its
SDK's type requires).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from itertools import accumulate
from typing import Any

from gatewright.spec.answers import (
    ANTHROPIC_STOP,
    OPENAI_FINISH,
    REASONING_CONTENT,
    Answer,
    Choice,
    Finish,
    TokenLogprob,
)

__all__ = ["REASONING_ASKED", "RENDERERS", "embeddings_body"]

# The wires whose usage states an answer's reasoning tokens only when the request asked for reasoning (chat's
# ``completion_tokens_details``): a spec whose usage has no room for it gets the usage without it. A Response
# states them always (``output_tokens_details``), as it did before any reasoning was asked.
REASONING_ASKED = frozenset({"openai-chat"})


def _arguments(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _chat_logprobs(tokens: tuple[TokenLogprob, ...]) -> dict[str, Any]:
    """Chat's ``choices[i].logprobs``: each token with its bytes and its ``top_logprobs``."""

    def entry(token: str, logprob: float) -> dict[str, Any]:
        return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

    return {
        "content": [
            {**entry(t.token, t.logprob), "top_logprobs": [entry(*top) for top in t.top]} for t in tokens
        ],
        "refusal": None,
    }


def _completion_logprobs(tokens: tuple[TokenLogprob, ...]) -> dict[str, Any]:
    """Legacy ``choices[i].logprobs``: parallel lists, ``text_offset`` where each token starts in the text."""
    return {
        "tokens": [t.token for t in tokens],
        "token_logprobs": [t.logprob for t in tokens],
        "top_logprobs": [dict(t.top) for t in tokens],
        "text_offset": list(accumulate((len(t.token) for t in tokens), initial=0))[:-1],
    }


def _chat_message(choice: Choice) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": choice.text}
    if choice.thinking is not None:  # a thinking model's chain of thought (x-gatewright-reasoning-content)
        out[REASONING_CONTENT] = choice.thinking
    if choice.tool_calls:
        out["tool_calls"] = [
            {
                "id": f"call_{call.id}",
                "type": "function",
                "function": {"name": call.name, "arguments": _arguments(call.arguments)},
            }
            for call in choice.tool_calls
        ]
    return out


def _chat_choice(index: int, choice: Choice) -> dict[str, Any]:
    out = {"index": index, "message": _chat_message(choice), "finish_reason": OPENAI_FINISH[choice.finish]}
    if choice.logprobs is not None:
        out["logprobs"] = _chat_logprobs(choice.logprobs)
    return out


def chat_body(answer: Answer, request: Mapping[str, Any]) -> dict[str, Any]:
    completion = answer.completion_tokens
    usage: dict[str, Any] = {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": answer.prompt_tokens + completion,
    }
    if (reasoning := answer.reasoning_tokens) is not None:  # asked for, or a chain shown: say how much
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return {
        "id": f"chatcmpl-{answer.id}",
        "object": "chat.completion",
        "created": answer.created,
        "model": answer.model,
        "choices": [_chat_choice(index, choice) for index, choice in enumerate(answer.choices)],
        "usage": usage,
    }


def completion_body(answer: Answer, request: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": f"cmpl-{answer.id}",
        "object": "text_completion",
        "created": answer.created,
        "model": answer.model,
        "choices": [
            {
                "index": index,
                "text": choice.text or "",
                "finish_reason": OPENAI_FINISH[choice.finish],
                **({} if choice.logprobs is None else {"logprobs": _completion_logprobs(choice.logprobs)}),
            }
            for index, choice in enumerate(answer.choices)
        ],
        "usage": {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.total_tokens,
        },
    }


# What a Response restates of its request as OpenAI's does (where sent; a spec that forbids one loses it
# when the answer is fitted to it).
_RESPONSE_ECHOES = (
    "instructions",
    "metadata",
    "temperature",
    "top_p",
    "max_output_tokens",
    "service_tier",
    "truncation",
    "user",
    "text",
    "reasoning",
)


def _reasoning_item(
    answer: Answer, summary: tuple[str, ...], request: Mapping[str, Any], *, cut: bool
) -> dict[str, Any]:
    """A Responses reasoning item, as OpenAI's reasoning models put before their output: its summary
    parts; its ``encrypted_content`` (opaque; the same request, the same content), which ``POST
    /v1/responses`` populates by default (openai-python 3.63's ``ResponseReasoningItem``: a client that keeps
    no state, ``store: false``, sends it back with the item); its ``status``, populated when items are
    returned via the API (``incomplete`` where ``max_output_tokens`` ``cut`` the reasoning)."""
    return {
        "type": "reasoning",
        "id": f"rs_{answer.id}",
        "summary": [{"type": "summary_text", "text": text} for text in summary],
        "encrypted_content": _signed(f"{answer.model}|{'|'.join(summary)}|{request.get('input')}"),
        "status": "incomplete" if cut else "completed",
    }


def responses_body(answer: Answer, request: Mapping[str, Any]) -> dict[str, Any]:
    choice = answer.choices[0]
    summary = choice.summary  # a reasoning item first, as OpenAI's reasoning models answer
    incomplete = choice.finish is Finish.LENGTH
    # Reasoning that took the whole ``max_output_tokens`` leaves OpenAI's output the reasoning item alone.
    alone = summary is not None and incomplete and not choice.text and not choice.tool_calls
    output = [] if summary is None else [_reasoning_item(answer, summary, request, cut=alone)]
    output += [
        {
            "type": "function_call",
            "id": f"fc_{call.id}",
            "call_id": f"call_{call.id}",
            "name": call.name,
            "arguments": _arguments(call.arguments),
            "status": "completed",
        }
        for call in choice.tool_calls
    ]
    if choice.text is not None and not alone:
        output.append(
            {
                "type": "message",
                "id": f"msg_{answer.id}",
                "status": "incomplete" if incomplete else "completed",  # cut by max_output_tokens, as OpenAI
                "role": "assistant",
                "content": [{"type": "output_text", "text": choice.text, "annotations": []}],
            }
        )
    tools = request.get("tools")
    previous = request.get("previous_response_id")
    return {
        "id": f"resp_{answer.id}",
        "object": "response",
        "created_at": answer.created,
        "model": answer.model,
        "status": "incomplete" if incomplete else "completed",
        **({"incomplete_details": {"reason": "max_output_tokens"}} if incomplete else {}),
        "output": output,
        "parallel_tool_calls": request.get("parallel_tool_calls", True) is not False,
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": tools if isinstance(tools, list) else [],
        "background": request.get("background") is True,
        "store": request.get("store") is not False,
        **({"previous_response_id": previous} if isinstance(previous, str) else {}),
        **{name: request[name] for name in _RESPONSE_ECHOES if request.get(name) is not None},
        "usage": {
            "input_tokens": answer.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": answer.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": answer.reasoning_tokens or 0},
            "total_tokens": answer.total_tokens,
        },
    }


def messages_body(answer: Answer, request: Mapping[str, Any]) -> dict[str, Any]:
    choice = answer.choices[0]
    content: list[dict[str, Any]] = [
        {"type": "tool_use", "id": f"toolu_{call.id}", "name": call.name, "input": call.arguments}
        for call in choice.tool_calls
    ]
    if choice.text is not None:
        content.insert(0, {"type": "text", "text": choice.text})
    if choice.thinking is not None:  # first, signed: a client sends it back with its tool results
        content.insert(
            0, {"type": "thinking", "thinking": choice.thinking, "signature": _signed(choice.thinking)}
        )
    return {
        "id": f"msg_{answer.id}",
        "type": "message",
        "role": "assistant",
        "model": answer.model,
        "content": content,
        "stop_reason": ANTHROPIC_STOP[choice.finish],
        "stop_sequence": choice.stop_sequence if choice.finish is Finish.STOP_SEQUENCE else None,
        "usage": {"input_tokens": answer.prompt_tokens, "output_tokens": answer.completion_tokens},
    }


def _signed(thinking: str) -> str:
    """An opaque signature of a thinking block, as Anthropic's (base64); the same text, the same one."""
    return base64.b64encode(
        hashlib.blake2b(thinking.encode("utf-8", "surrogatepass"), digest_size=48).digest()
    ).decode()


def embeddings_body(vectors: list[list[float] | str], model: str, prompt_tokens: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": index, "embedding": vector}
            for index, vector in enumerate(vectors)
        ],
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


RENDERERS: dict[str, Callable[[Answer, Mapping[str, Any]], dict[str, Any]]] = {
    "openai-chat": chat_body,
    "openai-completions": completion_body,
    "openai-responses": responses_body,
    "anthropic-messages": messages_body,
}
