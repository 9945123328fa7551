"""``reasoning_content`` statements: the spec's words that some models' chat answers show their chain of
thought, read from the lifecycle file, checked against the document and carried into
``x-gatewright-reasoning-content`` (and the field declared in the answer's message where it is not)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatewright.normalize.lifecycles import load_lifecycles
from gatewright.normalize.passes.base import clone
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.tasks import apply_lifecycles
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import COMPATIBLE_EXTENSION, REASONING_EXTENSION

WHY = "Thinking models write their reasoning (`reasoning_content` field) before the answer."
STATEMENT = f"""\
lifecycles: []
behaviours:
  - reasoning_content: ['^think-[0-9]', '(?i)reasoner']
    operations: [POST /v1/chat/completions]
    why: {WHY}
    note: the models named think-N and any reasoner
"""


def _chat(message: dict[str, Any], *, wire: str = "openai-chat") -> dict[str, Any]:
    """A chat whose answer's ``choices[].message`` is ``message``, its prose in the description."""
    answer = {
        "type": "object",
        "properties": {
            "choices": {"type": "array", "items": {"type": "object", "properties": {"message": message}}}
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "chat", "version": "1"},
        "paths": {
            "/v1/chat/completions": {
                "post": {
                    "operationId": "createChat",
                    "description": WHY,
                    COMPATIBLE_EXTENSION: {"wire": wire},
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": answer}}}
                    },
                }
            }
        },
    }


def _message(*extra: tuple[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": {"content": {}, **dict(extra)}}


def run(text: str, tmp_path: Path, source: dict[str, Any]) -> tuple[dict[str, Any], RepairLog]:
    path = tmp_path / "chat.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    copy = clone(source)
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, load_lifecycles(path), log)
    return copy, log


def test_the_statement_marks_the_chat_and_declares_the_field_its_answer_lacked(tmp_path: Path) -> None:
    applied, log = run(STATEMENT, tmp_path, _chat(_message()))
    chat = applied["paths"]["/v1/chat/completions"]["post"]
    assert chat[REASONING_EXTENSION] == {"models": ["^think-[0-9]", "(?i)reasoner"]}
    message = chat["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["choices"][
        "items"
    ]["properties"]["message"]
    assert message["properties"]["reasoning_content"]["type"] == ["string", "null"]
    quote = f"the spec states: {WHY!r} (the models named think-N and any reasoner)"
    assert [(r.pointer.rsplit("/", 1)[-1], r.why) for r in log.repairs] == [
        ("reasoning_content", quote),
        (REASONING_EXTENSION, quote),
    ]
    again, relog = run(STATEMENT, tmp_path, applied)  # a second run changes nothing
    assert relog.repairs == [] and again == applied


def test_a_message_that_declares_the_field_as_a_string_keeps_it(tmp_path: Path) -> None:
    declared = {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "the vendor's own"}
    applied, log = run(STATEMENT, tmp_path, _chat(_message(("reasoning_content", declared))))
    message = applied["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["properties"]["choices"]["items"]["properties"]["message"]
    assert message["properties"]["reasoning_content"] == declared
    assert [r.pointer.rsplit("/", 1)[-1] for r in log.repairs] == [REASONING_EXTENSION]


def _refused(text: str, tmp_path: Path, source: dict[str, Any]) -> BehaviourError:
    with pytest.raises(BehaviourError) as refused:
        run(text, tmp_path, source)
    assert refused.value.source == str(tmp_path / "chat.lifecycles.yaml")
    assert refused.value.line == 3  # the statement's line
    return refused.value


@pytest.mark.parametrize(
    ("text", "source", "message"),
    [
        (
            STATEMENT.replace("'^think-[0-9]'", "'think-[0-9'"),
            _chat(_message()),
            "reasoning_content: 'think-[0-9' is no regular expression",
        ),
        (
            STATEMENT,
            _chat(_message(), wire="openai-responses"),
            "POST /v1/chat/completions is no OpenAI-compatible chat",
        ),
        (
            STATEMENT,
            _chat(_message(("reasoning_content", {"type": "integer"}))),
            "POST /v1/chat/completions declares reasoning_content as no string",
        ),
        (
            STATEMENT.replace(WHY, "Models think."),
            _chat(_message()),
            "reasoning_content: the spec does not say 'Models think.'",
        ),
    ],
    ids=["bad pattern", "not a chat", "not a string", "quote not in the spec"],
)
def test_a_statement_the_document_does_not_bear_out_is_refused(
    text: str, source: dict[str, Any], message: str, tmp_path: Path
) -> None:
    assert message in _refused(text, tmp_path, source).message


def test_an_answer_without_a_message_is_refused(tmp_path: Path) -> None:
    source = _chat(_message())
    source["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] = {
        "type": "object",
        "properties": {"text": {"type": "string"}},
    }
    error = _refused(STATEMENT, tmp_path, source)
    assert "a 2xx JSON answer of POST /v1/chat/completions declares no choices[].message" in error.message
