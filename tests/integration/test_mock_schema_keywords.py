"""Structured output and tool arguments hold to every keyword of the schema the request brings.

The README promises arguments and content valid against any JSON Schema. A pydantic field with a
pattern and a length (a commit hash: ``^[a-f0-9]+$``, 40 characters) was a short match padded with
``x`` (``d4fxxxx…``), so ``chat.completions.parse`` raised pydantic's ``ValidationError``; tool
arguments ignored ``propertyNames``, ``contains``/``minContains``, ``dependentSchemas``,
``patternProperties`` and ``not``. Judged here as an app would: the SDK's own ``parse``, and the tool
input against its schema with python-jsonschema.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from test_mock_llm_answers import CHAT, MESSAGES, RESPONSES, _anthropic, _extra, _openai, _user, _valid


class Commit(pydantic.BaseModel):
    sha: str = pydantic.Field(pattern=r"^[a-f0-9]+$", min_length=40, max_length=40)
    short: str = pydantic.Field(pattern=r"^[a-f0-9]{7}$")
    branch: str = pydantic.Field(pattern=r"^[a-z]+(-[a-z]+)*$", min_length=12, max_length=20)


def _commit_ok(commit: Any) -> None:
    assert isinstance(commit, Commit)  # the SDK's parse validated the pattern and the lengths
    assert len(commit.sha) == 40 and 12 <= len(commit.branch) <= 20


@pytest.mark.parametrize("api", CHAT)
def test_chat_parse_gives_a_pattern_of_the_length_asked(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    completion = _openai(base_url, api, "openai-chat").chat.completions.parse(
        model=model, messages=_user("last commit"), response_format=Commit, extra_body=extra
    )
    _commit_ok(completion.choices[0].message.parsed)


@pytest.mark.parametrize("api", RESPONSES)
def test_responses_parse_gives_a_pattern_of_the_length_asked(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-responses", "input")
    parsed = _openai(base_url, api, "openai-responses").responses.parse(
        model=model, input="last commit", text_format=Commit, extra_body=extra
    )
    _commit_ok(parsed.output_parsed)


KEYWORDS: dict[str, dict[str, Any]] = {
    "propertyNames": {
        "type": "object",
        "properties": {
            "m": {
                "type": "object",
                "propertyNames": {"pattern": "^[a-z]{2}$"},
                "additionalProperties": {"type": "integer"},
                "minProperties": 2,
            }
        },
        "required": ["m"],
    },
    "contains": {
        "type": "object",
        "properties": {
            "c": {
                "type": "array",
                "items": {"type": "integer"},
                "contains": {"minimum": 100},
                "minContains": 2,
                "maxContains": 2,
                "minItems": 3,
            }
        },
        "required": ["c"],
    },
    "dependentSchemas": {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "dependentSchemas": {"a": {"properties": {"b": {"type": "integer"}}, "required": ["b"]}},
        "dependentRequired": {"b": ["c"]},
    },
    "patternProperties": {
        "type": "object",
        "patternProperties": {"^S_": {"type": "string"}},
        "additionalProperties": False,
        "minProperties": 2,
    },
    "not": {
        "type": "object",
        "properties": {"s": {"type": "string", "not": {"enum": ["mock-s", "mock-s-1", ""]}}},
        "required": ["s"],
    },
}


@pytest.mark.parametrize("api", MESSAGES)
@pytest.mark.parametrize("keyword", list(KEYWORDS))
def test_messages_tool_input_holds_to_the_keyword(base_url: str, api: str, keyword: str) -> None:
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    schema = KEYWORDS[keyword]
    message = _anthropic(base_url, api).messages.create(
        model=model,
        max_tokens=200,
        messages=_user("do it"),
        tools=[{"name": "act", "description": "Act", "input_schema": schema}],
        tool_choice={"type": "any"},
        extra_body=extra,
    )
    inputs = [block.input for block in message.content if block.type == "tool_use"]
    assert len(inputs) == 1
    _valid(inputs[0], schema)


@pytest.mark.parametrize("api", CHAT)
@pytest.mark.parametrize("keyword", list(KEYWORDS))
def test_chat_tool_arguments_hold_to_the_keyword(base_url: str, api: str, keyword: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    schema = KEYWORDS[keyword]
    completion = _openai(base_url, api, "openai-chat").chat.completions.create(
        model=model,
        messages=_user("do it"),
        tools=[{"type": "function", "function": {"name": "act", "parameters": schema}}],
        tool_choice="required",
        extra_body=extra,
    )
    calls = completion.choices[0].message.tool_calls
    assert calls and len(calls) == 1
    _valid(json.loads(calls[0].function.arguments), schema)
