"""Which JSON object a prompt's text states as the answer's schema (``mock/answers/prompted.py``)."""

from __future__ import annotations

import json

import pytest

from gatewright.mock.answers.prompt import read_prompt
from gatewright.mock.answers.prompted import asks_for_schema, schema_in, stated_schema

ITEM = {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}
RECURSIVE = {  # pydantic's schema of a recursive model: a root $ref into its $defs
    "$defs": {
        "Node": {
            "type": "object",
            "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
        }
    },
    "$ref": "#/$defs/Node",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Answer per this schema: {json.dumps(ITEM)} thanks", ITEM),
        ('schema {"properties": {"a": {}}}', {"properties": {"a": {}}}),  # no type: properties say object
        (f"Schema:\n```json\n{json.dumps(ITEM, indent=2)}\n```", ITEM),
        (f"Schema:\n```\n{json.dumps(ITEM)}\n```", ITEM),
        (f"<JSON_SCHEMA>\n{json.dumps(RECURSIVE)}\n</JSON_SCHEMA>", RECURSIVE),
        # the template's placeholder and a Python repr are prose, the JSON after them is the schema
        (f"Fill {{schema}} as {{'a': 1}}: {json.dumps(ITEM)}", ITEM),
        # the last schema in the prose wins over an example before it; a fenced one over both
        (f'e.g. {{"properties": {{"foo": {{}}}}}} then {json.dumps(ITEM)}', ITEM),
        (f'```json\n{json.dumps(ITEM)}\n```\nnot {{"properties": {{"foo": {{}}}}}}', ITEM),
        # a ``` quoted inside a sentence opens no fence: the example after it is prose, the fenced one wins
        (
            f'Use no ``` fences. E.g. {{"properties": {{"foo": {{}}}}}}\n'
            f"Schema:\n```json\n{json.dumps(ITEM)}\n```",
            ITEM,
        ),
    ],
)
def test_the_stated_schema_is_found(text: str, expected: dict[str, object]) -> None:
    assert schema_in(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "no braces at all",
        "a {placeholder} and {'python': 'repr'}",
        '{"name": "Jason", "age": 25}',  # an instance, not a schema
        '{"type": "array", "items": {"type": "object", "properties": {"a": {}}}}',  # not an object
        '{"type": "string"}',
        '{"$ref": "#/$defs/Missing", "$defs": {}}',
        '{"type": ["object", "null"], "properties": {}}',  # may be null: not what JSON mode answers
        '{"a": ' * 100_000,  # nested past the decoder's depth: passed over, not an error
    ],
)
def test_no_object_schema_is_none(text: str) -> None:
    assert schema_in(text) is None


def test_the_latest_instructing_message_wins_and_assistant_turns_are_not_read() -> None:
    other = {"type": "object", "properties": {"x": {"type": "integer"}}}
    messages = [
        {"role": "system", "content": json.dumps(ITEM)},
        {"role": "user", "content": [{"type": "text", "text": f"use {json.dumps(other)}"}]},
        {"role": "assistant", "content": json.dumps({"type": "object", "properties": {}})},
    ]
    assert stated_schema(messages) == other
    assert stated_schema(messages[:1]) == ITEM
    assert stated_schema([], instructions=json.dumps(ITEM)) == ITEM


_SCHEMA_URL = {"$schema": "https://json-schema.org/draft/2020-12/schema", **ITEM}


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        (
            f"Always respond with a JSON object that's compatible with this schema:\n\n{json.dumps(ITEM)}",
            True,
        ),
        (f"Here's a JSON schema to follow:\n{json.dumps(ITEM)}", True),
        (f"conforms to the json Schema below.\n```\n{json.dumps(ITEM)}\n```", True),
        (f"match the following json_schema: {json.dumps(ITEM)}", True),
        (f"<JSON_SCHEMA>{json.dumps(ITEM)}</JSON_SCHEMA>", True),
        ("Return a JSON schema for a user", False),  # no JSON in the text: nothing to answer an instance of
        (f"What does this describe? {json.dumps(ITEM)}", False),
        (f"What does this schema describe? {json.dumps(ITEM)}", False),
        # agent prompts that talk of JSON and schemas and quote a tool's: they want prose or tool calls
        (
            "Parameters: A JSON object containing the tool's input parameters, following the tool's input"
            f" schema.\nInput Schema:\n{json.dumps(ITEM)}",
            False,
        ),
        (
            "Use the following pydantic model json schema for each tool call you will make:"
            f" {json.dumps(ITEM)}",
            False,
        ),
        (f"Validate arguments against the tool's JSON schema, e.g. {json.dumps(ITEM)}", False),
        (f"Can you explain what this JSON schema validates? {json.dumps(ITEM)}", False),  # no JSON named
        (f"Summarise: {json.dumps(_SCHEMA_URL)}", False),  # the words are only inside the JSON
        (f"Describe: {json.dumps({**ITEM, 'title': 'JsonSchemaDemo'})}", False),
        (f"Explain this schema:\n```json\n{json.dumps(ITEM)}\n```", False),  # a fence's tag is no word
    ],
)
def test_a_prompt_asks_for_a_schema_where_its_prose_uses_the_libraries_words(text: str, asks: bool) -> None:
    assert asks_for_schema(text) is asks


def test_only_json_mode_or_words_asking_for_a_schema_read_the_prompt_for_one() -> None:
    messages = [{"role": "system", "content": json.dumps(ITEM)}, {"role": "user", "content": "hi"}]
    assert read_prompt("openai-chat", {"messages": messages}).output.kind == "text"
    json_mode = read_prompt("openai-chat", {"messages": messages, "response_format": {"type": "json_object"}})
    assert (json_mode.output.kind, json_mode.output.schema) == ("json_object", ITEM)
    for words in ("not the JSON_SCHEMA", "match the following json_schema:", "Conform to the JSON schema"):
        marked = [{"role": "system", "content": f"{words} {json.dumps(ITEM)}"}, messages[1]]
        assert read_prompt("openai-chat", {"messages": marked}).output.schema == ITEM
        elsewhere = [*messages, {"role": "user", "content": words}]  # the words, and another's schema
        assert read_prompt("openai-chat", {"messages": elsewhere}).output.kind == "text"
    responses = read_prompt("openai-responses", {"input": "hi", "instructions": json.dumps(ITEM)})
    assert responses.output.kind == "text"
    anthropic = read_prompt(
        "anthropic-messages", {"system": f"<JSON_SCHEMA>{json.dumps(ITEM)}</JSON_SCHEMA>"}
    )
    assert anthropic.output.schema == ITEM
    asked = f"Respond with JSON compatible with this schema: {json.dumps(ITEM)}"
    assert read_prompt("openai-responses", {"input": "hi", "instructions": asked}).output.schema == ITEM
    assert read_prompt("anthropic-messages", {"system": asked}).output.schema == ITEM
