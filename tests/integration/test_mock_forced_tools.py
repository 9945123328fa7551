"""A forced tool call (``tool_choice`` ``required``, Anthropic ``any``) after a tool's result moves on to a
tool the conversation has not called, over real sockets through the official SDKs.

pydantic-ai's agent with a typed ``output_type`` declares its function tools and then ``final_result``,
and forces a call on every turn until ``final_result`` comes; the mock called the first declared tool on
every turn, so the agent looped until its request limit (50). The requests here are the ones it sends:
the function tool first, the output tool last.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_mock_llm_answers import _anthropic, _extra, _openai, apis_marked

GET_TEMP = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
FINAL = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temperature_c": {"type": "number"}},
    "required": ["city", "temperature_c"],
}
CHAT_TOOLS = [
    {"type": "function", "function": {"name": name, "parameters": schema}}
    for name, schema in (("get_temp", GET_TEMP), ("final_result", FINAL))
]
ASK = "What is the weather in Paris?"


@pytest.mark.parametrize("api", apis_marked("openai-chat"))
def test_chat_required_moves_on_to_the_tool_not_yet_called(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    messages: list[Any] = [{"role": "user", "content": ASK}]
    names = []
    with _openai(base_url, api, "openai-chat") as client:
        for _turn in range(3):
            completion = client.chat.completions.create(
                model=model, messages=messages, tools=CHAT_TOOLS, tool_choice="required", extra_body=extra
            )
            calls = completion.choices[0].message.tool_calls or []
            assert completion.choices[0].finish_reason == "tool_calls" and len(calls) == 1
            names.append(calls[0].function.name)
            messages.append(completion.choices[0].message)
            messages.append({"role": "tool", "tool_call_id": calls[0].id, "content": "21.5"})
    # the function tool, then the output tool; with every tool called, the last declared again
    assert names == ["get_temp", "final_result", "final_result"]
    assert set(json.loads(calls[0].function.arguments)) >= {"city", "temperature_c"}


@pytest.mark.parametrize("api", apis_marked("openai-responses"))
def test_responses_required_moves_on_to_the_tool_not_yet_called(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-responses", "input")
    tools: Any = [
        {"type": "function", "name": name, "parameters": schema, "strict": False}
        for name, schema in (("get_temp", GET_TEMP), ("final_result", FINAL))
    ]
    items: list[Any] = [{"role": "user", "content": ASK}]
    names = []
    with _openai(base_url, api, "openai-responses") as client:
        for _turn in range(2):
            response = client.responses.create(
                model=model, input=items, tools=tools, tool_choice="required", extra_body=extra
            )
            calls = [item for item in response.output if item.type == "function_call"]
            assert len(calls) == 1
            names.append(calls[0].name)
            items += [
                {
                    "type": "function_call",
                    "call_id": calls[0].call_id,
                    "name": calls[0].name,
                    "arguments": calls[0].arguments,
                },
                {"type": "function_call_output", "call_id": calls[0].call_id, "output": "21.5"},
            ]
    assert names == ["get_temp", "final_result"]


@pytest.mark.parametrize("api", apis_marked("anthropic-messages"))
def test_messages_any_moves_on_to_the_tool_not_yet_called(base_url: str, api: str) -> None:
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    tools: Any = [
        {"name": name, "description": name, "input_schema": schema}
        for name, schema in (("get_temp", GET_TEMP), ("final_result", FINAL))
    ]
    messages: list[Any] = [{"role": "user", "content": ASK}]
    names = []
    with _anthropic(base_url, api) as client:
        for _turn in range(2):
            message = client.messages.create(
                model=model,
                max_tokens=512,
                messages=messages,
                tools=tools,
                tool_choice={"type": "any"},
                extra_body=extra,
            )
            uses = [block for block in message.content if block.type == "tool_use"]
            assert message.stop_reason == "tool_use" and len(uses) == 1
            names.append(uses[0].name)
            messages += [
                {"role": "assistant", "content": [block.model_dump() for block in message.content]},
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": uses[0].id, "content": "21.5"}],
                },
            ]
    assert names == ["get_temp", "final_result"]
