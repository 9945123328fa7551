"""Agent frameworks run their whole loop against the mock over a real socket, as against a paid gateway.

The OpenAI Agents SDK (``openai-agents``) on the Responses API and on chat completions, and the anthropic
SDK's tool loop (by hand with ``messages.create``, and its ``beta.messages.tool_runner``), each on every API
whose spec marks that wire compatible. A run must call the tool (the prompt is the user's and tools are
declared: ``tool_choice`` auto calls one), send the tool's output back (seen in the mock's journal, under the
call's own id) and end with a final answer the framework accepts: text, or an instance of the agent's
``output_type`` (structured output), without the framework raising (max turns, parse errors, missing fields).
A reasoning model's items go back as input (``store: false`` sends their encrypted content), a handoff is a
tool the mock calls, and a rule scripts the turns where a test wants other ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from agents.models.interface import Model
from openai import AsyncOpenAI
from openai.types.shared import Reasoning
from test_mock_llm_answers import CHAT, RESPONSES, _extra, _key_headers, _path

from gatewright.testing import add_rules, mock_requests, reset_mock

set_tracing_disabled(True)  # the SDK would post traces to OpenAI

QUESTION = "What is the weather in Paris?"
WIRES = [("openai-responses", api) for api in RESPONSES] + [("openai-chat", api) for api in CHAT]
CALLED: list[str] = []


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city, for the agent to report."""
    CALLED.append(city)
    return f"Sunny and 21C in {city}"


@function_tool
def get_time(zone: str) -> str:
    """The time in a zone."""
    CALLED.append(zone)
    return f"12:00 in {zone}"


class Forecast(pydantic.BaseModel):
    city: str
    temperature_c: int
    summary: str


@pytest.fixture
def gateway(base_url: str) -> Iterator[str]:
    """The module's mock with an empty journal, and no tool called yet."""
    reset_mock(base_url)
    CALLED.clear()
    yield base_url


def _client(base_url: str, api: str, wire: str) -> AsyncOpenAI:
    path = _path(api, wire)
    prefix = path[: path.index("/v1/") + len("/v1")]
    return AsyncOpenAI(
        base_url=f"{base_url}/{api}{prefix}",
        api_key="sk-test",
        default_headers=_key_headers(api, wire),
        max_retries=0,
    )


def _agent(
    client: AsyncOpenAI, api: str, wire: str, *, model: str | None = None, **options: Any
) -> Agent[Any]:
    """An agent with two tools on ``wire``, sending what ``api``'s schema requires besides."""
    default, extra = _extra(api, wire, "messages", "input")
    name = model or default
    llm: Model = (
        OpenAIResponsesModel(model=name, openai_client=client)
        if wire == "openai-responses"
        else OpenAIChatCompletionsModel(model=name, openai_client=client)
    )
    settings = ModelSettings(extra_body=extra or None, **options.pop("settings", {}))
    tools = options.pop("tools", [get_weather, get_time])
    return Agent(
        name="forecaster",
        instructions="Answer with the tools.",
        model=llm,
        tools=tools,
        model_settings=settings,
        **options,
    )


async def _run(agent: Agent[Any], client: AsyncOpenAI, *, streamed: bool) -> Any:
    async with client:
        if not streamed:
            return await Runner.run(agent, QUESTION)
        result = Runner.run_streamed(agent, QUESTION)
        events = [event.type async for event in result.stream_events()]
        assert "raw_response_event" in events  # it did stream
        return result


def _fed_back(base_url: str, wire: str) -> tuple[str, str]:
    """(call id, output) of the tool result the agent's last request sent back."""
    body = mock_requests(base_url)[-1]["body"]
    if wire == "openai-responses":
        item = next(i for i in body["input"] if i.get("type") == "function_call_output")
        return str(item["call_id"]), str(item["output"])
    message = next(m for m in body["messages"] if m["role"] == "tool")
    return str(message["tool_call_id"]), str(message["content"])


def _call_id(item: Any) -> str:
    """The id the mock gave a tool call, as the SDK keeps it (a Responses item or a chat tool call)."""
    raw = item.raw_item
    return str(raw.call_id if hasattr(raw, "call_id") else raw["call_id"])


def _loop_closed(base_url: str, wire: str, result: Any) -> None:
    """One tool call, its output sent back under the mock's id, then the final message: two requests."""
    assert [item.type for item in result.new_items] == [
        "tool_call_item",
        "tool_call_output_item",
        "message_output_item",
    ]
    assert CALLED == ["Paris"]  # the argument the mock makes for a `city`
    assert _fed_back(base_url, wire) == (_call_id(result.new_items[0]), "Sunny and 21C in Paris")
    assert [entry["status"] for entry in mock_requests(base_url)] == [200, 200]


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
@pytest.mark.parametrize(("wire", "api"), WIRES)
def test_agents_sdk_calls_the_tool_and_answers_in_text(
    gateway: str, wire: str, api: str, streamed: bool
) -> None:
    client = _client(gateway, api, wire)
    result = asyncio.run(_run(_agent(client, api, wire), client, streamed=streamed))
    _loop_closed(gateway, wire, result)
    assert isinstance(result.final_output, str)
    assert result.final_output.strip()


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
@pytest.mark.parametrize(("wire", "api"), WIRES)
def test_agents_sdk_structured_output_after_the_tool(
    gateway: str, wire: str, api: str, streamed: bool
) -> None:
    """``output_type``: a strict json_schema (``text.format`` / ``response_format``) beside the tools; the
    answer after the tool's result is an instance the SDK validates into the model."""
    client = _client(gateway, api, wire)
    result = asyncio.run(_run(_agent(client, api, wire, output_type=Forecast), client, streamed=streamed))
    _loop_closed(gateway, wire, result)
    assert isinstance(result.final_output, Forecast)
    assert result.final_output.city


def test_agents_sdk_run_sync(gateway: str) -> None:
    """``Runner.run_sync`` drives the loop on the default event loop; the client closes on that loop."""
    client = _client(gateway, "empiriolabs", "openai-responses")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        result = Runner.run_sync(_agent(client, "empiriolabs", "openai-responses"), QUESTION)
        loop.run_until_complete(client.close())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    _loop_closed(gateway, "openai-responses", result)


@pytest.mark.parametrize(("wire", "api"), WIRES)
def test_agents_sdk_handoff_is_a_tool_call(gateway: str, wire: str, api: str) -> None:
    """A triage agent's only tool is the handoff; the agent it hands to answers after the handoff's
    result (a tool result: text, with its structured output)."""
    client = _client(gateway, api, wire)
    expert = _agent(client, api, wire, output_type=Forecast)
    triage = _agent(client, api, wire, tools=[], handoffs=[expert])
    result = asyncio.run(_run(triage, client, streamed=False))
    assert [item.type for item in result.new_items] == [
        "handoff_call_item",
        "handoff_output_item",
        "message_output_item",
    ]
    assert result.last_agent is expert
    assert isinstance(result.final_output, Forecast)


# reasoning models each API takes on the Responses API (imarouter names its own; ipop keeps no reasoning item)
REASONERS = [("empiriolabs", "o4-mini"), ("imarouter", "gpt-5.2"), ("voxvey", "o4-mini")]


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
@pytest.mark.parametrize(("api", "model"), REASONERS)
def test_agents_sdk_sends_reasoning_items_back(gateway: str, api: str, model: str, streamed: bool) -> None:
    """``store: false``: the reasoning item goes back as input with its encrypted content, as the SDK
    sends it to OpenAI, and the mock takes it."""
    client = _client(gateway, api, "openai-responses")
    settings = {
        "reasoning": Reasoning(effort="low"),
        "store": False,
        "response_include": ["reasoning.encrypted_content"],
    }
    agent = _agent(client, api, "openai-responses", model=model, settings=settings)
    result = asyncio.run(_run(agent, client, streamed=streamed))
    kinds = [item.type for item in result.new_items]
    assert kinds == [
        "reasoning_item",
        "tool_call_item",
        "tool_call_output_item",
        "reasoning_item",
        "message_output_item",
    ]
    sent = [i for i in mock_requests(gateway)[-1]["body"]["input"] if i.get("type") == "reasoning"]
    assert len(sent) == 1
    assert sent[0]["encrypted_content"]
    assert CALLED == ["Paris"]


SCRIPT = """
rules:
  - when: {api: voxvey, operation: createResponse, contains: weather}
    then:
      sequence:
        - tool_calls: [{name: get_time, arguments: {zone: Europe/Paris}}]
        - text: It is noon in Paris.
"""


def test_agents_sdk_follows_a_scripted_sequence(gateway: str) -> None:
    """A rule's sequence picks the tool and its arguments, then the final words."""
    add_rules(gateway, SCRIPT)
    client = _client(gateway, "voxvey", "openai-responses")
    result = asyncio.run(_run(_agent(client, "voxvey", "openai-responses"), client, streamed=True))
    assert CALLED == ["Europe/Paris"]
    assert _fed_back(gateway, "openai-responses")[1] == "12:00 in Europe/Paris"
    assert result.final_output == "It is noon in Paris."
