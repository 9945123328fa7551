"""LLM answers without sockets: reading prompts, the answer policy, the wire bodies, embeddings.

Every rendered body is parsed with the official SDK's own response type, so "the shape an
SDK accepts" is the SDK's word, not ours.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Callable
from typing import Any

import anthropic.types
import openai.types
import openai.types.chat
import openai.types.responses
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gatewright.mock.answers import (
    RENDERERS,
    Answer,
    Choice,
    Composer,
    Finish,
    OutputFormat,
    ToolCall,
    read_prompt,
)
from gatewright.mock.answers.embeddings import default_dimensions, embed, encode, inputs_of
from gatewright.mock.answers.prompt import READERS
from gatewright.mock.answers.text import count_tokens
from gatewright.spec.answers import ToolChoice, ToolMode

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "when": {"type": ["string", "null"], "format": "date"},
    },
    "required": ["city", "unit", "days", "when"],
    "additionalProperties": False,
}
TIME = {
    "type": "object",
    "properties": {"zone": {"type": "string", "enum": ["UTC", "Europe/Paris"]}},
    "required": ["zone"],
    "additionalProperties": False,
}
ITINERARY = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3},
        "cities": {
            "type": "array",
            "items": {"$ref": "#/$defs/City"},
            "minItems": 1,
            "maxItems": 3,
        },
        "nights": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
    },
    "required": ["title", "cities", "nights"],
    "additionalProperties": False,
    "$defs": {
        "City": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "country": {"enum": ["FR", "DE"]}},
            "required": ["name", "country"],
            "additionalProperties": False,
        }
    },
}
QUESTION = "What is the weather in Paris?"
WIRES = ("openai-chat", "openai-responses", "anthropic-messages", "openai-completions")
TOOL_WIRES = ("openai-chat", "openai-responses", "anthropic-messages")
NOW = 1_767_225_600


def _valid(schema: Any, value: Any) -> bool:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return validator.is_valid(value)


def _composer(seed: int = 1) -> Composer:
    return Composer(seed=seed, clock=lambda: float(NOW))


# -- requests in each wire shape ------------------------------------------------------------------


def _tools(wire: str) -> list[dict[str, Any]]:
    named = (("get_weather", WEATHER), ("get_time", TIME))
    if wire == "openai-chat":
        return [{"type": "function", "function": {"name": n, "parameters": p}} for n, p in named]
    if wire == "openai-responses":
        return [{"type": "function", "name": n, "parameters": p, "strict": True} for n, p in named]
    return [{"name": n, "description": n, "input_schema": p} for n, p in named]


def _request(wire: str, *, tools: bool = False, after_tool: bool = False, **fields: Any) -> dict[str, Any]:
    """A minimal request asking ``QUESTION``; ``after_tool`` ends it with a tool's result."""
    body: dict[str, Any] = {"model": "test-model"}
    if wire == "openai-completions":
        body["prompt"] = QUESTION
    elif wire == "openai-chat":
        body["messages"] = [{"role": "user", "content": QUESTION}]
        if after_tool:
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": "{}"},
            }
            body["messages"] += [
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"},
            ]
    elif wire == "openai-responses":
        body["input"] = [{"role": "user", "content": QUESTION}]
        if after_tool:
            body["input"] += [
                {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "18C and sunny"},
            ]
    else:
        body["max_tokens"] = 256
        body["messages"] = [{"role": "user", "content": QUESTION}]
        if after_tool:
            body["messages"] += [
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"}],
                },
            ]
    if tools:
        body["tools"] = _tools(wire)
    body.update(fields)
    return body


# -- read_prompt ----------------------------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_read_prompt_plain_question(wire: str) -> None:
    prompt = read_prompt(wire, _request(wire))
    assert prompt.model == "test-model"
    assert prompt.latest_user_text == QUESTION
    assert QUESTION in prompt.text
    assert not prompt.after_tool_result
    assert prompt.tools == ()
    assert prompt.tool_choice == ToolChoice()
    assert prompt.output == OutputFormat()
    assert prompt.n == 1
    assert prompt.stop == ()
    assert not prompt.wants_tool


@pytest.mark.parametrize("wire", WIRES)
def test_read_prompt_tolerates_a_body_that_is_not_an_object(wire: str) -> None:
    prompt = read_prompt(wire, ["not", "an", "object"])
    assert prompt.model == "" and prompt.tools == () and prompt.n == 1


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_read_prompt_tools(wire: str) -> None:
    prompt = read_prompt(wire, _request(wire, tools=True))
    assert [(t.name, t.parameters) for t in prompt.tools] == [("get_weather", WEATHER), ("get_time", TIME)]
    assert prompt.tool_choice.mode is ToolMode.AUTO
    assert prompt.wants_tool
    assert prompt.tool().name == "get_weather"


_CHOICES: dict[str, list[tuple[Any, ToolChoice]]] = {
    "openai-chat": [
        ("auto", ToolChoice(ToolMode.AUTO)),
        ("none", ToolChoice(ToolMode.NONE)),
        ("required", ToolChoice(ToolMode.REQUIRED)),
        ({"type": "function", "function": {"name": "get_time"}}, ToolChoice(ToolMode.NAMED, "get_time")),
    ],
    "openai-responses": [
        ("auto", ToolChoice(ToolMode.AUTO)),
        ("none", ToolChoice(ToolMode.NONE)),
        ("required", ToolChoice(ToolMode.REQUIRED)),
        ({"type": "function", "name": "get_time"}, ToolChoice(ToolMode.NAMED, "get_time")),
    ],
    "anthropic-messages": [
        ({"type": "auto"}, ToolChoice(ToolMode.AUTO)),
        ({"type": "any"}, ToolChoice(ToolMode.REQUIRED)),
        ({"type": "tool", "name": "get_time"}, ToolChoice(ToolMode.NAMED, "get_time")),
        ({"type": "none"}, ToolChoice(ToolMode.NONE)),
    ],
}


@pytest.mark.parametrize(
    ("wire", "choice", "expected"),
    [(wire, choice, expected) for wire, cases in _CHOICES.items() for choice, expected in cases],
)
def test_read_prompt_tool_choice(wire: str, choice: Any, expected: ToolChoice) -> None:
    prompt = read_prompt(wire, _request(wire, tools=True, tool_choice=choice))
    assert prompt.tool_choice == expected
    assert prompt.wants_tool is (expected.mode is not ToolMode.NONE)
    if expected.mode is ToolMode.NAMED:
        assert prompt.tool().name == "get_time"


_ALLOWED = {  # allows get_time only, the second tool declared: chat names it under ``function``
    "openai-chat": lambda mode: {
        "type": "allowed_tools",
        "allowed_tools": {"mode": mode, "tools": [{"type": "function", "function": {"name": "get_time"}}]},
    },
    "openai-responses": lambda mode: {
        "type": "allowed_tools",
        "mode": mode,
        "tools": [{"type": "function", "name": "get_time"}],
    },
}


@pytest.mark.parametrize("wire", list(_ALLOWED))
@pytest.mark.parametrize("mode", ["auto", "required"])
def test_read_prompt_allowed_tools_narrows_the_tools_and_keeps_the_mode(wire: str, mode: str) -> None:
    prompt = read_prompt(wire, _request(wire, tools=True, tool_choice=_ALLOWED[wire](mode)))
    assert [tool.name for tool in prompt.tools] == ["get_time"]
    assert prompt.tool_choice == ToolChoice(ToolMode.REQUIRED if mode == "required" else ToolMode.AUTO)
    assert prompt.wants_tool and prompt.tool().name == "get_time"


_UNDECLARED = {
    "openai-chat": {"type": "function", "function": {"name": "get_stock_price"}},
    "openai-responses": {"type": "function", "name": "get_stock_price"},
    "anthropic-messages": {"type": "tool", "name": "get_stock_price"},
}


@pytest.mark.parametrize("wire", list(_UNDECLARED))
def test_a_tool_choice_naming_an_undeclared_tool_calls_no_other_tool(wire: str) -> None:
    """OpenAI and Anthropic refuse it with a 400 the specs do not document: the mock answers text
    rather than a call to some tool the request did not name."""
    prompt = read_prompt(wire, _request(wire, tools=True, tool_choice=_UNDECLARED[wire]))
    assert prompt.tool_choice == ToolChoice(ToolMode.NAMED, "get_stock_price")
    assert not prompt.wants_tool


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_read_prompt_latest_tool_result(wire: str) -> None:
    prompt = read_prompt(wire, _request(wire, tools=True, after_tool=True))
    assert prompt.after_tool_result
    assert prompt.latest_user_text == QUESTION  # a tool result is not the user speaking
    assert "18C" in prompt.text
    assert prompt.messages == 3
    assert not prompt.wants_tool  # auto after a result: answer in text, so agent loops end


@pytest.mark.parametrize(
    ("wire", "fields", "expected"),
    [
        ("openai-chat", {"max_tokens": 7}, 7),
        ("openai-chat", {"max_completion_tokens": 5, "max_tokens": 7}, 5),
        ("openai-chat", {"max_completion_tokens": 0, "max_tokens": 7}, 0),  # the newer field wins, 0 too
        ("openai-chat", {"max_completion_tokens": -1, "max_tokens": 7}, 7),
        ("openai-chat", {"max_tokens": True}, None),
        ("openai-chat", {"max_tokens": "7"}, None),
        ("openai-responses", {"max_output_tokens": 9}, 9),
        ("openai-responses", {"max_tokens": 9}, None),
        ("anthropic-messages", {"max_tokens": 11}, 11),
        ("anthropic-messages", {"max_tokens": 0}, 0),
        ("openai-completions", {"max_tokens": 13}, 13),
        ("openai-completions", {}, None),
    ],
)
def test_read_prompt_max_tokens(wire: str, fields: dict[str, Any], expected: int | None) -> None:
    assert read_prompt(wire, _request(wire, **fields)).max_tokens == expected


@pytest.mark.parametrize(
    ("wire", "fields", "expected"),
    [
        ("openai-chat", {"n": 3}, 3),
        ("openai-chat", {"n": 0}, 1),
        ("openai-chat", {"n": None}, 1),
        ("openai-completions", {"n": 2}, 2),
    ],
)
def test_read_prompt_n(wire: str, fields: dict[str, Any], expected: int) -> None:
    assert read_prompt(wire, _request(wire, **fields)).n == expected


@pytest.mark.parametrize(
    ("wire", "fields", "expected"),
    [
        ("openai-chat", {"stop": "\n"}, ("\n",)),
        ("openai-chat", {"stop": ["END", "", 3, "."]}, ("END", ".")),
        ("openai-chat", {"stop": ""}, ()),
        ("openai-completions", {"stop": ["###"]}, ("###",)),
        ("anthropic-messages", {"stop_sequences": ["Human:", "."]}, ("Human:", ".")),
        ("anthropic-messages", {"stop": ["."]}, ()),  # not an Anthropic field
    ],
)
def test_read_prompt_stop(wire: str, fields: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert read_prompt(wire, _request(wire, **fields)).stop == expected


@pytest.mark.parametrize(
    ("wire", "fields", "expected"),
    [
        (
            "openai-chat",
            {"response_format": {"type": "json_schema", "json_schema": {"name": "it", "schema": ITINERARY}}},
            OutputFormat("json_schema", ITINERARY),
        ),
        (
            "openai-chat",
            {"response_format": {"type": "json_schema", "json_schema": {"name": "it"}}},
            OutputFormat("json_schema", {}),
        ),
        ("openai-chat", {"response_format": {"type": "json_object"}}, OutputFormat("json_object")),
        ("openai-chat", {"response_format": {"type": "text"}}, OutputFormat()),
        (
            "openai-responses",
            {"text": {"format": {"type": "json_schema", "name": "it", "schema": ITINERARY, "strict": True}}},
            OutputFormat("json_schema", ITINERARY),
        ),
        ("openai-responses", {"text": {"format": {"type": "json_object"}}}, OutputFormat("json_object")),
        ("openai-responses", {"text": {"verbosity": "low"}}, OutputFormat()),
        (
            "anthropic-messages",
            {"output_config": {"format": {"type": "json_schema", "schema": ITINERARY}}},
            OutputFormat("json_schema", ITINERARY),
        ),
        (
            "anthropic-messages",
            {"output_format": {"type": "json_schema", "schema": ITINERARY}},  # the beta's spelling
            OutputFormat("json_schema", ITINERARY),
        ),
    ],
)
def test_read_prompt_output_format(wire: str, fields: dict[str, Any], expected: OutputFormat) -> None:
    assert read_prompt(wire, _request(wire, **fields)).output == expected


def test_read_prompt_text_from_content_parts_and_system() -> None:
    chat = read_prompt(
        "openai-chat",
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "image_url"}]},
            ]
        },
    )
    assert chat.latest_user_text == "Hello"
    assert chat.text == "Be brief.\nHello"
    assert chat.messages == 2
    messages = read_prompt(
        "anthropic-messages",
        {
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
        },
    )
    assert messages.text == "Be brief.\nHello" and messages.latest_user_text == "Hello"
    responses = read_prompt(
        "openai-responses",
        {
            "instructions": "Be brief.",
            "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hello"}]}],
        },
    )
    assert responses.text == "Be brief.\nHello" and responses.latest_user_text == "Hello"
    completions = read_prompt("openai-completions", {"prompt": ["Hello", "there"]})
    assert completions.text == "Hello there"


# -- the answer policy ----------------------------------------------------------------------------


def _answer(wire: str, composer: Composer | None = None, **request: Any) -> Answer:
    body = _request(wire, **request)
    return (composer or _composer()).answer(read_prompt(wire, body), wire=wire)


@pytest.mark.parametrize("wire", TOOL_WIRES)
@pytest.mark.parametrize("after_tool", [False, True])
def test_forced_tool_call_uses_the_first_tool_not_yet_called(wire: str, after_tool: bool) -> None:
    """The first declared tool, and after ``get_weather``'s result the next one: a forced call moves on
    (an agent whose way out is a tool reaches it, where calling the first tool again loops)."""
    forced = {"anthropic-messages": {"type": "any"}}.get(wire, "required")
    answer = _answer(wire, tools=True, tool_choice=forced, after_tool=after_tool)
    (choice,) = answer.choices
    assert choice.finish is Finish.TOOL_CALLS and choice.text is None
    (call,) = choice.tool_calls
    assert call.name == ("get_time" if after_tool else "get_weather")
    assert _valid(TIME if after_tool else WEATHER, call.arguments), call.arguments
    assert choice.tokens >= 1


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_named_tool_call_uses_the_named_tool(wire: str) -> None:
    named = {
        "openai-chat": {"type": "function", "function": {"name": "get_time"}},
        "openai-responses": {"type": "function", "name": "get_time"},
        "anthropic-messages": {"type": "tool", "name": "get_time"},
    }[wire]
    (call,) = _answer(wire, tools=True, tool_choice=named).choices[0].tool_calls
    assert call.name == "get_time"
    assert _valid(TIME, call.arguments), call.arguments


def test_named_tool_that_is_not_declared_is_answered_in_text() -> None:
    choice = {"type": "function", "function": {"name": "nope"}}
    (answered,) = _answer("openai-chat", tools=True, tool_choice=choice).choices
    assert answered.tool_calls == () and answered.finish is Finish.STOP and answered.text


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_auto_calls_a_tool_while_the_user_spoke_last(wire: str) -> None:
    (choice,) = _answer(wire, tools=True).choices
    assert choice.finish is Finish.TOOL_CALLS
    assert _valid(WEATHER, choice.tool_calls[0].arguments)


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_auto_answers_in_text_after_a_tool_result(wire: str) -> None:
    (choice,) = _answer(wire, tools=True, after_tool=True).choices
    assert choice.finish is Finish.STOP
    assert choice.tool_calls == ()
    assert choice.text


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_tool_choice_none_answers_in_text(wire: str) -> None:
    none = {"anthropic-messages": {"type": "none"}}.get(wire, "none")
    (choice,) = _answer(wire, tools=True, tool_choice=none).choices
    assert choice.finish is Finish.STOP and choice.tool_calls == () and choice.text


def test_tool_without_parameters_gets_an_empty_object() -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "ping"}],
        "tools": [{"type": "function", "function": {"name": "ping"}}],
        "tool_choice": "required",
    }
    (call,) = _composer().answer(read_prompt("openai-chat", body)).choices[0].tool_calls
    assert (call.name, call.arguments) == ("ping", {})


_JSON_SCHEMA_REQUESTS = {
    "openai-chat": {
        "response_format": {"type": "json_schema", "json_schema": {"name": "it", "schema": ITINERARY}}
    },
    "openai-responses": {"text": {"format": {"type": "json_schema", "name": "it", "schema": ITINERARY}}},
    "anthropic-messages": {"output_config": {"format": {"type": "json_schema", "schema": ITINERARY}}},
}


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_json_schema_output_is_valid_json(wire: str) -> None:
    (choice,) = _answer(wire, **_JSON_SCHEMA_REQUESTS[wire]).choices
    assert choice.finish is Finish.STOP and choice.text is not None
    value = json.loads(choice.text)
    assert _valid(ITINERARY, value), value
    assert choice.tokens == count_tokens(choice.text)


@pytest.mark.parametrize(
    ("wire", "fields"),
    [
        ("openai-chat", {"response_format": {"type": "json_object"}}),
        ("openai-responses", {"text": {"format": {"type": "json_object"}}}),
    ],
)
def test_json_object_output_is_an_object(wire: str, fields: dict[str, Any]) -> None:
    (choice,) = _answer(wire, **fields).choices
    assert choice.text is not None
    assert isinstance(json.loads(choice.text), dict)


@pytest.mark.parametrize("wire", ["openai-chat", "openai-completions"])
def test_n_choices(wire: str) -> None:
    answer = _answer(wire, n=3)
    assert len(answer.choices) == 3
    assert all(c.text and c.finish is Finish.STOP for c in answer.choices)
    assert answer.completion_tokens == sum(c.tokens for c in answer.choices)


@pytest.mark.parametrize("wire", WIRES)
def test_max_tokens_one_cuts_to_one_token(wire: str) -> None:
    field = {"openai-responses": "max_output_tokens"}.get(wire, "max_tokens")
    (choice,) = _answer(wire, **{field: 1}).choices
    assert choice.finish is Finish.LENGTH
    assert choice.tokens == 1
    assert choice.text is not None and count_tokens(choice.text) == 1
    assert choice.stop_sequence is None


@pytest.mark.parametrize("wire", ["openai-chat", "openai-completions", "anthropic-messages"])
@pytest.mark.parametrize("stop", [".", " "])
def test_stop_sequence_cuts_before_it(wire: str, stop: str) -> None:
    field = "stop_sequences" if wire == "anthropic-messages" else "stop"
    full = _answer(wire).choices[0].text
    (choice,) = _answer(wire, **{field: ["never-in-the-text", stop]}).choices
    assert full is not None and choice.text is not None
    assert choice.finish is Finish.STOP_SEQUENCE
    assert choice.stop_sequence == stop
    assert stop not in choice.text
    assert full.startswith(choice.text + stop)
    assert choice.tokens == count_tokens(choice.text)


def test_stop_sequence_absent_from_the_text_changes_nothing() -> None:
    plain = _answer("openai-chat").choices[0]
    stopped = _answer("openai-chat", stop=["never-in-the-text"]).choices[0]
    assert stopped == plain
    assert stopped.finish is Finish.STOP and stopped.stop_sequence is None


def test_length_limit_after_a_stop_sequence_wins() -> None:
    (choice,) = _answer("openai-chat", stop=["."], max_tokens=2).choices
    assert choice.finish is Finish.LENGTH and choice.stop_sequence is None and choice.tokens == 2


@pytest.mark.parametrize("wire", WIRES)
def test_usage_adds_up(wire: str) -> None:
    answer = _answer(wire)
    assert answer.prompt_tokens >= 1
    assert answer.completion_tokens == sum(c.tokens for c in answer.choices) > 0
    assert answer.total_tokens == answer.prompt_tokens + answer.completion_tokens


@pytest.mark.parametrize("wire", WIRES)
def test_same_prompt_gets_fresh_ids_but_the_same_text(wire: str) -> None:
    composer = _composer()
    first, second = _answer(wire, composer), _answer(wire, composer)
    assert first.id != second.id
    assert [c.text for c in first.choices] == [c.text for c in second.choices]
    assert first.created == second.created == NOW
    assert first.model == "test-model"


@pytest.mark.parametrize("wire", TOOL_WIRES)
def test_same_prompt_gets_fresh_call_ids_but_the_same_arguments(wire: str) -> None:
    composer = _composer()
    (first,) = _answer(wire, composer, tools=True).choices[0].tool_calls
    (second,) = _answer(wire, composer, tools=True).choices[0].tool_calls
    assert first.id != second.id
    assert first.arguments == second.arguments


def test_same_seed_reproduces_whole_answers() -> None:
    assert _answer("openai-chat", _composer(5), tools=True) == _answer(
        "openai-chat", _composer(5), tools=True
    )


def test_default_model_fills_a_missing_model() -> None:
    prompt = read_prompt("openai-chat", {"messages": [{"role": "user", "content": "hi"}]})
    assert _composer().answer(prompt, default_model="fallback").model == "fallback"


# -- wire bodies, parsed by the official SDKs -----------------------------------------------------


def _made(*choices: Choice, prompt_tokens: int = 5) -> Answer:
    return Answer(id="abc123", created=NOW, model="test-model", choices=choices, prompt_tokens=prompt_tokens)


_CALL = ToolCall("xyz", "get_time", {"zone": "UTC", "note": "é"})
# choice -> (OpenAI finish_reason, Anthropic stop_reason, Anthropic stop_sequence)
_FINISHES: dict[str, tuple[Choice, str, str, str | None]] = {
    "stop": (Choice("Hello.", finish=Finish.STOP, tokens=2), "stop", "end_turn", None),
    "length": (Choice("Hel", finish=Finish.LENGTH, tokens=1), "length", "max_tokens", None),
    "stop_sequence": (
        Choice("Hi", finish=Finish.STOP_SEQUENCE, stop_sequence="!", tokens=1),
        "stop",
        "stop_sequence",
        "!",
    ),
    "tool_calls": (Choice(None, (_CALL,), Finish.TOOL_CALLS, tokens=4), "tool_calls", "tool_use", None),
}


@pytest.mark.parametrize("case", list(_FINISHES))
def test_chat_body(case: str) -> None:
    choice, openai_reason, _, _ = _FINISHES[case]
    body = RENDERERS["openai-chat"](_made(choice), {})
    parsed = openai.types.chat.ChatCompletion.model_validate(body)
    assert parsed.id == "chatcmpl-abc123" and parsed.object == "chat.completion"
    (out,) = parsed.choices
    assert out.finish_reason == openai_reason
    assert out.message.content == choice.text
    if choice.tool_calls:
        (call,) = out.message.tool_calls or []
        assert call.id == "call_xyz" and call.type == "function"
        assert isinstance(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], str)
        assert call.function.name == "get_time"
        assert json.loads(call.function.arguments) == _CALL.arguments
    else:
        assert out.message.tool_calls is None
    assert parsed.usage is not None
    assert (parsed.usage.prompt_tokens, parsed.usage.completion_tokens) == (5, choice.tokens)
    assert parsed.usage.total_tokens == 5 + choice.tokens


def test_chat_body_numbers_its_choices() -> None:
    body = RENDERERS["openai-chat"](_made(Choice("a", tokens=1), Choice("b", tokens=1)), {})
    parsed = openai.types.chat.ChatCompletion.model_validate(body)
    assert [(c.index, c.message.content) for c in parsed.choices] == [(0, "a"), (1, "b")]
    assert parsed.usage is not None and parsed.usage.completion_tokens == 2


@pytest.mark.parametrize("case", ["stop", "length", "stop_sequence"])
def test_completion_body(case: str) -> None:
    choice, openai_reason, _, _ = _FINISHES[case]
    body = RENDERERS["openai-completions"](_made(choice, Choice(None, tokens=0)), {})
    parsed = openai.types.Completion.model_validate(body)
    assert parsed.id == "cmpl-abc123" and parsed.object == "text_completion"
    assert [c.finish_reason for c in parsed.choices] == [openai_reason, "stop"]
    assert [c.text for c in parsed.choices] == [choice.text, ""]  # no text is the empty string
    assert parsed.usage is not None and parsed.usage.total_tokens == 5 + choice.tokens


@pytest.mark.parametrize("case", list(_FINISHES))
def test_messages_body(case: str) -> None:
    choice, _, stop_reason, stop_sequence = _FINISHES[case]
    body = RENDERERS["anthropic-messages"](_made(choice), {})
    parsed = anthropic.types.Message.model_validate(body)
    assert parsed.id == "msg_abc123" and parsed.type == "message" and parsed.role == "assistant"
    assert parsed.stop_reason == stop_reason
    assert parsed.stop_sequence == stop_sequence
    assert body["stop_sequence"] == stop_sequence  # present, and null unless a stop sequence ended it
    if choice.tool_calls:
        (block,) = parsed.content
        assert block.type == "tool_use"
        assert (block.id, block.name, block.input) == ("toolu_xyz", "get_time", _CALL.arguments)
    else:
        (block,) = parsed.content
        assert block.type == "text" and block.text == choice.text
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens) == (5, choice.tokens)


def test_messages_body_ignores_a_stop_sequence_that_did_not_end_the_text() -> None:
    choice = Choice("Hel", finish=Finish.LENGTH, stop_sequence="!", tokens=1)
    body = RENDERERS["anthropic-messages"](_made(choice), {})
    assert body["stop_reason"] == "max_tokens" and body["stop_sequence"] is None


def test_messages_body_text_comes_before_tool_use() -> None:
    choice = Choice("Let me check.", (_CALL,), Finish.TOOL_CALLS, tokens=6)
    parsed = anthropic.types.Message.model_validate(RENDERERS["anthropic-messages"](_made(choice), {}))
    assert [b.type for b in parsed.content] == ["text", "tool_use"]


@pytest.mark.parametrize("case", list(_FINISHES))
def test_responses_body(case: str) -> None:
    choice = _FINISHES[case][0]
    request = {
        "model": "test-model",
        "input": "hi",
        "tools": _tools("openai-responses"),
        "tool_choice": "auto",
    }
    body = RENDERERS["openai-responses"](_made(choice), request)
    parsed = openai.types.responses.Response.model_validate(body)
    assert parsed.id == "resp_abc123" and parsed.object == "response"
    assert parsed.created_at == NOW
    assert parsed.tool_choice == "auto"
    assert [t.name for t in parsed.tools if t.type == "function"] == ["get_weather", "get_time"]
    if choice.finish is Finish.LENGTH:
        assert parsed.status == "incomplete"
        assert parsed.incomplete_details is not None
        assert parsed.incomplete_details.reason == "max_output_tokens"
    else:
        assert parsed.status == "completed" and parsed.incomplete_details is None
    if choice.tool_calls:
        (item,) = parsed.output
        assert item.type == "function_call"
        assert (item.id, item.call_id, item.name) == ("fc_xyz", "call_xyz", "get_time")
        assert isinstance(body["output"][0]["arguments"], str)
        assert json.loads(item.arguments) == _CALL.arguments
        assert parsed.output_text == ""
    else:
        (item,) = parsed.output
        assert item.type == "message" and item.role == "assistant"
        assert parsed.output_text == choice.text
        assert item.status == parsed.status  # a message cut by max_output_tokens is incomplete too
    usage = parsed.usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (
        5,
        choice.tokens,
        5 + choice.tokens,
    )
    assert usage.input_tokens_details.cached_tokens == 0
    assert usage.output_tokens_details.reasoning_tokens == 0


def test_responses_body_defaults_without_tools() -> None:
    body = RENDERERS["openai-responses"](_made(Choice("Hi", tokens=1)), {"input": "hi"})
    parsed = openai.types.responses.Response.model_validate(body)
    assert parsed.tools == [] and parsed.tool_choice == "auto" and parsed.parallel_tool_calls is True
    off = RENDERERS["openai-responses"](_made(Choice("Hi", tokens=1)), {"parallel_tool_calls": False})
    assert off["parallel_tool_calls"] is False


_VALIDATE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "openai-chat": openai.types.chat.ChatCompletion.model_validate,
    "openai-completions": openai.types.Completion.model_validate,
    "openai-responses": openai.types.responses.Response.model_validate,
    "anthropic-messages": anthropic.types.Message.model_validate,
}
_SCENARIOS: dict[str, dict[str, Any]] = {
    "plain": {},
    "tools": {"tools": True},
    "after-tool": {"tools": True, "after_tool": True},
    "short": {"max_tokens": 1},
    "json": {},
}


@pytest.mark.parametrize(
    ("wire", "scenario"),
    [
        (wire, scenario)
        for wire in WIRES
        for scenario in _SCENARIOS
        if wire in TOOL_WIRES or scenario not in ("tools", "after-tool", "json")
    ],
)
def test_composed_answers_parse_with_the_official_sdks(wire: str, scenario: str) -> None:
    fields = dict(_SCENARIOS[scenario])
    if wire == "openai-responses" and "max_tokens" in fields:
        fields = {"max_output_tokens": fields.pop("max_tokens")}
    if scenario == "json":
        fields = _JSON_SCHEMA_REQUESTS[wire]
    request = _request(wire, **fields)
    answer = _composer().answer(read_prompt(wire, request), wire=wire)
    parsed = _VALIDATE[wire](RENDERERS[wire](answer, request))
    assert parsed.model == "test-model"


# -- embeddings -----------------------------------------------------------------------------------


def test_embeddings_are_deterministic_per_model_and_text() -> None:
    first = embed("hello", "text-embedding-3-small", 64)
    assert embed("hello", "text-embedding-3-small", 64) == first
    assert embed("hello!", "text-embedding-3-small", 64) != first
    assert embed("hello", "text-embedding-3-large", 64) != first
    assert embed("hello", "text-embedding-3-small", 64, seed=2) != first


@pytest.mark.parametrize("dimensions", [1, 3, 256, 1536])
def test_embeddings_are_unit_length_in_the_asked_dimension(dimensions: int) -> None:
    vector = embed("some text", "m", dimensions)
    assert len(vector) == dimensions
    assert abs(math.sqrt(sum(v * v for v in vector)) - 1) < 1e-3


@pytest.mark.parametrize(
    ("model", "dimensions"),
    [("text-embedding-3-large", 3072), ("text-embedding-3-small", 1536), ("text-embedding-ada-002", 1536)],
)
def test_default_dimensions(model: str, dimensions: int) -> None:
    assert default_dimensions(model) == dimensions


def test_base64_encoding_round_trips_as_little_endian_float32() -> None:
    vector = embed("round trip", "m", 32)
    encoded = encode(vector, "base64")
    assert isinstance(encoded, str)
    raw = base64.b64decode(encoded)
    decoded = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert len(decoded) == len(vector)
    assert all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(decoded, vector, strict=True))
    assert encode(vector, "float") == vector


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hello", ["hello"]),
        (["a", "b"], ["a", "b"]),
        ([1, 2, 3], ["1 2 3"]),  # one token array is one input
        ([[1, 2], [3]], ["1 2", "3"]),
        (None, [""]),
    ],
    ids=["string", "strings", "token-array", "token-arrays", "missing"],
)
def test_inputs_of(raw: Any, expected: list[str]) -> None:
    assert inputs_of({"input": raw}) == expected


# -- totality: whatever a request holds, reading and answering it never raises ----------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = (
    "messages",
    "input",
    "prompt",
    "tools",
    "tool_choice",
    "response_format",
    "text",
    "output_config",
    "n",
    "max_tokens",
    "max_output_tokens",
    "max_completion_tokens",
    "stop",
    "stop_sequences",
    "system",
    "instructions",
    "model",
)


@settings(max_examples=150, deadline=None)
@given(
    wire=st.sampled_from(sorted(READERS)),
    body=st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=6) | _JSON,
)
def test_any_request_is_read_and_answered_without_error(wire: str, body: Any) -> None:
    prompt = read_prompt(wire, body)
    answer = Composer(seed=1).answer(prompt, wire=wire, default_model="m")
    rendered = RENDERERS[wire](answer, body if isinstance(body, dict) else {})
    assert isinstance(rendered, dict)
