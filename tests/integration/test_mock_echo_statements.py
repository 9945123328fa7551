"""An answer field restates a request field under another name only where the spec states it.

The mock once read a request field's description as a naming rule: a field whose description opened with
one word and then its own name ("Base model catalog id." of ``model``) went by the longer name, so any
answer field called ``base_model_id`` took the ``model`` sent. On a spec of the user's own that copied a
request value into an unrelated field whose name happened to match the prose. Now the spec says it:
``x-gatewright-echo-as`` on the operation (written by normalize from a lifecycle file's quoted ``echo_as``
statement, as ipop's fine-tune create has it). A user's spec served over a real socket, with and without
the extension.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from gatewright.mock import create_app
from gatewright.testing import serve_app

ECHO_AS = "x-gatewright-echo-as"  # as a user writes it in a spec of their own
SENT = "catalog/llama-3.1-8b-tuned-base"  # no generator makes this up


def _spec(**extensions: Any) -> dict[str, Any]:
    """A tune service of the user's own: its request's ``model`` is "Base model catalog id.", its answer
    has a ``base_model_id`` beside a ``model``."""
    answer = {
        "type": "object",
        "required": ["id", "base_model_id", "model"],
        "properties": {
            "id": {"type": "string"},
            "base_model_id": {"type": "string"},
            "model": {"type": "string"},
        },
    }
    request = {
        "type": "object",
        "required": ["model"],
        "properties": {
            "model": {"type": "string", "description": "Base model catalog id. Must be trainable."}
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "tunes", "version": "1"},
        "paths": {
            "/v1/tunes": {
                "post": {
                    "operationId": "createTune",
                    "security": [],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
                    "responses": {
                        "200": {
                            "description": "the tune",
                            "content": {"application/json": {"schema": answer}},
                        }
                    },
                    **extensions,
                }
            }
        },
    }


def _created(tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    spec_path = tmp_path / "tunes.openapi.json"
    spec_path.write_text(json.dumps(document), encoding="utf-8")
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:
        answer = requests.post(f"{url}/v1/tunes", json={"model": SENT}, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_description_that_opens_like_an_answer_field_copies_nothing_into_it(tmp_path: Path) -> None:
    body = _created(tmp_path, _spec())
    assert body["model"] == SENT  # the same name restates it, as ever
    assert isinstance(body["base_model_id"], str) and body["base_model_id"] != SENT  # generated, as any field


def test_the_stated_answer_field_restates_the_request_field(tmp_path: Path) -> None:
    body = _created(tmp_path, _spec(**{ECHO_AS: {"base_model_id": "model"}}))
    assert body["base_model_id"] == SENT
    assert body["model"] == SENT
