"""The anthropic SDK's tool loop against the mock, over a real socket, on every API serving /v1/messages.

By hand (``messages.create`` or ``messages.stream``: a ``tool_use`` block, then a ``tool_result`` sent back
under its id, then text) and with the SDK's own ``beta.messages.tool_runner``, which runs the tool and sends
its result until the turn ends, with extended thinking too. The runner keeps a message thread (the
server holds the conversation, its ``system`` and ``tools``; each later turn sends only what is new): the
mock keeps it too (``mock/answers/threads.py``), so a rule on the question still sees it after the call.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from anthropic import beta_tool
from anthropic.types import Message, ThreadAlreadyContinuedErrorDetails, ThreadNotFoundErrorDetails
from test_mock_llm_answers import MESSAGES, _anthropic, _extra

from gatewright.mock import create_app
from gatewright.spec import load_spec
from gatewright.testing import add_rules, mock_requests, remove_rules, reset_mock, serve_app

QUESTION = "What is the weather in Paris?"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
CALLED: list[str] = []
AGENT_RULE = """
rules:
  - name: weather-agent
    when: {operation: OPERATION, contains: weather, tools: true}
    then:
      sequence:
        - tool_calls: [{name: get_weather, arguments: {city: Rome}}]
        - text: "It is 21C and sunny in Rome."
"""


@beta_tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city to report on
    """
    CALLED.append(city)
    return f"Sunny and 21C in {city}"


@pytest.fixture
def gateway(base_url: str) -> Iterator[str]:
    """The module's mock with an empty journal, and no tool called yet."""
    reset_mock(base_url)
    CALLED.clear()
    yield base_url


def _ask(base_url: str, api: str, messages: list[dict[str, Any]], *, streamed: bool) -> Message:
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    fields: dict[str, Any] = {
        "model": model,
        "max_tokens": 512,
        "tools": [WEATHER_TOOL],
        "messages": messages,
    }
    with _anthropic(base_url, api) as client:
        if not streamed:
            return client.messages.create(**fields, extra_body=extra or None)
        with client.messages.stream(**fields, extra_body=extra or None) as stream:
            return stream.get_final_message()


def _result_sent(base_url: str) -> dict[str, Any]:
    """The tool_result block of the last request the mock saw."""
    last = mock_requests(base_url)[-1]["body"]["messages"][-1]
    assert last["role"] == "user"
    return next(b for b in last["content"] if b["type"] == "tool_result")


@pytest.mark.parametrize("streamed", [False, True], ids=["create", "stream"])
@pytest.mark.parametrize("api", MESSAGES)
def test_tool_use_then_tool_result_then_text(gateway: str, api: str, streamed: bool) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    asked = _ask(gateway, api, messages, streamed=streamed)
    assert asked.stop_reason == "tool_use"
    use = next(block for block in asked.content if block.type == "tool_use")
    assert (use.name, use.input) == ("get_weather", {"city": "Paris"})
    assert use.id.startswith("toolu_")
    messages += [
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in asked.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "Sunny, 21C"}],
        },
    ]
    final = _ask(gateway, api, messages, streamed=streamed)
    assert final.stop_reason == "end_turn"
    assert [block.type for block in final.content] == ["text"]
    assert final.content[0].type == "text"
    assert final.content[0].text.strip()
    assert _result_sent(gateway)["tool_use_id"] == use.id


def _run_tools(base_url: str, api: str, *, streamed: bool, **fields: Any) -> list[Message]:
    """Every message of a ``tool_runner`` run, the last one ending the turn."""
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    question = [{"role": "user", "content": QUESTION}]
    with _anthropic(base_url, api) as client:
        runner = client.beta.messages.tool_runner(
            model=model,
            max_tokens=2048,
            tools=[get_weather],
            messages=question,
            stream=streamed,
            max_iterations=5,
            extra_body=extra or None,
            **fields,
        )
        if not streamed:
            return list(runner)
        finals = []
        for stream in runner:
            for _event in stream:
                pass
            finals.append(stream.get_final_message())
        return finals


@pytest.mark.parametrize("thinking", [False, True], ids=["plain", "thinking"])
@pytest.mark.parametrize("streamed", [False, True], ids=["run", "stream"])
@pytest.mark.parametrize("api", MESSAGES)
def test_tool_runner_runs_the_tool_and_ends(gateway: str, api: str, streamed: bool, thinking: bool) -> None:
    extra = {"thinking": {"type": "enabled", "budget_tokens": 1024}} if thinking else {}
    turns = _run_tools(gateway, api, streamed=streamed, **extra)
    assert [[block.type for block in turn.content] for turn in turns] == [
        ["thinking", "tool_use"] if thinking else ["tool_use"],
        ["text"],
    ]
    assert [turn.stop_reason for turn in turns] == ["tool_use", "end_turn"]
    assert CALLED == ["Paris"]
    sent = _result_sent(gateway)
    assert sent["tool_use_id"] == turns[0].content[-1].id
    assert "Sunny and 21C in Paris" in str(sent["content"])
    # the runner keeps a thread: the turn after the call sends only the result, the mock holds the rest
    assert [entry["body"]["thread"]["type"] for entry in mock_requests(gateway)] == ["create", "continue"]


def _operation(api: str) -> str:
    return next(
        op.operation_id for op in load_spec(api).operations if op.compatible_wire == "anthropic-messages"
    )


@pytest.mark.parametrize("api", MESSAGES)
def test_a_rule_scripts_both_turns_of_a_threaded_tool_runner(gateway: str, api: str) -> None:
    """The README's agent rule: ``contains`` and ``tools: true`` hold on the turn after the call too,
    though the runner's ``thread`` continue sends only the tool result, without the tools."""
    ids = add_rules(gateway, AGENT_RULE.replace("OPERATION", _operation(api)))
    try:
        turns = _run_tools(gateway, api, streamed=False)
    finally:
        remove_rules(gateway, ids)
    sent = [entry["body"] for entry in mock_requests(gateway)]
    assert [body["thread"]["type"] for body in sent] == ["create", "continue"]
    assert "tools" not in sent[1]  # the thread holds them
    assert [entry["rule"] for entry in mock_requests(gateway)] == ["weather-agent", "weather-agent"]
    assert CALLED == ["Rome"]
    assert turns[-1].content[0].type == "text"
    assert turns[-1].content[0].text == "It is 21C and sunny in Rome."


@pytest.mark.parametrize("api", MESSAGES)
def test_a_thread_continued_with_a_question_keeps_its_tools_and_history(gateway: str, api: str) -> None:
    """A new question on a thread: the model reads the thread's tools (a call, as the first turn got)
    and the whole conversation (its input tokens count the turns before)."""
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    with _anthropic(gateway, api) as client:
        first = client.messages.create(
            model=model,
            max_tokens=256,
            tools=[WEATHER_TOOL],
            system="You report the weather.",
            messages=[{"role": "user", "content": QUESTION}],
            extra_body={**extra, "thread": {"type": "create"}},
        )
        use = next(block for block in first.content if block.type == "tool_use")
        thread = {"type": "continue", "previous_message_id": first.id}
        answered = client.messages.create(
            model=model,
            max_tokens=256,
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "Sun"}],
                }
            ],
            extra_body={**extra, "thread": thread},
        )
        again = client.messages.create(
            model=model,
            max_tokens=256,
            messages=[{"role": "user", "content": "And in Rome?"}],
            extra_body={**extra, "thread": {"type": "continue", "previous_message_id": answered.id}},
        )
        alone = client.messages.create(
            model=model,
            max_tokens=256,
            messages=[{"role": "user", "content": "And in Rome?"}],
            extra_body=extra,
        )
    assert answered.stop_reason == "end_turn"
    assert again.stop_reason == "tool_use"
    assert [block.type for block in again.content] == ["tool_use"]
    assert again.usage.input_tokens > answered.usage.input_tokens > alone.usage.input_tokens


@pytest.mark.parametrize("api", MESSAGES)
def test_a_thread_holds_one_entry_however_many_turns(gateway: str, api: str) -> None:
    """A reply is continued once, so a thread of many turns holds one kept conversation, not one per
    turn (review: 200 turns of 2 KB held 46 MB, past the store's budget at 235 turns)."""
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    with _anthropic(gateway, api) as client:
        answer = client.messages.create(
            model=model,
            max_tokens=64,
            system="You report the weather.",
            messages=[{"role": "user", "content": "Hello"}],
            extra_body={**extra, "thread": {"type": "create"}},
        )
        tokens = [answer.usage.input_tokens]
        for turn in range(6):
            answer = client.messages.create(
                model=model,
                max_tokens=64,
                messages=[{"role": "user", "content": f"And turn {turn}?"}],
                extra_body={**extra, "thread": {"type": "continue", "previous_message_id": answer.id}},
            )
            tokens.append(answer.usage.input_tokens)
    assert tokens == sorted(set(tokens))  # each turn still reads the whole conversation before it
    with urllib.request.urlopen(f"{gateway}/__gatewright/state", timeout=10) as state:
        assert json.loads(state.read())["message_threads"]["threads"] == 1


def _say(client: anthropic.Anthropic, api: str, text: str, thread: dict[str, str]) -> Message:
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    return client.messages.create(
        model=model,
        max_tokens=64,
        system="You report the weather.",
        messages=[{"role": "user", "content": text}],
        extra_body={**extra, "thread": thread},
    )


def _continue(message_id: str) -> dict[str, str]:
    return {"type": "continue", "previous_message_id": message_id}


def _not_found(api: str, refused: anthropic.APIStatusError) -> None:
    """The API's ``thread_not_found``: 404 where the operation documents one (the SDK's
    ``ThreadNotFoundError``), else the 400 it documents; the detail readable either way."""
    responses = next(op for op in load_spec(api).operations if op.compatible_wire == "anthropic-messages")
    documented = "404" in responses.definition["responses"]
    assert isinstance(refused, anthropic.NotFoundError if documented else anthropic.BadRequestError)
    assert refused.status_code == (404 if documented else 400)
    assert refused.error_code == "thread_not_found"
    assert isinstance(refused.details, ThreadNotFoundErrorDetails)
    assert isinstance(refused.body, dict)
    assert refused.body["error"]["details"] == {"error_code": "thread_not_found"}
    assert refused.body["error"]["type"] == ("not_found_error" if documented else "invalid_request_error")


@pytest.mark.parametrize("api", MESSAGES)
def test_a_continue_from_a_made_up_id_is_thread_not_found(gateway: str, api: str) -> None:
    """As the API answers it, not read as a conversation of the continue's messages alone (review: the
    mock answered it as a plain request, without the thread's tools)."""
    with _anthropic(gateway, api) as client, pytest.raises(anthropic.APIStatusError) as refused:
        _say(client, api, "And in Rome?", _continue("msg_0123456789abcdefghijklmn"))
    _not_found(api, refused.value)


@pytest.mark.parametrize("api", MESSAGES)
def test_a_thread_is_not_found_after_a_reset_and_a_new_one_continues(gateway: str, api: str) -> None:
    with _anthropic(gateway, api) as client:
        first = _say(client, api, "Hello", {"type": "create"})
        reset_mock(gateway)
        with pytest.raises(anthropic.APIStatusError) as refused:
            _say(client, api, "And in Rome?", _continue(first.id))
        _not_found(api, refused.value)
        created = _say(client, api, "Hello", {"type": "create"})
        continued = _say(client, api, "And in Rome?", _continue(created.id))
    assert continued.id != created.id
    assert continued.usage.input_tokens > created.usage.input_tokens  # it read the thread before it


@pytest.mark.parametrize("api", MESSAGES)
def test_a_reply_continued_twice_is_thread_already_continued(gateway: str, api: str) -> None:
    """Each reply is continued once: the second continue from it is the SDK's 400
    ``ThreadAlreadyContinuedError``; the thread's latest reply still continues."""
    with _anthropic(gateway, api) as client:
        first = _say(client, api, "Hello", {"type": "create"})
        second = _say(client, api, "And in Rome?", _continue(first.id))
        with pytest.raises(anthropic.BadRequestError) as refused:
            _say(client, api, "And in Oslo?", _continue(first.id))
        third = _say(client, api, "And in Oslo?", _continue(second.id))
    assert refused.value.status_code == 400
    assert refused.value.error_code == "thread_already_continued"
    assert isinstance(refused.value.details, ThreadAlreadyContinuedErrorDetails)
    assert isinstance(refused.value.body, dict)
    assert refused.value.body["error"]["details"] == {"error_code": "thread_already_continued"}
    assert third.usage.input_tokens > second.usage.input_tokens


def test_a_thread_dropped_by_the_byte_budget_is_not_found() -> None:
    """A thread the store's budget (``--conversation-bytes``) dropped is gone, as the API's expired ones."""
    app = create_app(["imarouter", "empiriolabs"], seed=3, access_log=False, conversation_bytes=4000)
    with serve_app(app) as url, _anthropic(url, "imarouter") as client:
        oldest = _say(client, "imarouter", "Hi " * 200, {"type": "create"})
        newest = [_say(client, "imarouter", "Hi " * 200, {"type": "create"}) for _ in range(9)][-1]
        with pytest.raises(anthropic.BadRequestError) as refused:
            _say(client, "imarouter", "And in Rome?", _continue(oldest.id))
        assert _say(client, "imarouter", "And in Rome?", _continue(newest.id)).stop_reason == "end_turn"
    _not_found("imarouter", refused.value)
