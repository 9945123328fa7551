"""JSON mode with the schema in the prompt, judged through the official SDKs over a real socket.

instructor's ``Mode.JSON``, pydantic-ai's ``PromptedOutput`` and langchain's format instructions ask for
``response_format: {"type": "json_object"}`` and write the wanted shape as a JSON Schema into the prompt;
they validate the answer against it and ask again when it fails. The mock answers an instance of that
schema (``mock/answers/prompted.py``); without one in the prompt, the JSON object it always answered.
instructor's modes without JSON mode (``MD_JSON``; Anthropic's JSON) name ``json_schema`` in the prompt,
and get the same (other libraries' words: ``test_mock_prompted_json``); a plain prompt quoting a schema still
gets prose. The prompts below are the libraries'
own wordings.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mock_llm_answers import (
    CHAT,
    MESSAGES,
    RESPONSES,
    _anthropic,
    _extra,
    _openai,
    _valid,
)


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class Address(pydantic.BaseModel):
    street: str
    zip_code: str = pydantic.Field(pattern=r"^[0-9]{5}$")


class UserDetail(pydantic.BaseModel):
    """Nested models (``$defs``, ``$ref``), an enum, an optional field, a bounded list."""

    name: str
    age: int = pydantic.Field(ge=0, le=130)
    colour: Colour
    home: Address
    others: list[Address] = pydantic.Field(max_length=3)
    nickname: str | None = None


USER = UserDetail.model_json_schema()
CLOSED = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "nights": {"type": "integer", "minimum": 1}},
    "required": ["city", "nights"],
    "additionalProperties": False,
}
JSON_MODE = {"type": "json_object"}


def instructor_json(schema: dict[str, Any]) -> str:
    """instructor's ``Mode.JSON`` system message (``instructor/providers/openai/utils.py``)."""
    return (
        "\n        As a genius expert, your task is to understand the content and provide\n"
        "        the parsed objects in json that match the following json_schema:\n\n\n"
        f"        {json.dumps(schema, indent=2, ensure_ascii=False)}\n\n"
        "        Make sure to return an instance of the JSON, not the schema itself\n"
    )


def langchain_fenced(schema: dict[str, Any]) -> str:
    """langchain's format instructions: an example schema in the prose, the real one in a fence."""
    return (
        "The output should be formatted as a JSON instance that conforms to the JSON schema below.\n\n"
        'As an example, for the schema {"properties": {"foo": {"title": "Foo", "description": "a list of '
        'strings", "type": "array", "items": {"type": "string"}}}, "required": ["foo"]}\nthe object '
        '{"foo": ["bar", "baz"]} is a well-formatted instance of the schema.\n\n'
        f"Here is the output schema:\n```json\n{json.dumps(schema)}\n```"
    )


def _chat_json(base_url: str, api: str, messages: list[dict[str, Any]], **fields: Any) -> Any:
    model, extra = _extra(api, "openai-chat", "messages", "response_format")
    with _openai(base_url, api, "openai-chat") as client:
        completion = client.chat.completions.create(
            model=model, messages=messages, extra_body=extra, **fields
        )
    content = completion.choices[0].message.content
    assert content is not None
    return json.loads(content)


@pytest.mark.parametrize("api", CHAT)
def test_instructor_json_mode_gets_an_instance_of_its_schema(base_url: str, api: str) -> None:
    messages = [
        {"role": "system", "content": instructor_json(USER)},
        {"role": "user", "content": "Extract: Jason is 25 and lives at 1 Main St, 12345"},
    ]
    answer = _chat_json(base_url, api, messages, response_format=JSON_MODE)
    _valid(answer, USER)
    UserDetail.model_validate(answer)  # what instructor does with it


@pytest.mark.parametrize("api", CHAT)
def test_a_fenced_schema_wins_over_an_example_in_the_prose(base_url: str, api: str) -> None:
    messages = [{"role": "user", "content": f"Plan a stay.\n\n{langchain_fenced(CLOSED)}"}]
    answer = _chat_json(base_url, api, messages, response_format=JSON_MODE)
    _valid(answer, CLOSED)  # closed: an instance of the example's schema ({"foo": ...}) fails


def test_the_latest_message_stating_a_schema_is_the_one_answered(base_url: str) -> None:
    api = CHAT[0]
    messages = [
        {"role": "system", "content": instructor_json(USER)},
        {"role": "user", "content": f"Now answer with this one instead: {json.dumps(CLOSED)}"},
    ]
    _valid(_chat_json(base_url, api, messages, response_format=JSON_MODE), CLOSED)


@pytest.mark.parametrize("api", CHAT)
def test_json_mode_without_a_schema_answers_as_before(base_url: str, api: str) -> None:
    messages = [{"role": "user", "content": "Reply in JSON, {like this} please"}]
    answer = _chat_json(base_url, api, messages, response_format=JSON_MODE)
    assert isinstance(answer, dict) and list(answer) == ["answer"] and isinstance(answer["answer"], str)


def test_a_schema_quoted_without_json_mode_or_instructor_words_is_answered_in_prose(base_url: str) -> None:
    model, extra = _extra(CHAT[0], "openai-chat", "messages")
    asked = f"What does this schema describe? {json.dumps(CLOSED)}"
    with _openai(base_url, CHAT[0], "openai-chat") as client:
        completion = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": asked}], extra_body=extra
        )
    content = completion.choices[0].message.content or ""
    assert content and not content.lstrip().startswith("{")


def test_a_streamed_json_mode_answer_is_an_instance_too(base_url: str) -> None:
    api = CHAT[0]
    model, extra = _extra(api, "openai-chat", "messages", "response_format", "stream")
    with _openai(base_url, api, "openai-chat") as client:
        stream = client.chat.completions.create(
            model=model,
            messages=[
                {"role": "system", "content": instructor_json(USER)},
                {"role": "user", "content": "Jo"},
            ],
            response_format=JSON_MODE,
            stream=True,
            extra_body=extra,
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    _valid(json.loads(text), USER)


@pytest.mark.parametrize("api", RESPONSES)
def test_responses_json_object_reads_the_schema_in_instructions(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-responses", "input", "instructions", "text")
    with _openai(base_url, api, "openai-responses") as client:
        response = client.responses.create(
            model=model,
            instructions=f"Always respond with a JSON object that's compatible with this schema:\n\n"
            f"{json.dumps(USER)}\n\nDon't include any text or Markdown fencing before or after.",
            input="Jason, 25",
            text={"format": {"type": "json_object"}},
            extra_body=extra,
        )
    _valid(json.loads(response.output_text), USER)


@pytest.mark.parametrize("api", CHAT)
def test_instructor_md_json_names_json_schema_without_json_mode(base_url: str, api: str) -> None:
    messages = [
        {"role": "system", "content": instructor_json(USER)},
        {
            "role": "user",
            "content": "Extract: Jason is 25\n\n"
            "Return the correct JSON response within a ```json codeblock. not the JSON_SCHEMA",
        },
    ]
    _valid(_chat_json(base_url, api, messages), USER)


ANTHROPIC_JSON = {  # instructor 1.17's Anthropic JSON mode, and its older releases' wording
    "current": instructor_json(USER),
    "tagged": "You must only response in JSON format that adheres to the following schema:\n\n"
    f"<JSON_SCHEMA>\n{json.dumps(USER, indent=2)}\n</JSON_SCHEMA>\n",
}


@pytest.mark.parametrize("release", sorted(ANTHROPIC_JSON))
@pytest.mark.parametrize("api", MESSAGES)
def test_instructor_anthropic_json_gets_an_instance_of_its_schema(
    base_url: str, api: str, release: str
) -> None:
    model, extra = _extra(api, "anthropic-messages", "messages", "system", "max_tokens")
    with _anthropic(base_url, api) as client:
        message = client.messages.create(
            model=model,
            max_tokens=4096,
            system=[{"type": "text", "text": ANTHROPIC_JSON[release]}],
            messages=[{"role": "user", "content": "Extract: Jason is 25"}],
            extra_body=extra,
        )
    text = "".join(block.text for block in message.content if block.type == "text")
    _valid(json.loads(text), USER)


# Object schemas within what the json_schema answering supports: scalars, enums, bounds, nested objects,
# arrays, required subsets, closed objects, and a property reached through ``$defs``.
_NAMES = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_SCALARS = st.one_of(
    st.just({"type": "string"}),
    st.just({"type": "boolean"}),
    st.integers(-50, 50).map(lambda low: {"type": "integer", "minimum": low, "maximum": low + 10}),
    st.just({"type": "number", "minimum": 0}),
    st.lists(_NAMES, min_size=1, max_size=4, unique=True).map(lambda words: {"enum": words}),
)


def _object(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def build(props: dict[str, dict[str, Any]], data: st.DataObject) -> dict[str, Any]:
        required = data.draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
        closed = data.draw(st.booleans())
        return {
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": not closed,
        }

    return st.builds(build, st.dictionaries(_NAMES, children, max_size=4), st.data())


_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(_object(inner), inner.map(lambda item: {"type": "array", "items": item})),
    max_leaves=8,
)
OBJECT_SCHEMAS = st.one_of(
    _object(_VALUES),
    st.tuples(_object(_VALUES), _object(_VALUES)).map(
        lambda pair: {
            **pair[0],
            "properties": {**pair[0]["properties"], "ref": {"$ref": "#/$defs/Inner"}},
            "$defs": {"Inner": pair[1]},
        }
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schema=OBJECT_SCHEMAS, fenced=st.booleans())
def test_any_object_schema_in_the_prompt_is_answered_with_an_instance(
    base_url: str, schema: dict[str, Any], fenced: bool
) -> None:
    stated = f"```json\n{json.dumps(schema)}\n```" if fenced else instructor_json(schema)
    messages = [{"role": "system", "content": stated}, {"role": "user", "content": "Go"}]
    _valid(_chat_json(base_url, CHAT[0], messages, response_format=JSON_MODE), schema)
