"""The OpenAI- and Anthropic-compatible wires: which routes speak them, and what the official SDKs send.

A document may say a route is compatible with a vendor's API (``claims``). The
``compatibility`` pass marks such a route with its wire name and widens its schemas
until the official shapes validate: the request bodies the official ``openai`` and
``anthropic`` Python SDKs send (``REQUEST_SAMPLES``, captured from the SDKs) and the
response bodies they parse (``RESPONSE_SAMPLES``). Where a schema needs a sub-schema it
does not have, it takes it from the official schema of that wire (``REQUESTS`` here,
the response shapes in ``compatible_shapes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gatewright.normalize.compatible_shapes import (
    ANTHROPIC_MESSAGE,
    CHAT_COMPLETION,
    EMBEDDINGS,
    RESPONSE,
    TEXT_COMPLETION,
    TOOL_CALL,
)
from gatewright.spec.pointer import escape

# (method, path suffix) -> (wire, the vendor whose compatibility the document must claim)
WIRES: dict[tuple[str, str], tuple[str, str]] = {
    ("post", "/v1/chat/completions"): ("openai-chat", "OpenAI"),
    ("post", "/v1/completions"): ("openai-completions", "OpenAI"),
    ("post", "/v1/embeddings"): ("openai-embeddings", "OpenAI"),
    ("post", "/v1/responses"): ("openai-responses", "OpenAI"),
    ("post", "/v1/messages"): ("anthropic-messages", "Anthropic"),
}


# Request and response fields whose value is the gateway's own choice (its model catalogue):
# samples take a value the document accepts, and the field is never widened.
VENDOR_FIELDS = ("model",)


def wire_of(method: str, path: str) -> tuple[str, str] | None:
    """(wire, vendor) of a compatible route, by method and path suffix."""
    return next((v for (m, suffix), v in WIRES.items() if m == method and path.endswith(suffix)), None)


def claims(document: dict[str, Any], op: dict[str, Any], vendor: str, prose: str = "") -> bool:
    """Whether the operation, the document or its prose says it is compatible with ``vendor``'s API."""
    texts = [
        op.get("summary"),
        op.get("description"),
        document.get("info", {}).get("description"),
        prose,
    ]
    return any(
        isinstance(t, str) and (f"{vendor} SDK" in t or (vendor in t and "compatible" in t.lower()))
        for t in texts
    )


def compatible_routes(document: dict[str, Any], prose: str = "") -> dict[str, tuple[str, str]]:
    """Operation pointer -> (wire, vendor) of every wire route the document claims compatible.

    A route is claimed by its own text or by the document's (``claims``). A document that
    claims a vendor's compatibility for one of its routes of that vendor's wires claims it
    for its other routes of those wires too: imarouter says its chat and Responses routes are
    OpenAI-compatible and documents ``/v1/embeddings`` with OpenAI's parameters, unannounced.
    """
    routes: dict[str, tuple[str, str, bool]] = {}
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            found = wire_of(method, path) if isinstance(op, dict) else None
            if found is not None:
                pointer = f"/paths/{escape(path)}/{method}"
                routes[pointer] = (*found, claims(document, op, found[1], prose))
    vendors = {vendor for _, vendor, claimed in routes.values() if claimed}
    return {pointer: (wire, vendor) for pointer, (wire, vendor, _) in routes.items() if vendor in vendors}


# -- official request schemas: only the fields the samples use, each as the vendor documents it --

_JSON_SCHEMA: dict[str, Any] = {"type": "object", "description": "A JSON Schema."}
_STRING = {"type": "string"}


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", **extra, "items": items}


_TOKEN_ARRAYS = [
    _array({"type": "integer"}, minItems=1),
    _array(_array({"type": "integer"}, minItems=1), minItems=1),
]
_PROMPT: dict[str, Any] = {"anyOf": [_STRING, _array(_STRING, minItems=1), *_TOKEN_ARRAYS]}
_STOP: dict[str, Any] = {"anyOf": [_STRING, _array(_STRING), {"type": "null"}]}
_STREAM_OPTIONS: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {"include_usage": {"type": "boolean"}},
}
_PART: dict[str, Any] = _obj(["type"], type=_STRING)
_CHAT_CONTENT: dict[str, Any] = {"anyOf": [_STRING, _array(_PART)]}

_CHAT_MESSAGE: dict[str, Any] = {
    "anyOf": [
        _obj(
            ["role", "content"], role={"enum": ["system", "developer"]}, content=_CHAT_CONTENT, name=_STRING
        ),
        _obj(["role", "content"], role={"const": "user"}, content=_CHAT_CONTENT, name=_STRING),
        _obj(
            ["role"],
            role={"const": "assistant"},
            content={"anyOf": [_STRING, _array(_PART), {"type": "null"}]},
            tool_calls=_array(TOOL_CALL),
            refusal={"type": ["string", "null"]},
            name=_STRING,
        ),
        _obj(
            ["role", "content", "tool_call_id"],
            role={"const": "tool"},
            content=_CHAT_CONTENT,
            tool_call_id=_STRING,
        ),
    ]
}

_FUNCTION: dict[str, Any] = _obj(
    ["name"], name=_STRING, description=_STRING, parameters=_JSON_SCHEMA, strict={"type": ["boolean", "null"]}
)

CHAT_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI chat completion request.",
    "required": ["model", "messages"],
    "properties": {
        "model": _STRING,
        "messages": _array(_CHAT_MESSAGE, minItems=1),
        "tools": _array(_obj(["type", "function"], type={"const": "function"}, function=_FUNCTION)),
        "tool_choice": {
            "anyOf": [
                {"enum": ["none", "auto", "required"]},
                _obj(["type", "function"], type={"const": "function"}, function=_obj(["name"], name=_STRING)),
            ]
        },
        "response_format": {
            "anyOf": [
                _obj(["type"], type={"const": "text"}),
                _obj(["type"], type={"const": "json_object"}),
                _obj(
                    ["type", "json_schema"],
                    type={"const": "json_schema"},
                    json_schema=_obj(
                        ["name"],
                        name=_STRING,
                        description=_STRING,
                        schema=_JSON_SCHEMA,
                        strict={"type": ["boolean", "null"]},
                    ),
                ),
            ]
        },
        "n": {"type": ["integer", "null"], "minimum": 1},
        "max_tokens": {"type": ["integer", "null"]},
        "max_completion_tokens": {"type": ["integer", "null"]},
        "stop": _STOP,
        "stream": {"type": ["boolean", "null"]},
        "stream_options": _STREAM_OPTIONS,
    },
}

COMPLETION_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI legacy completion request.",
    "required": ["model", "prompt"],
    "properties": {
        "model": _STRING,
        "prompt": _PROMPT,
        "n": {"type": ["integer", "null"], "minimum": 1},
        "max_tokens": {"type": ["integer", "null"]},
        "stop": _STOP,
        "stream": {"type": ["boolean", "null"]},
        "stream_options": _STREAM_OPTIONS,
    },
}

EMBEDDINGS_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI embeddings request.",
    "required": ["model", "input"],
    "properties": {
        "model": _STRING,
        "input": _PROMPT,
        "dimensions": {"type": "integer", "minimum": 1},
        "encoding_format": {"enum": ["float", "base64"]},
        "user": _STRING,
    },
}

_RESPONSE_INPUT_ITEM: dict[str, Any] = {
    "anyOf": [
        _obj(
            ["role", "content"],
            type={"const": "message"},
            role={"enum": ["user", "assistant", "system", "developer"]},
            content={"anyOf": [_STRING, _array(_PART)]},
        ),
        _obj(
            ["type", "call_id", "name", "arguments"],
            type={"const": "function_call"},
            id=_STRING,
            call_id=_STRING,
            name=_STRING,
            arguments=_STRING,
            status=_STRING,
        ),
        _obj(
            ["type", "call_id", "output"],
            type={"const": "function_call_output"},
            id=_STRING,
            call_id=_STRING,
            output={"anyOf": [_STRING, _array(_PART)]},
        ),
    ]
}

RESPONSES_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI Responses API request.",
    "required": ["model"],
    "properties": {
        "model": _STRING,
        "input": {"anyOf": [_STRING, _array(_RESPONSE_INPUT_ITEM)]},
        "instructions": {"type": ["string", "null"]},
        "tools": _array(
            _obj(
                ["type", "name"],
                type={"const": "function"},
                name=_STRING,
                description=_STRING,
                parameters=_JSON_SCHEMA,
                strict={"type": ["boolean", "null"]},
            )
        ),
        "text": {
            "type": "object",
            "properties": {
                "format": {
                    "anyOf": [
                        _obj(["type"], type={"const": "text"}),
                        _obj(["type"], type={"const": "json_object"}),
                        _obj(
                            ["type", "name", "schema"],
                            type={"const": "json_schema"},
                            name=_STRING,
                            description=_STRING,
                            schema=_JSON_SCHEMA,
                            strict={"type": ["boolean", "null"]},
                        ),
                    ]
                }
            },
        },
        "max_output_tokens": {"type": ["integer", "null"]},
        "stream": {"type": ["boolean", "null"]},
    },
}

_TEXT_BLOCK: dict[str, Any] = _obj(["type", "text"], type={"const": "text"}, text=_STRING)
_ANTHROPIC_BLOCK: dict[str, Any] = {
    "anyOf": [
        _TEXT_BLOCK,
        _obj(["type", "source"], type={"const": "image"}, source={"type": "object"}),
        _obj(
            ["type", "id", "name", "input"],
            type={"const": "tool_use"},
            id=_STRING,
            name=_STRING,
            input={"type": "object"},
        ),
        _obj(
            ["type", "tool_use_id"],
            type={"const": "tool_result"},
            tool_use_id=_STRING,
            content={"anyOf": [_STRING, _array(_obj(["type"], type=_STRING))]},
            is_error={"type": "boolean"},
        ),
        _obj(
            ["type", "thinking", "signature"], type={"const": "thinking"}, thinking=_STRING, signature=_STRING
        ),
        _obj(["type", "data"], type={"const": "redacted_thinking"}, data=_STRING),
    ]
}

MESSAGES_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "An Anthropic Messages API request.",
    "required": ["model", "max_tokens", "messages"],
    "properties": {
        "model": _STRING,
        "max_tokens": {"type": "integer", "minimum": 1},
        "messages": _array(
            _obj(
                ["role", "content"],
                role={"enum": ["user", "assistant"]},
                content={"anyOf": [_STRING, _array(_ANTHROPIC_BLOCK)]},
            )
        ),
        "system": {"anyOf": [_STRING, _array(_TEXT_BLOCK)]},
        "tools": _array(
            _obj(["name", "input_schema"], name=_STRING, description=_STRING, input_schema=_JSON_SCHEMA)
        ),
        "tool_choice": {
            "anyOf": [
                _obj(["type"], type={"const": "auto"}, disable_parallel_tool_use={"type": "boolean"}),
                _obj(["type"], type={"const": "any"}, disable_parallel_tool_use={"type": "boolean"}),
                _obj(["type"], type={"const": "none"}),
                _obj(
                    ["type", "name"],
                    type={"const": "tool"},
                    name=_STRING,
                    disable_parallel_tool_use={"type": "boolean"},
                ),
            ]
        },
        "stop_sequences": _array(_STRING),
        "stream": {"type": "boolean"},
    },
}

REQUESTS: dict[str, dict[str, Any]] = {
    "openai-chat": CHAT_REQUEST,
    "openai-completions": COMPLETION_REQUEST,
    "openai-embeddings": EMBEDDINGS_REQUEST,
    "openai-responses": RESPONSES_REQUEST,
    "anthropic-messages": MESSAGES_REQUEST,
}

RESPONSES: dict[str, dict[str, Any]] = {
    "openai-chat": CHAT_COMPLETION,
    "openai-completions": TEXT_COMPLETION,
    "openai-embeddings": EMBEDDINGS,
    "openai-responses": RESPONSE,
    "anthropic-messages": ANTHROPIC_MESSAGE,
}


# -- the samples: what the SDKs send and parse --


@dataclass(frozen=True, slots=True)
class Sample:
    """One official body, named for the repair log."""

    name: str
    body: dict[str, Any]


_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"location": {"$ref": "#/$defs/Location"}},
    "required": ["location"],
    "additionalProperties": False,
    "$defs": {"Location": {"type": "object", "properties": {"city": {"type": "string"}}}},
}
_CHAT_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Look up the weather.",
        "parameters": _PARAMETERS,
        "strict": True,
    },
}
_HI = [{"role": "user", "content": "hi"}]
_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"location":{}}'},
}
_OUT_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}


def _chat(**fields: Any) -> dict[str, Any]:
    return {"model": "model", "messages": _HI, **fields}


REQUEST_SAMPLES: dict[str, tuple[Sample, ...]] = {
    "openai-chat": (
        Sample("a user message", _chat()),
        Sample(
            "a developer message and a user message of content parts",
            _chat(
                messages=[
                    {"role": "developer", "content": "Be brief."},
                    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
                ]
            ),
        ),
        Sample(
            "a tool round trip (an assistant message with tool_calls and content null, then a tool message)",
            _chat(
                messages=[
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Weather in Paris?"},
                    {"role": "assistant", "content": None, "tool_calls": [_CALL]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
                ],
                tools=[_CHAT_TOOL],
            ),
        ),
        *(
            Sample(f"tools with tool_choice {choice!r}", _chat(tool_choice=choice, tools=[_CHAT_TOOL]))
            for choice in (
                "auto",
                "none",
                "required",
                {"type": "function", "function": {"name": "get_weather"}},
            )
        ),
        Sample(
            "a json_schema response_format",
            _chat(
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "out", "schema": _OUT_SCHEMA, "strict": True},
                }
            ),
        ),
        Sample("a json_object response_format", _chat(response_format={"type": "json_object"})),
        Sample("n, max_tokens and a stop string", _chat(max_tokens=64, n=2, stop="END")),
        Sample(
            "max_completion_tokens and a stop list", _chat(max_completion_tokens=64, stop=["END", "STOP"])
        ),
        Sample("stream with stream_options", _chat(stream=True, stream_options={"include_usage": True})),
    ),
    "openai-completions": (
        Sample("a prompt", {"model": "model", "prompt": "hi"}),
        Sample(
            "a prompt list with n, max_tokens, stop and stream",
            {
                "model": "model",
                "stream": True,
                "prompt": ["a", "b"],
                "max_tokens": 64,
                "n": 2,
                "stop": ["END"],
                "stream_options": {"include_usage": True},
            },
        ),
    ),
    "openai-embeddings": (
        Sample(
            "a string (the SDK asks for base64 by default)",
            {"model": "model", "input": "hi", "encoding_format": "base64"},
        ),
        Sample("a list of strings", {"model": "model", "input": ["a", "b"], "encoding_format": "float"}),
        Sample("a list of token ids", {"model": "model", "input": [1, 2, 3], "encoding_format": "float"}),
        Sample(
            "a list of token id lists", {"model": "model", "input": [[1, 2], [3]], "encoding_format": "float"}
        ),
        Sample(
            "dimensions", {"model": "model", "input": "hi", "dimensions": 256, "encoding_format": "float"}
        ),
    ),
    "openai-responses": (
        Sample("a string input", {"model": "model", "input": "hi"}),
        Sample(
            "an item list (a message, a function_call and its function_call_output)",
            {
                "model": "model",
                "input": [
                    {"role": "user", "content": "Weather in Paris?"},
                    {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
                    {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
                ],
            },
        ),
        Sample(
            "function tools, a json_schema text format, max_output_tokens and stream",
            {
                "model": "model",
                "input": "hi",
                "max_output_tokens": 256,
                "stream": True,
                "text": {
                    "format": {"type": "json_schema", "name": "out", "schema": _OUT_SCHEMA, "strict": True}
                },
                "tools": [
                    {"type": "function", "name": "get_weather", "parameters": _PARAMETERS, "strict": True}
                ],
            },
        ),
    ),
    "anthropic-messages": (
        Sample("a user message", {"max_tokens": 256, "messages": _HI, "model": "model"}),
        *(
            Sample(
                f"tools with tool_choice {choice!r}",
                {
                    "max_tokens": 256,
                    "messages": _HI,
                    "model": "model",
                    "tool_choice": choice,
                    "tools": [
                        {
                            "name": "get_weather",
                            "description": "Look up the weather.",
                            "input_schema": _PARAMETERS,
                        }
                    ],
                },
            )
            for choice in (
                {"type": "auto"},
                {"type": "any"},
                {"type": "none"},
                {"type": "tool", "name": "get_weather"},
            )
        ),
        Sample(
            "a tool round trip (assistant tool_use, user tool_result blocks) with stop_sequences and stream",
            {
                "max_tokens": 256,
                "model": "model",
                "system": [{"type": "text", "text": "Be brief."}],
                "stop_sequences": ["END"],
                "stream": True,
                "messages": [
                    {"role": "user", "content": "Weather in Paris?"},
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "text", "text": "Checking."},
                            {
                                "type": "tool_use",
                                "id": "toolu_1",
                                "name": "get_weather",
                                "input": {"location": {}},
                            },
                        ],
                    },
                    {
                        "role": "user",
                        "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}],
                    },
                ],
            },
        ),
    ),
}

_CHAT_USAGE = {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}


def _completion(*choices: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "model",
        "choices": list(choices),
        "usage": _CHAT_USAGE,
    }


def _choice(index: int, finish_reason: str, content: str | None = "Hello.", **message: Any) -> dict[str, Any]:
    return {
        "index": index,
        "message": {"role": "assistant", "content": content, **message},
        "finish_reason": finish_reason,
    }


_OUTPUT_MESSAGE = {
    "type": "message",
    "id": "msg_1",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "Hello.", "annotations": []}],
}


def _response(status: str, *output: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": "resp_123",
        "object": "response",
        "created_at": 1700000000,
        "model": "model",
        "status": status,
        "output": list(output),
        "usage": {
            "input_tokens": 9,
            "output_tokens": 12,
            "total_tokens": 21,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
        **fields,
    }


def _message(stop_reason: str, *content: dict[str, Any], stop_sequence: str | None = None) -> dict[str, Any]:
    return {
        "id": "msg_123",
        "type": "message",
        "role": "assistant",
        "content": list(content) or [{"type": "text", "text": "Hello."}],
        "model": "model",
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": {"input_tokens": 9, "output_tokens": 12},
    }


def _embedding_list(*embeddings: Any) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": e} for i, e in enumerate(embeddings)],
        "model": "model",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }


RESPONSE_SAMPLES: dict[str, tuple[Sample, ...]] = {
    "openai-chat": (
        *(
            Sample(f"a reply that ends with {reason!r}", _completion(_choice(0, reason)))
            for reason in ("stop", "length", "content_filter")
        ),
        Sample(
            "a tool call (tool_calls with content null, finish_reason 'tool_calls')",
            _completion(_choice(0, "tool_calls", None, tool_calls=[_CALL])),
        ),
        Sample("two choices (n=2)", _completion(_choice(0, "stop"), _choice(1, "stop", "Hi."))),
    ),
    "openai-completions": (
        Sample(
            "two choices",
            {
                "id": "cmpl-123",
                "object": "text_completion",
                "created": 1700000000,
                "model": "model",
                "choices": [
                    {"index": 0, "text": "Hello.", "finish_reason": "stop", "logprobs": None},
                    {"index": 1, "text": "Hi", "finish_reason": "length", "logprobs": None},
                ],
                "usage": _CHAT_USAGE,
            },
        ),
    ),
    "openai-embeddings": (
        Sample("float embeddings", _embedding_list([0.1, -0.2], [0.3, 0.4])),
        Sample("a base64 embedding (what the SDK asks for by default)", _embedding_list("zczMPc3MTL4=")),
    ),
    "openai-responses": (
        Sample("a message", _response("completed", _OUTPUT_MESSAGE)),
        Sample(
            "a message and a function_call",
            _response(
                "completed",
                _OUTPUT_MESSAGE,
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "get_weather",
                    "arguments": "{}",
                    "status": "completed",
                },
            ),
        ),
        Sample(
            "an incomplete response (max_output_tokens)",
            _response("incomplete", _OUTPUT_MESSAGE, incomplete_details={"reason": "max_output_tokens"}),
        ),
    ),
    "anthropic-messages": (
        Sample("a text reply (end_turn)", _message("end_turn")),
        Sample("a reply cut at max_tokens", _message("max_tokens")),
        Sample("a reply stopped by a stop sequence", _message("stop_sequence", stop_sequence="END")),
        Sample(
            "a tool_use block (stop_reason 'tool_use')",
            _message(
                "tool_use",
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": {}}},
            ),
        ),
        Sample(
            "a thinking block before the text",
            _message(
                "end_turn",
                {"type": "thinking", "thinking": "The user greets me.", "signature": "c2ln"},
                {"type": "text", "text": "Hello."},
            ),
        ),
    ),
}
