"""SSE from the mock over a real socket, read by the official openai and anthropic SDKs."""

from __future__ import annotations

import asyncio
import base64
import json
import warnings
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import openai
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gatewright.mock import create_app
from gatewright.mock.generate import Generator
from gatewright.mock.schemas import SchemaSet
from gatewright.mock.streaming.extension import StreamExtension
from gatewright.mock.tasks.extension import TaskExtension
from gatewright.spec import API_IDS, load_spec

pytestmark = pytest.mark.asyncio(loop_scope="module")

Client = TestClient[web.Request, web.Application]
AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}


def _streams(path: str, fmt: str) -> list[str]:
    """APIs whose ``POST path`` declares SSE in format ``fmt``."""
    found = []
    for name in API_IDS:
        op = load_spec(name).find("POST", path)
        if op is None:
            continue
        text = json.dumps(op.definition.get("responses", {}))
        if f'"format": "{fmt}"' in text:
            found.append(name)
    return found


CHAT = _streams("/v1/chat/completions", "openai-chat")
MESSAGES = _streams("/v1/messages", "anthropic-messages")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served() -> AsyncIterator[Client]:
    """One mock for the module (building all five APIs is the slow part); each test starts from a reset."""
    async with TestClient(TestServer(create_app(seed=2, access_log=False))) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module")
async def client(served: Client) -> Client:
    response = await served.post("/__gatewright/reset")
    assert response.status == 200
    return served


def _valid_body(api: str, path: str) -> dict[str, Any]:
    """A body the spec accepts (generated); SDK calls send what they do not name as extra_body."""
    spec = load_spec(api)
    op = spec.find("POST", path)
    assert op is not None
    pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
    body = Generator(SchemaSet(spec.document), seed=1).generate(pointer)
    assert isinstance(body, dict)
    return body


def _base(client: Client, api: str, suffix: str = "") -> str:
    return str(client.make_url(f"/{api}{suffix}"))


async def test_every_api_with_chat_or_messages_is_covered() -> None:
    assert CHAT and MESSAGES


@pytest.mark.parametrize("api", CHAT)
async def test_openai_sdk_streams_chat_completions(client: Client, api: str) -> None:
    sdk = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url=_base(client, api, "/v1"),
        max_retries=0,
        default_headers={"x-api-key": "sk-test"},  # ipop's chat accepts only x-api-key
    )
    async with sdk:
        await _chat(sdk, api)


async def _chat(sdk: openai.AsyncOpenAI, api: str) -> None:
    extra = _valid_body(api, "/v1/chat/completions")
    model = str(extra.pop("model", "gpt-4o-mini"))
    messages: Any = extra.pop("messages", [{"role": "user", "content": "Say hello"}])
    extra.pop("stream", None)
    extra.pop("n", None)  # one choice: the text compared below is the stream's only one
    plain = await sdk.chat.completions.create(model=model, messages=messages, extra_body=extra)
    stream = await sdk.chat.completions.create(model=model, messages=messages, stream=True, extra_body=extra)
    chunks = [chunk async for chunk in stream]
    assert len(chunks) >= 2
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == (plain.choices[0].message.content or "")
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)


@pytest.mark.parametrize("api", MESSAGES)
async def test_anthropic_sdk_streams_messages(client: Client, api: str) -> None:
    sdk = anthropic.AsyncAnthropic(api_key="sk-test", base_url=_base(client, api), max_retries=0)
    async with sdk:
        with warnings.catch_warnings():  # the SDK warns about deprecated model names the spec lists
            warnings.simplefilter("ignore", DeprecationWarning)
            await _messages(sdk, api)


async def _messages(sdk: anthropic.AsyncAnthropic, api: str) -> None:
    extra = _valid_body(api, "/v1/messages")
    model = str(extra.pop("model", "claude-mock-1"))
    messages: Any = extra.pop("messages", [{"role": "user", "content": "Say hello"}])
    for name in ("max_tokens", "stream"):
        extra.pop(name, None)
    plain = await sdk.messages.create(model=model, max_tokens=64, messages=messages, extra_body=extra)
    async with sdk.messages.stream(model=model, max_tokens=64, messages=messages, extra_body=extra) as stream:
        text = "".join([piece async for piece in stream.text_stream])
        final = await stream.get_final_message()
    expected = "".join(block.text for block in plain.content if block.type == "text")
    assert text == expected
    assert plain.stop_reason is not None and final.stop_reason == plain.stop_reason
    raw = await sdk.messages.create(
        model=model, max_tokens=64, messages=messages, stream=True, extra_body=extra
    )
    kinds = [event.type async for event in raw]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"


@pytest.mark.parametrize("api", MESSAGES)
async def test_anthropic_message_delta_restates_the_input_usage(client: Client, api: str) -> None:
    """Anthropic's ``message_delta`` usage is cumulative, its input counts too (``MessageDeltaUsage``; a
    recorded claude-haiku-4-5 stream: ``{"input_tokens":849,"cache_creation_input_tokens":0,
    "cache_read_input_tokens":0,"output_tokens":47}``). langchain-anthropic reads a stream's usage from
    ``message_delta`` alone: the mock's, output tokens only, gave every streamed answer 0 input tokens."""
    extra = _valid_body(api, "/v1/messages")
    model = str(extra.pop("model", "claude-mock-1"))
    messages: Any = extra.pop("messages", [{"role": "user", "content": "Say hello"}])
    for name in ("max_tokens", "stream"):
        extra.pop(name, None)
    sdk = anthropic.AsyncAnthropic(api_key="sk-test", base_url=_base(client, api), max_retries=0)
    async with sdk:
        with warnings.catch_warnings():  # the SDK warns about deprecated model names the spec lists
            warnings.simplefilter("ignore", DeprecationWarning)
            plain = await sdk.messages.create(model=model, max_tokens=64, messages=messages, extra_body=extra)
            raw = await sdk.messages.create(
                model=model, max_tokens=64, messages=messages, stream=True, extra_body=extra
            )
            events = [event async for event in raw]
    start = next(event for event in events if event.type == "message_start")
    delta = next(event for event in events if event.type == "message_delta")
    assert plain.usage.input_tokens > 0
    assert delta.usage.input_tokens == start.message.usage.input_tokens == plain.usage.input_tokens
    assert delta.usage.cache_read_input_tokens == plain.usage.cache_read_input_tokens
    assert delta.usage.cache_creation_input_tokens == plain.usage.cache_creation_input_tokens
    assert delta.usage.output_tokens == plain.usage.output_tokens


async def _events(response: Any) -> list[dict[str, str]]:
    """SSE events as dicts of their fields, read incrementally."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if not line:
            if current:
                events.append(current)
            current = {}
            continue
        key, _, value = line.partition(": ")
        current[key] = value
    return events


async def test_ipop_agent_turn_events_resume_after_last_event_id(client: Client) -> None:
    headers = {**AUTH, "x-project-id": "proj_1"}
    url = "/ipop/v1/agent-turns/turn_1/events"
    response = await client.get(url, headers=headers)
    assert response.status == 200 and response.content_type == "text/event-stream"
    events = await _events(response)
    ids = [int(e["id"]) for e in events]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) > 3
    resumed = await client.get(url, headers={**headers, "Last-Event-ID": "2"})
    rest = await _events(resumed)
    assert [int(e["id"]) for e in rest] == ids[2:]
    assert json.loads(rest[-1]["data"])["lifecycle"] == "completed"


async def test_empiriolabs_speech_stream_chunks_concatenate_to_audio(client: Client) -> None:
    response = await client.post(
        "/empiriolabs/v1/audio/speech:stream",
        json={"model": "tts-1", "input": "hello there", "voice": "alloy"},
        headers=AUTH,
    )
    assert response.status == 200, await response.text()
    events = await _events(response)
    payloads = [json.loads(e["data"]) for e in events if e["data"] != "[DONE]"]
    chunks = [p for p in payloads if p["type"] == "audio.chunk"]
    assert chunks and [c["seq"] for c in chunks] == list(range(len(chunks)))
    audio = b"".join(base64.b64decode(c["audio_b64"]) for c in chunks)
    assert len(audio) % 2 == 0 and payloads[-1]["type"] == "audio.done"
    assert events[-1]["data"] == "[DONE]"
    download = await client.get(payloads[-1]["url"].split(str(client.make_url("")).rstrip("/"), 1)[1])
    assert download.status == 200 and (await download.read())[:4] == b"RIFF"


@pytest.mark.slow  # a slow stream cut by its client
async def test_client_disconnecting_mid_stream_leaves_the_server_healthy() -> None:
    slow = create_app(["voxvey"], access_log=False, extensions=[TaskExtension(), StreamExtension(delay=0.05)])
    async with TestClient(TestServer(slow)) as client:
        await _disconnect_three_times_then_serve(client)


async def _disconnect_three_times_then_serve(client: Client) -> None:
    body = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    for _ in range(3):
        response = await client.post("/v1/chat/completions", json=body, headers=AUTH)
        assert response.status == 200
        first = await response.content.readline()
        assert first.startswith(b"data: ")
        response.close()  # drop the connection mid-stream
    await asyncio.sleep(0.2)
    health = await client.get("/__gatewright/health")
    assert health.status == 200
    plain = await client.post("/v1/chat/completions", json={**body, "stream": False}, headers=AUTH)
    assert plain.status == 200 and (await plain.json())["choices"]
    streamed = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    lines = [line async for line in streamed.content]
    assert lines[-2].strip() == b"data: [DONE]"
