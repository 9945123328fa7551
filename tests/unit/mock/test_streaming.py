"""SSE formats, proved against the real ``openai`` and ``anthropic`` SDK stream parsers over a socket."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from anthropic import AsyncAnthropic
from hypothesis import given
from hypothesis import strategies as st
from openai import AsyncOpenAI

from gatewright.mock.answers.text import count_tokens
from gatewright.mock.streaming import (
    FORMATS,
    SSEEvent,
    StreamContext,
    UnknownStreamFormat,
    get_format,
    resume_point,
    split_text,
    stream_events,
    write_events,
)

TEXT = 'Hello there,  world!\nThis is  the mock\'s\tanswer: ünïcode ✓ and "quotes". '

CHAT = {
    "id": "chatcmpl-123",
    "object": "chat.completion",
    "created": 1_767_225_600,
    "model": "gpt-test",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": TEXT}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 12, "total_tokens": 17},
}
COMPLETION = {
    "id": "cmpl-1",
    "object": "text_completion",
    "created": 1_767_225_600,
    "model": "gpt-test-instruct",
    "choices": [{"index": 0, "text": TEXT, "finish_reason": "length", "logprobs": None}],
}
RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1_767_225_600,
    "model": "gpt-test",
    "status": "completed",
    "output": [
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": TEXT, "annotations": []}],
        }
    ],
    "usage": {"input_tokens": 3, "output_tokens": 12, "total_tokens": 15},
}
MESSAGE = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [
        {"type": "text", "text": TEXT},
        {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "x", "n": 2}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {"input_tokens": 9, "output_tokens": 21},
}


def parse_sse(raw: bytes) -> list[dict[str, str]]:
    """A minimal SSE parser (for the formats no SDK covers)."""
    events = []
    for block in raw.decode().split("\n\n"):
        if not block.strip():
            continue
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            fields[name] = fields[name] + "\n" + value if name in fields else value
        events.append(fields)
    return events


# --- pure pieces -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [TEXT, "", " lead", "trail ", "one", "\n\n", "a  b\t\tc"])
def test_split_text_round_trips(text: str) -> None:
    assert "".join(split_text(text)) == text


@given(st.text(alphabet=st.sampled_from(["a", "é", " ", "\t", "\n", "\u00a0", "\u2003", "\x1c", "\u200b"])))
def test_counted_tokens_are_the_pieces_a_stream_sends(text: str) -> None:
    """``count_tokens`` (usage) and ``split_text`` (stream deltas) agree on every text."""
    assert count_tokens(text) == len(split_text(text))


def test_event_encoding() -> None:
    assert SSEEvent("x", event="e", id="3").encode() == b"event: e\nid: 3\ndata: x\n\n"
    assert SSEEvent("a\nb").encode() == b"data: a\ndata: b\n\n"


def test_registry_names() -> None:
    assert set(FORMATS) == {
        "openai-chat",
        "openai-completions",
        "openai-responses",
        "anthropic-messages",
        "ipop-agent-events",
        "empiriolabs-speech",
    }
    with pytest.raises(UnknownStreamFormat, match="known: anthropic-messages"):
        get_format("nope")


def test_chat_usage_chunk_only_when_asked() -> None:
    plain = [e.data for e in get_format("openai-chat")(CHAT, StreamContext())]
    assert plain[-1] == "[DONE]" and all('"usage"' not in d for d in plain)
    asked = [
        e.data
        for e in get_format("openai-chat")(CHAT, StreamContext({"stream_options": {"include_usage": True}}))
    ]
    usage_chunk = json.loads(asked[-2])
    assert usage_chunk["choices"] == [] and usage_chunk["usage"] == CHAT["usage"]


def test_ipop_events_are_numbered_and_resume() -> None:
    body = {"object": "agent_turn", "request_id": "r1", "lifecycle": "completed"}
    events = list(get_format("ipop-agent-events")(body, StreamContext(text=TEXT)))
    ids = [int(e.id or 0) for e in events]
    assert ids == list(range(1, len(events) + 1))
    payloads = [json.loads(e.data) for e in events]
    assert [p["lifecycle"] for p in payloads[:2]] == ["queued", "running"]
    assert "".join(p.get("delta", "") for p in payloads) == TEXT
    assert payloads[-1]["lifecycle"] == "completed" and payloads[-1]["event_seq"] == len(events)
    seen = resume_point("4", None)
    resumed = list(get_format("ipop-agent-events")(body, StreamContext(text=TEXT, resume_after=seen)))
    assert [e.id for e in resumed] == [e.id for e in events[4:]]
    assert resume_point(None, "7") == 7 and resume_point("x", None) == 0 and resume_point("3", 5) == 5


def test_empiriolabs_speech_chunks_reassemble_the_audio() -> None:
    audio = bytes(range(256)) * 40
    context = StreamContext({"input": "Hello", "output_format": "pcm"}, audio=audio, chunk_bytes=1000)
    events = list(get_format("empiriolabs-speech")({"url": "http://m/a.mp3"}, context))
    assert events[-1].data == "[DONE]"
    payloads = [json.loads(e.data) for e in events[:-1]]
    chunks = [p for p in payloads if p["type"] == "audio.chunk"]
    assert [c["seq"] for c in chunks] == list(range(len(chunks)))
    assert set(chunks[0]) == {"type", "seq", "audio_b64", "format", "sample_rate", "elapsed_ms"}
    assert b"".join(base64.b64decode(c["audio_b64"]) for c in chunks) == audio
    done = payloads[-1]
    assert (
        done["type"] == "audio.done"
        and done["url"] == "http://m/a.mp3"
        and done["usage"]["processed_characters"] == 5
    )


class RecordingResponse:
    """Stands in for a StreamResponse: records each write."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.writes: list[bytes] = []
        self.eof = False
        self.fail_after = fail_after

    async def write(self, data: bytes) -> None:
        if self.fail_after is not None and len(self.writes) >= self.fail_after:
            raise ConnectionResetError("client went away")
        self.writes.append(data)

    async def write_eof(self) -> None:
        self.eof = True


@pytest.mark.asyncio
async def test_each_event_is_a_separate_write() -> None:
    events = list(get_format("openai-chat")(CHAT, StreamContext()))
    response = RecordingResponse()
    assert await write_events(response, events) is True  # type: ignore[arg-type]  # all were sent
    assert response.writes == [e.encode() for e in events] and response.eof


@pytest.mark.asyncio
async def test_disconnect_stops_quietly() -> None:
    response = RecordingResponse(fail_after=2)
    assert not await write_events(response, get_format("openai-chat")(CHAT, StreamContext()))  # type: ignore[arg-type]
    assert len(response.writes) == 2 and not response.eof


# --- the real SDKs over a real socket --------------------------------------------------------------


def sse_app(delay: float = 0.0) -> web.Application:
    def route(fmt: str, body: Mapping[str, Any]) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            payload = await request.json() if request.can_read_body else {}
            context = StreamContext(
                payload, resume_after=resume_point(request.headers.get("Last-Event-ID"), None)
            )
            return await stream_events(request, get_format(fmt)(body, context), delay=delay)

        return handler

    app = web.Application()
    app.router.add_post("/v1/chat/completions", route("openai-chat", CHAT))
    app.router.add_post("/v1/completions", route("openai-completions", COMPLETION))
    app.router.add_post("/v1/responses", route("openai-responses", RESPONSE))
    app.router.add_post("/v1/messages", route("anthropic-messages", MESSAGE))
    app.router.add_get("/health", health)
    return app


async def health(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


@pytest_asyncio.fixture
async def sse_url(aiohttp_server: Any) -> str:
    """A stub server answering the four streaming wires with fixed SSE bodies (not the mock)."""
    server = await aiohttp_server(sse_app(), host="127.0.0.1", port=0)
    return str(server.make_url("")).rstrip("/")


@pytest.mark.asyncio
async def test_openai_sdk_parses_chat_stream(sse_url: str) -> None:
    async with AsyncOpenAI(base_url=sse_url + "/v1", api_key="k", max_retries=0) as client:
        stream = await client.chat.completions.create(
            model="gpt-test",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
    assert all(c.object == "chat.completion.chunk" and c.id == "chatcmpl-123" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == TEXT
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 17


@pytest.mark.asyncio
async def test_openai_sdk_stream_helper_accumulates_the_final_completion(sse_url: str) -> None:
    async with (
        AsyncOpenAI(base_url=sse_url + "/v1", api_key="k", max_retries=0) as client,
        client.chat.completions.stream(
            model="gpt-test", messages=[{"role": "user", "content": "hi"}]
        ) as stream,
    ):
        final = await stream.get_final_completion()
    assert final.choices[0].message.content == TEXT and final.choices[0].finish_reason == "stop"


@pytest.mark.asyncio
async def test_openai_sdk_parses_legacy_completion_stream(sse_url: str) -> None:
    async with AsyncOpenAI(base_url=sse_url + "/v1", api_key="k", max_retries=0) as client:
        stream = await client.completions.create(model="gpt-test-instruct", prompt="hi", stream=True)
        chunks = [chunk async for chunk in stream]
    assert all(c.object == "text_completion" for c in chunks)
    assert "".join(c.choices[0].text for c in chunks) == TEXT
    assert chunks[-1].choices[0].finish_reason == "length"


@pytest.mark.asyncio
async def test_openai_sdk_parses_responses_stream(sse_url: str) -> None:
    async with AsyncOpenAI(base_url=sse_url + "/v1", api_key="k", max_retries=0) as client:
        stream = await client.responses.create(model="gpt-test", input="hi", stream=True)
        events = [event async for event in stream]
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == TEXT
    assert events[-1].response.output_text == TEXT  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_openai_sdk_responses_stream_helper(sse_url: str) -> None:
    async with (
        AsyncOpenAI(base_url=sse_url + "/v1", api_key="k", max_retries=0) as client,
        client.responses.stream(model="gpt-test", input="hi") as stream,
    ):
        final = await stream.get_final_response()
    assert final.output_text == TEXT and final.status == "completed"


@pytest.mark.asyncio
async def test_anthropic_sdk_parses_message_stream(sse_url: str) -> None:
    async with AsyncAnthropic(base_url=sse_url, api_key="k", max_retries=0) as client:
        stream = await client.messages.create(
            model="claude-test", max_tokens=64, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        events = [event async for event in stream]
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    text = "".join(
        e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )
    assert text == TEXT


@pytest.mark.asyncio
async def test_anthropic_sdk_stream_helper_rebuilds_the_message(sse_url: str) -> None:
    async with (
        AsyncAnthropic(base_url=sse_url, api_key="k", max_retries=0) as client,
        client.messages.stream(
            model="claude-test", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        ) as stream,
    ):
        texts = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert "".join(texts) == TEXT
    assert final.model_dump(exclude_none=True)["content"] == MESSAGE["content"]
    assert (
        final.stop_reason == "tool_use" and final.usage.output_tokens == 21 and final.usage.input_tokens == 9
    )


@pytest.mark.asyncio
async def test_chunks_arrive_as_separate_network_reads(aiohttp_server: Any) -> None:
    server = await aiohttp_server(sse_app(delay=0.02), host="127.0.0.1", port=0)
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.make_url("/v1/chat/completions"), json={}) as r,
    ):
        assert r.headers["Content-Type"].startswith("text/event-stream")
        reads = [chunk async for chunk in r.content.iter_any()]
    expected = [e.encode() for e in get_format("openai-chat")(CHAT, StreamContext())]
    assert b"".join(reads) == b"".join(expected)
    assert len(reads) >= len(expected) // 2  # paced writes are not coalesced into one body


@pytest.mark.asyncio
async def test_client_disconnect_mid_stream_leaves_server_healthy(
    aiohttp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = await aiohttp_server(sse_app(delay=0.05), host="127.0.0.1", port=0)
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as session:
        response = await session.post(server.make_url("/v1/messages"), json={})
        first = await response.content.readuntil(b"\n\n")
        assert first.startswith(b"event: message_start")
        response.close()  # drop the connection mid-stream
        await asyncio.sleep(0.2)
        async with session.get(server.make_url("/health")) as health:
            assert health.status == 200 and await health.json() == {"ok": True}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def _collect(events: Iterable[SSEEvent]) -> bytes:
    return b"".join(e.encode() for e in events)


def test_parse_sse_helper_reads_ipop_wire_format() -> None:
    raw = _collect(get_format("ipop-agent-events")({"request_id": "r"}, StreamContext(text="a b")))
    parsed = parse_sse(raw)
    assert [p["id"] for p in parsed] == ["1", "2", "3", "4", "5"]
    assert parsed[2]["event"] == "output_text.delta"
