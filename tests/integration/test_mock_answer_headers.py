"""An LLM answer carries the required headers of the response it is, not of the first one answered.

The answers extension works out once what every answer at a response schema shares (its required
fields, its validator, its required headers), keyed by the media schema's pointer, which names its
response. Two responses of one operation here share a schema (``$ref``) and not their headers: a user's
chat route answering ``200`` and ``201`` with one ``ChatCompletion``, the ``201`` stating a required
``X-Answer-Kind``. A served mock over a real socket; the ``201`` (``Prefer: code=201``) is asked between
two ``200`` answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from gatewright.mock import create_app
from gatewright.testing import serve_app

COMPLETION = {
    "type": "object",
    "required": ["id", "object", "created", "model", "choices"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string"},
        "created": {"type": "integer"},
        "model": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "object"}},
    },
}


def _spec() -> dict[str, Any]:
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletion"}}}
    kind = {"required": True, "schema": {"type": "string", "const": "created"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "chat", "version": "1"},
        "paths": {
            "/v1/chat/completions": {
                "post": {
                    "operationId": "createChatCompletion",
                    "security": [],
                    "x-gatewright-compatible": {"wire": "openai-chat"},
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": {"description": "an answer", "content": answer},
                        "201": {
                            "description": "an answer, made anew",
                            "headers": {"X-Answer-Kind": kind},
                            "content": answer,
                        },
                    },
                }
            }
        },
        "components": {"schemas": {"ChatCompletion": COMPLETION}},
    }


def test_each_response_sharing_a_schema_carries_its_own_required_headers(tmp_path: Path) -> None:
    spec_path = tmp_path / "chat.openapi.json"
    spec_path.write_text(json.dumps(_spec()), encoding="utf-8")
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    with serve_app(create_app(spec_path=spec_path, seed=1, access_log=False)) as url:
        plain = requests.post(f"{url}/v1/chat/completions", json=body, timeout=10)
        made = requests.post(
            f"{url}/v1/chat/completions", json={**body, "n": 1}, headers={"Prefer": "code=201"}, timeout=10
        )
        again = requests.post(f"{url}/v1/chat/completions", json={**body, "user": "u"}, timeout=10)
    assert plain.status_code == 200 and "X-Answer-Kind" not in plain.headers
    assert made.status_code == 201, made.text
    assert made.headers.get("X-Answer-Kind") == "created"
    assert made.json()["object"] == "chat.completion"  # the LLM answer, not a generated body
    assert again.status_code == 200 and "X-Answer-Kind" not in again.headers
