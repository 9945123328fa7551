"""The response shapes of OpenAI- and Anthropic-compatible routes, as the official SDKs read them.

Used where a document says a route is compatible but declares its success body as
a free-form object: the mock then serves what an SDK can parse, and the runner
checks it. Only the fields the SDKs rely on are required; others stay open.
"""

from __future__ import annotations

from typing import Any


def _counts(*names: str) -> dict[str, Any]:
    """A usage object: each named token count is a required non-negative integer."""
    return {
        "type": "object",
        "required": list(names),
        "properties": {name: {"type": "integer", "minimum": 0} for name in names},
    }


_USAGE = _counts("prompt_tokens", "completion_tokens", "total_tokens")

TOOL_CALL: dict[str, Any] = {
    "type": "object",
    "description": "A function call the model asks for.",
    "required": ["id", "type", "function"],
    "properties": {
        "id": {"type": "string", "examples": ["call_123"]},
        "type": {"const": "function"},
        "function": {
            "type": "object",
            "required": ["name", "arguments"],
            "properties": {"name": {"type": "string"}, "arguments": {"type": "string"}},
        },
    },
}

CHAT_COMPLETION: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI chat completion.",
    "required": ["id", "object", "created", "model", "choices"],
    "properties": {
        "id": {"type": "string", "examples": ["chatcmpl-123"]},
        "object": {"const": "chat.completion"},
        "created": {"type": "integer", "minimum": 0},
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["index", "message", "finish_reason"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "message": {
                        "type": "object",
                        "required": ["role", "content"],
                        "properties": {
                            "role": {"const": "assistant"},
                            "content": {"type": ["string", "null"]},
                            "tool_calls": {"type": "array", "items": TOOL_CALL},
                        },
                    },
                    "finish_reason": {
                        "enum": ["stop", "length", "tool_calls", "content_filter", "function_call"]
                    },
                },
            },
        },
        "usage": _USAGE,
    },
}

TEXT_COMPLETION: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI legacy text completion.",
    "required": ["id", "object", "created", "model", "choices"],
    "properties": {
        "id": {"type": "string"},
        "object": {"const": "text_completion"},
        "created": {"type": "integer", "minimum": 0},
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["index", "text", "finish_reason"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "text": {"type": "string"},
                    "finish_reason": {"enum": ["stop", "length", "content_filter"]},
                },
            },
        },
        "usage": _USAGE,
    },
}

EMBEDDINGS: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI embeddings list.",
    "required": ["object", "data", "model", "usage"],
    "properties": {
        "object": {"const": "list"},
        "data": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["object", "index", "embedding"],
                "properties": {
                    "object": {"const": "embedding"},
                    "index": {"type": "integer", "minimum": 0},
                    "embedding": {
                        "anyOf": [
                            {"type": "array", "minItems": 1, "items": {"type": "number"}},
                            {
                                "type": "string",
                                "contentEncoding": "base64",
                                "description": "The float32 vector, base64-encoded (encoding_format base64).",
                            },
                        ]
                    },
                },
            },
        },
        "model": {"type": "string"},
        "usage": _counts("prompt_tokens", "total_tokens"),
    },
}

IMAGES: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI images response.",
    "required": ["created", "data"],
    "properties": {
        "created": {"type": "integer", "minimum": 0},
        "data": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "url": {"type": "string", "format": "uri"},
                    "b64_json": {"type": "string"},
                    "revised_prompt": {"type": "string"},
                },
            },
        },
    },
}

MODELS: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI model list.",
    "required": ["object", "data"],
    "properties": {
        "object": {"const": "list"},
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "object", "created", "owned_by"],
                "properties": {
                    "id": {"type": "string"},
                    "object": {"const": "model"},
                    "created": {"type": "integer", "minimum": 0},
                    "owned_by": {"type": "string"},
                },
            },
        },
    },
}

RESPONSE: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAI Responses API response.",
    "required": ["id", "object", "created_at", "model", "status", "output"],
    "properties": {
        "id": {"type": "string", "examples": ["resp_123"]},
        "object": {"const": "response"},
        "created_at": {"type": "integer", "minimum": 0},
        "model": {"type": "string"},
        "status": {"enum": ["completed", "in_progress", "queued", "failed", "cancelled", "incomplete"]},
        "output": {
            "type": "array",
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["type", "id", "role", "status", "content"],
                        "properties": {
                            "type": {"const": "message"},
                            "id": {"type": "string"},
                            "role": {"const": "assistant"},
                            "status": {"enum": ["completed", "in_progress", "incomplete"]},
                            "content": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["type", "text", "annotations"],
                                    "properties": {
                                        "type": {"const": "output_text"},
                                        "text": {"type": "string"},
                                        "annotations": {
                                            "type": "array",
                                            "maxItems": 0,
                                            "items": {"type": "object"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type", "call_id", "name", "arguments"],
                        "properties": {
                            "type": {"const": "function_call"},
                            "id": {"type": "string", "examples": ["fc_123"]},
                            "call_id": {"type": "string", "examples": ["call_123"]},
                            "name": {"type": "string"},
                            "arguments": {"type": "string"},
                            "status": {"enum": ["completed", "in_progress", "incomplete"]},
                        },
                    },
                ]
            },
        },
        "usage": _counts("input_tokens", "output_tokens", "total_tokens"),
    },
}

ANTHROPIC_MESSAGE: dict[str, Any] = {
    "type": "object",
    "description": "An Anthropic Messages API message.",
    "required": ["id", "type", "role", "content", "model", "stop_reason", "usage"],
    "properties": {
        "id": {"type": "string", "examples": ["msg_123"]},
        "type": {"const": "message"},
        "role": {"const": "assistant"},
        "content": {
            "type": "array",
            "minItems": 1,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["type", "text"],
                        "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
                    },
                    {
                        "type": "object",
                        "required": ["type", "id", "name", "input"],
                        "properties": {
                            "type": {"const": "tool_use"},
                            "id": {"type": "string", "examples": ["toolu_123"]},
                            "name": {"type": "string"},
                            "input": {"type": "object"},
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type", "thinking", "signature"],
                        "properties": {
                            "type": {"const": "thinking"},
                            "thinking": {"type": "string"},
                            "signature": {"type": "string"},
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type", "data"],
                        "properties": {"type": {"const": "redacted_thinking"}, "data": {"type": "string"}},
                    },
                ]
            },
        },
        "model": {"type": "string"},
        "stop_reason": {"enum": ["end_turn", "max_tokens", "stop_sequence", "tool_use", None]},
        "stop_sequence": {"type": ["string", "null"]},
        "usage": _counts("input_tokens", "output_tokens"),
    },
}

ANTHROPIC_ERROR: dict[str, Any] = {
    "type": "object",
    "description": "The Anthropic error envelope.",
    "required": ["type", "error"],
    "properties": {
        "type": {"const": "error"},
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}

# (method, path suffix) -> (component name, schema, the vendor the document must claim compatibility with)
SHAPES: dict[tuple[str, str], tuple[str, dict[str, Any], str]] = {
    ("post", "/v1/chat/completions"): ("OpenAIChatCompletion", CHAT_COMPLETION, "OpenAI"),
    ("post", "/v1/completions"): ("OpenAITextCompletion", TEXT_COMPLETION, "OpenAI"),
    ("post", "/v1/embeddings"): ("OpenAIEmbeddingList", EMBEDDINGS, "OpenAI"),
    ("post", "/v1/images/generations"): ("OpenAIImagesResponse", IMAGES, "OpenAI"),
    ("get", "/v1/models"): ("OpenAIModelList", MODELS, "OpenAI"),
    ("post", "/v1/responses"): ("OpenAIResponse", RESPONSE, "OpenAI"),
    ("post", "/v1/messages"): ("AnthropicMessage", ANTHROPIC_MESSAGE, "Anthropic"),
}
