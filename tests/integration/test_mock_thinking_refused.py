"""A spec whose Messages answers hold no thinking blocks still answers a request that asks for thinking.

The mock lays an LLM answer over the spec's response schema and drops what the schema refuses; a
thinking block in ``content`` refused would take the whole ``content`` with it (the text and tool calls
the client asked for). A user's Messages route whose content items are text and tool use only, served
over a real socket: a request with ``thinking`` gets its text, no thinking, and ``usage`` that bills
only what it got.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from gatewright.mock import create_app
from gatewright.testing import serve_app

TEXT = {
    "type": "object",
    "required": ["type", "text"],
    "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
}
TOOL_USE = {
    "type": "object",
    "required": ["type", "id", "name", "input"],
    "properties": {
        "type": {"const": "tool_use"},
        "id": {"type": "string"},
        "name": {"type": "string"},
        "input": {"type": "object"},
    },
}
MESSAGE = {
    "type": "object",
    "required": ["id", "type", "role", "content", "model", "stop_reason", "usage"],
    "properties": {
        "id": {"type": "string"},
        "type": {"const": "message"},
        "role": {"const": "assistant"},
        "content": {"type": "array", "items": {"anyOf": [TEXT, TOOL_USE]}},
        "model": {"type": "string"},
        "stop_reason": {"type": ["string", "null"]},
        "stop_sequence": {"type": ["string", "null"]},
        "usage": {
            "type": "object",
            "required": ["input_tokens", "output_tokens"],
            "properties": {"input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}},
        },
    },
}


def _spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "messages", "version": "1"},
        "paths": {
            "/v1/messages": {
                "post": {
                    "operationId": "createMessage",
                    "security": [],
                    "x-gatewright-compatible": {"wire": "anthropic-messages"},
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "a message",
                            "content": {"application/json": {"schema": MESSAGE}},
                        }
                    },
                }
            }
        },
    }


def test_thinking_a_spec_cannot_hold_leaves_the_answer_whole(tmp_path: Path) -> None:
    spec_path = tmp_path / "messages.openapi.json"
    spec_path.write_text(json.dumps(_spec()), encoding="utf-8")
    asked = {"model": "m", "max_tokens": 500, "messages": [{"role": "user", "content": "hi"}]}
    thinking = {"type": "enabled", "budget_tokens": 64}
    with serve_app(create_app(spec_path=spec_path, seed=1, access_log=False)) as url:
        plain = requests.post(f"{url}/v1/messages", json=asked, timeout=10)
        thought = requests.post(f"{url}/v1/messages", json={**asked, "thinking": thinking}, timeout=10)
    assert plain.status_code == thought.status_code == 200, thought.text
    message = thought.json()
    assert [block["type"] for block in message["content"]] == ["text"], message
    assert message["content"] == plain.json()["content"]
    assert message["usage"]["output_tokens"] == len(message["content"][0]["text"].split()), message["usage"]
