"""The mock answers like an LLM gateway: the official SDKs and their helpers over real sockets.

Every test runs on every API whose canonical spec marks the endpoint compatible
(``x-gatewright-compatible``), with the request fields that API requires taken from
its own schema. What the mock answers is judged the way an app would: the SDK's own
parsing (``parse``, stream helpers) plus JSON Schema validation of tool arguments and
structured content against the schemas the request sent.
"""

from __future__ import annotations

import base64
import json
import math
import struct
import warnings
from typing import Any, Literal

import anthropic
import jsonschema
import openai
import pydantic
import pytest

from gatewright.mock.generate import Generator
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import API_IDS, load_spec

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "hourly": {"type": "boolean"},
        "where": {
            "type": "object",
            "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90}},
            "required": ["lat"],
            "additionalProperties": False,
        },
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3},
    },
    "required": ["city", "unit", "days", "where", "tags"],
    "additionalProperties": False,
}
TIME = {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}
CHAT_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER, "strict": True}},
    {"type": "function", "function": {"name": "get_time", "parameters": TIME}},
]
ANTHROPIC_TOOLS = [
    {"name": "get_weather", "description": "Weather", "input_schema": WEATHER},
    {"name": "get_time", "description": "Time", "input_schema": TIME},
]
RESPONSES_TOOLS = [
    {"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": True},
    {"type": "function", "name": "get_time", "parameters": TIME, "strict": False},
]


class City(pydantic.BaseModel):
    name: str
    population: int
    country: Literal["FR", "DE", "IT"]


class Itinerary(pydantic.BaseModel):
    title: str
    cities: list[City]
    nights: int | None


def apis_marked(wire: str) -> list[str]:
    return [api for api in API_IDS if any(op.compatible_wire == wire for op in load_spec(api).operations)]


def _path(api: str, wire: str) -> str:
    return next(op.path for op in load_spec(api).operations if op.compatible_wire == wire)


def _required(api: str, wire: str) -> dict[str, Any]:
    """The request fields the API's own schema requires (e.g. a model from its enum), generated."""
    spec = load_spec(api)
    op = next(op for op in spec.operations if op.compatible_wire == wire)
    pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
    body = Generator(SchemaSet(spec.document), seed=1).generate(pointer, minimal=True)
    assert isinstance(body, dict)
    return body


def _extra(api: str, wire: str, *own: str) -> tuple[str, dict[str, Any]]:
    """(model, the other required fields) for a call whose own fields the test sets."""
    body = _required(api, wire)
    model = str(body.pop("model", "mock-model"))
    for name in own:
        body.pop(name, None)
    return model, body


def _key_headers(api: str, wire: str) -> dict[str, str]:
    spec = load_spec(api)
    op = next(op for op in spec.operations if op.compatible_wire == wire)
    schemes = spec.security_schemes
    headers: dict[str, str] = {}
    for requirement in spec.security(op):
        for name in requirement:
            scheme = schemes.get(name, {})
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                headers[str(scheme["name"])] = "sk-test"
    return headers


def _openai(base_url: str, api: str, wire: str) -> openai.OpenAI:
    path = _path(api, wire)
    prefix = path[: path.index("/v1/") + len("/v1")]
    return openai.OpenAI(
        api_key="sk-test",
        base_url=f"{base_url}/{api}{prefix}",
        max_retries=0,
        default_headers=_key_headers(api, wire),
    )


def _anthropic(base_url: str, api: str) -> anthropic.Anthropic:
    prefix = _path(api, "anthropic-messages")[: -len("/v1/messages")]
    headers = _key_headers(api, "anthropic-messages")
    url = f"{base_url}/{api}{prefix}"
    if "x-api-key" in {h.lower() for h in headers} or not headers:
        return anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0)
    return anthropic.Anthropic(auth_token="sk-ant-test", base_url=url, max_retries=0, default_headers=headers)


def _user(text: str = "What is the weather in Paris?") -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _valid(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)


CHAT = apis_marked("openai-chat")
MESSAGES = apis_marked("anthropic-messages")
RESPONSES = apis_marked("openai-responses")
EMBEDDINGS = apis_marked("openai-embeddings")
COMPLETIONS = apis_marked("openai-completions")


def test_every_compatible_endpoint_is_marked() -> None:
    assert set(CHAT) == {"voxvey", "ipop", "beatra", "imarouter", "empiriolabs"}
    assert set(MESSAGES) >= {"voxvey", "imarouter", "empiriolabs"}
    assert set(RESPONSES) >= {"voxvey", "ipop", "imarouter", "empiriolabs"}
    assert set(EMBEDDINGS) >= {"voxvey", "ipop", "imarouter", "empiriolabs"}
    assert COMPLETIONS == ["empiriolabs"]


# -- chat completions ------------------------------------------------------------------------------


@pytest.mark.parametrize("api", CHAT)
@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("required", "get_weather"),
        ({"type": "function", "function": {"name": "get_time"}}, "get_time"),
        ("auto", "get_weather"),
    ],
)
def test_chat_tool_call_arguments_validate(base_url: str, api: str, choice: Any, expected: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    client = _openai(base_url, api, "openai-chat")
    completion = client.chat.completions.create(
        model=model, messages=_user(), tools=CHAT_TOOLS, tool_choice=choice, extra_body=extra
    )
    choice0 = completion.choices[0]
    assert choice0.finish_reason == "tool_calls"
    calls = choice0.message.tool_calls
    assert calls and len(calls) == 1
    call = calls[0]
    assert call.type == "function" and call.function.name == expected
    assert call.id.startswith("call_")
    _valid(json.loads(call.function.arguments), WEATHER if expected == "get_weather" else TIME)
    assert choice0.message.content is None


@pytest.mark.parametrize("api", CHAT)
def test_chat_tool_choice_naming_an_undeclared_tool_answers_text(base_url: str, api: str) -> None:
    """Not a call to a tool the request did not name (the first declared, as it was)."""
    model, extra = _extra(api, "openai-chat", "messages")
    choice = {"type": "function", "function": {"name": "get_stock_price"}}
    with _openai(base_url, api, "openai-chat") as client:
        completion = client.chat.completions.create(
            model=model, messages=_user(), tools=CHAT_TOOLS, tool_choice=choice, extra_body=extra
        )
    assert completion.choices[0].message.tool_calls in (None, [])
    assert completion.choices[0].finish_reason == "stop" and completion.choices[0].message.content


@pytest.mark.parametrize("api", CHAT)
def test_chat_agent_loop_ends_in_text_after_the_tool_result(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    client = _openai(base_url, api, "openai-chat")
    messages: list[Any] = _user()
    for _turn in range(3):
        completion = client.chat.completions.create(
            model=model, messages=messages, tools=CHAT_TOOLS, extra_body=extra
        )
        message = completion.choices[0].message
        if not message.tool_calls:
            break
        messages.append(message)  # as apps do: the SDK sends it back as the assistant turn
        for call in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'})
    assert completion.choices[0].finish_reason == "stop"
    assert isinstance(message.content, str) and message.content
    assert len(messages) == 3  # user, assistant tool call, tool result


@pytest.mark.parametrize("api", CHAT)
def test_chat_tool_choice_none_answers_text(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    completion = _openai(base_url, api, "openai-chat").chat.completions.create(
        model=model, messages=_user(), tools=CHAT_TOOLS, tool_choice="none", extra_body=extra
    )
    assert completion.choices[0].message.tool_calls in (None, [])
    assert completion.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("api", CHAT)
def test_chat_parse_gives_a_valid_pydantic_instance(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    completion = _openai(base_url, api, "openai-chat").chat.completions.parse(
        model=model, messages=_user("Plan a trip"), response_format=Itinerary, extra_body=extra
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Itinerary)
    assert all(city.country in ("FR", "DE", "IT") for city in parsed.cities)


@pytest.mark.parametrize("api", CHAT)
def test_chat_json_object_content_is_an_object(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    completion = _openai(base_url, api, "openai-chat").chat.completions.create(
        model=model, messages=_user(), response_format={"type": "json_object"}, extra_body=extra
    )
    assert isinstance(json.loads(completion.choices[0].message.content or ""), dict)


@pytest.mark.parametrize("api", CHAT)
def test_chat_n_limits_usage_and_fresh_ids(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    client = _openai(base_url, api, "openai-chat")
    three = client.chat.completions.create(model=model, messages=_user(), n=3, extra_body=extra)
    assert [c.index for c in three.choices] == [0, 1, 2]
    assert three.usage is not None
    assert three.usage.total_tokens == three.usage.prompt_tokens + three.usage.completion_tokens
    cut = client.chat.completions.create(model=model, messages=_user(), max_tokens=1, extra_body=extra)
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage is not None and cut.usage.completion_tokens == 1
    again = client.chat.completions.create(model=model, messages=_user(), extra_body=extra)
    other = client.chat.completions.create(model=model, messages=_user(), extra_body=extra)
    assert again.id != other.id
    assert again.choices[0].message.content == other.choices[0].message.content  # same request, same text
    assert again.model == model


@pytest.mark.parametrize("api", CHAT)
def test_chat_stop_sequence_cuts_the_text(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    completion = _openai(base_url, api, "openai-chat").chat.completions.create(
        model=model, messages=_user(), stop=["."], extra_body=extra
    )
    content = completion.choices[0].message.content or ""
    assert "." not in content and content
    assert completion.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("api", CHAT)
def test_chat_stream_helper_reassembles_tool_calls(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    client = _openai(base_url, api, "openai-chat")
    fragments = 0
    with client.chat.completions.stream(
        model=model,
        messages=_user(),
        tools=[openai.pydantic_function_tool(City, name="lookup_city")],
        tool_choice="required",
        stream_options={"include_usage": True},
        extra_body=extra,
    ) as stream:
        for event in stream:
            if event.type == "tool_calls.function.arguments.delta":
                fragments += 1
        final = stream.get_final_completion()
    assert fragments > 1  # the arguments arrive in pieces
    call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert isinstance(call.function.parsed_arguments, City)
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.usage is not None
    assert final.usage.total_tokens == final.usage.prompt_tokens + final.usage.completion_tokens


@pytest.mark.parametrize("api", CHAT)
def test_chat_stream_text_equals_the_non_streamed_text(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    client = _openai(base_url, api, "openai-chat")
    whole = client.chat.completions.create(model=model, messages=_user("same"), extra_body=extra)
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=_user("same"),
            stream=True,
            stream_options={"include_usage": True},
            extra_body=extra,
        )
    )
    assert len({chunk.id for chunk in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and whole.usage is not None
    assert chunks[-1].usage.model_dump() == whole.usage.model_dump()  # the same answer, the same count


# -- Anthropic messages ----------------------------------------------------------------------------


def _messages_call(base_url: str, api: str, **fields: Any) -> Any:
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # a spec-only model the SDK calls deprecated
        return _anthropic(base_url, api).messages.create(
            model=model,
            max_tokens=fields.pop("max_tokens", 256),
            messages=fields.pop("messages", _user()),
            extra_body=extra,
            **fields,
        )


@pytest.mark.parametrize("api", MESSAGES)
@pytest.mark.parametrize(
    ("choice", "expected"),
    [({"type": "any"}, "get_weather"), ({"type": "tool", "name": "get_time"}, "get_time")],
)
def test_messages_tool_use(base_url: str, api: str, choice: Any, expected: str) -> None:
    message = _messages_call(base_url, api, tools=ANTHROPIC_TOOLS, tool_choice=choice)
    assert message.stop_reason == "tool_use"
    assert message.stop_sequence is None
    blocks = [b for b in message.content if b.type == "tool_use"]
    assert len(blocks) == 1 and blocks[0].name == expected and blocks[0].id.startswith("toolu_")
    _valid(blocks[0].input, WEATHER if expected == "get_weather" else TIME)


@pytest.mark.parametrize("api", MESSAGES)
def test_messages_text_after_tool_result_and_limits(base_url: str, api: str) -> None:
    first = _messages_call(base_url, api, tools=ANTHROPIC_TOOLS)
    use = next(b for b in first.content if b.type == "tool_use")
    history = [
        *_user(),
        {"role": "assistant", "content": [b.model_dump() for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "21C"}]},
    ]
    final = _messages_call(base_url, api, tools=ANTHROPIC_TOOLS, messages=history)
    assert final.stop_reason == "end_turn" and final.content[0].type == "text"
    short = _messages_call(base_url, api, max_tokens=1)
    assert short.stop_reason == "max_tokens" and short.usage.output_tokens == 1
    stopped = _messages_call(base_url, api, stop_sequences=["."])
    assert stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == "."
    assert "." not in stopped.content[0].text


def test_messages_max_tokens_zero_answers_nothing(base_url: str) -> None:
    """voxvey's spec allows ``max_tokens: 0`` (``minimum: 0``): no tokens, cut at once, not "no limit"."""
    message = _messages_call(base_url, "voxvey", max_tokens=0)
    assert message.stop_reason == "max_tokens" and message.usage.output_tokens == 0
    assert "".join(b.text for b in message.content if b.type == "text") == ""


@pytest.mark.parametrize("api", MESSAGES)
def test_messages_stream_helper_gives_the_same_message(base_url: str, api: str) -> None:
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    client = _anthropic(base_url, api)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with client.messages.stream(
            model=model,
            max_tokens=256,
            messages=_user(),
            tools=ANTHROPIC_TOOLS,
            tool_choice={"type": "any"},
            extra_body=extra,
        ) as stream:
            kinds = [event.type for event in stream]
            final = stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "input_json" in kinds  # the helper's event for an input_json_delta
    use = next(b for b in final.content if b.type == "tool_use")
    _valid(use.input, WEATHER)
    assert final.stop_reason == "tool_use"


# -- Responses -------------------------------------------------------------------------------------


def _responses(base_url: str, api: str) -> tuple[openai.OpenAI, str, dict[str, Any]]:
    model, extra = _extra(api, "openai-responses", "input")
    return _openai(base_url, api, "openai-responses"), model, extra


@pytest.mark.parametrize("api", RESPONSES)
def test_responses_parse_and_function_calls(base_url: str, api: str) -> None:
    client, model, extra = _responses(base_url, api)
    parsed = client.responses.parse(model=model, input="Plan a trip", text_format=Itinerary, extra_body=extra)
    assert isinstance(parsed.output_parsed, Itinerary)
    usage = parsed.usage
    assert usage is not None and usage.input_tokens_details.cached_tokens == 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens > usage.input_tokens
    called = client.responses.create(
        model=model,
        input=[{"role": "user", "content": "weather?"}],
        tools=RESPONSES_TOOLS,
        tool_choice="required",
        extra_body=extra,
    )
    calls = [item for item in called.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather"
    _valid(json.loads(calls[0].arguments), WEATHER)
    answered = client.responses.create(
        model=model,
        input=[
            {"role": "user", "content": "weather?"},
            {
                "type": "function_call",
                "call_id": calls[0].call_id,
                "name": "get_weather",
                "arguments": calls[0].arguments,
            },
            {"type": "function_call_output", "call_id": calls[0].call_id, "output": "21C"},
        ],
        tools=RESPONSES_TOOLS,
        extra_body=extra,
    )
    assert answered.output_text and not [i for i in answered.output if i.type == "function_call"]


@pytest.mark.parametrize("api", RESPONSES)
def test_responses_stream_ends_with_completed(base_url: str, api: str) -> None:
    client, model, extra = _responses(base_url, api)
    with client.responses.stream(model=model, input="hello", extra_body=extra) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds
    whole = client.responses.create(model=model, input="hello", extra_body=extra)
    assert final.output_text and final.output_text == whole.output_text


@pytest.mark.parametrize("api", RESPONSES)
def test_a_cut_responses_stream_says_so_only_at_its_end(base_url: str, api: str) -> None:
    """With ``max_output_tokens`` the stream ends ``response.incomplete``; before it, in progress, nothing
    is known of how it ends (OpenAI's ``incomplete_details`` is null until then)."""
    client, model, extra = _responses(base_url, api)
    with client.responses.stream(model=model, input="hello", max_output_tokens=3, extra_body=extra) as stream:
        events = list(stream)
    started = [e.response for e in events if e.type in ("response.created", "response.in_progress")]
    assert len(started) == 2 and all(
        r.status == "in_progress" and r.incomplete_details is None for r in started
    )
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"


# -- embeddings and completions --------------------------------------------------------------------


@pytest.mark.parametrize("api", EMBEDDINGS)
def test_embeddings_one_vector_per_input(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-embeddings", "input", "dimensions", "encoding_format")
    client = _openai(base_url, api, "openai-embeddings")
    texts = ["alpha", "beta", "gamma", "alpha"]
    result = client.embeddings.create(model=model, input=texts, extra_body=extra)  # SDK default: base64
    vectors = [item.embedding for item in result.data]
    assert [item.index for item in result.data] == [0, 1, 2, 3]
    assert len(vectors) == 4 and vectors[0] == vectors[3] and vectors[0] != vectors[1]
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-3 for v in vectors)
    floats = client.embeddings.create(model=model, input="alpha", encoding_format="float", extra_body=extra)
    assert floats.data[0].embedding == pytest.approx(vectors[0], abs=1e-6)


@pytest.mark.parametrize("api", [a for a in EMBEDDINGS if "dimensions" in json.dumps(load_spec(a).document)])
def test_embeddings_honour_dimensions_and_base64(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-embeddings", "input", "dimensions", "encoding_format")
    client = _openai(base_url, api, "openai-embeddings")
    raw = client.embeddings.with_raw_response.create(
        model=model, input=["one", "two"], dimensions=8, encoding_format="base64", extra_body=extra
    )
    body = json.loads(raw.text)
    decoded = [struct.unpack("<8f", base64.b64decode(item["embedding"])) for item in body["data"]]
    assert len(decoded) == 2 and all(len(v) == 8 for v in decoded)


@pytest.mark.parametrize("api", COMPLETIONS)
def test_legacy_completions(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-completions", "prompt")
    client = _openai(base_url, api, "openai-completions")
    result = client.completions.create(model=model, prompt="Say hi", n=2, max_tokens=2, extra_body=extra)
    assert [c.index for c in result.choices] == [0, 1]
    assert all(c.finish_reason == "length" for c in result.choices)
    assert result.usage is not None
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens


@pytest.mark.parametrize("api", MESSAGES)
def test_messages_think_first_when_asked_within_the_budget(base_url: str, api: str) -> None:
    """``thinking: {"type": "enabled", "budget_tokens": N}`` gets a signed ``thinking`` block before the
    answer, at most ``N`` tokens, billed as output tokens; the same request thinks the same; none unasked."""
    thinking = {"type": "enabled", "budget_tokens": 12}
    message = _messages_call(base_url, api, max_tokens=2000, thinking=thinking)
    first, *rest = message.content
    assert first.type == "thinking" and first.thinking and first.signature, first
    assert 0 < len(first.thinking.split()) <= 12, first.thinking
    answered = sum(len(b.text.split()) for b in rest if b.type == "text")
    assert message.usage.output_tokens == answered + len(first.thinking.split()), message.usage
    again = _messages_call(base_url, api, max_tokens=2000, thinking=thinking)
    assert (again.content[0].thinking, again.content[0].signature) == (first.thinking, first.signature)
    plain = _messages_call(base_url, api, max_tokens=2000)
    assert [b.type for b in plain.content if b.type == "thinking"] == []
    # ``max_tokens`` bounds thinking and text together (Anthropic's budget is part of it)
    short = _messages_call(base_url, api, max_tokens=5, thinking={"type": "enabled", "budget_tokens": 1024})
    words = [len((b.thinking if b.type == "thinking" else b.text).split()) for b in short.content]
    assert short.content[0].type == "thinking" and short.usage.output_tokens == sum(words) <= 5, short
    assert short.stop_reason == "max_tokens"


@pytest.mark.parametrize("api", MESSAGES)
def test_messages_stream_thinking_and_take_it_back_with_a_tool_result(base_url: str, api: str) -> None:
    """An agent with extended thinking: the stream's thinking deltas and signature make the block the
    helper assembles; sent back with the tool's result (as Anthropic requires), the turn goes on to its
    answer, which thinks no more (thinking opens a turn: the one after a tool result continues it)."""
    model, extra = _extra(api, "anthropic-messages", "messages", "max_tokens")
    client = _anthropic(base_url, api)
    asked: dict[str, Any] = {
        "model": model,
        "max_tokens": 2000,
        "tools": ANTHROPIC_TOOLS,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "extra_body": extra,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with client.messages.stream(messages=_user(), **asked) as stream:
            kinds = [event.type for event in stream]
            turn = stream.get_final_message()
        assert "thinking" in kinds and "signature" in kinds, kinds  # the helper's thinking/signature events
        assert [block.type for block in turn.content] == ["thinking", "tool_use"], turn.content
        assert turn.content[0].signature and turn.stop_reason == "tool_use"
        use = turn.content[1]
        result = {"type": "tool_result", "tool_use_id": use.id, "content": "18 C, sunny"}
        history = [
            *_user(),
            {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in turn.content]},
            {"role": "user", "content": [result]},
        ]
        answer = client.messages.create(messages=history, **asked)
    # the turn goes on after the tool's result: its thinking came before the call, none again
    assert answer.stop_reason == "end_turn", answer
    assert [block.type for block in answer.content] == ["text"], answer.content
