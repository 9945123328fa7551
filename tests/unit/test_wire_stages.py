"""Every stage registers against the wire registry (``spec.wires.WIRES``), and only against it.

A wire that streams has a mock stream writer, a verify stream validator and a proxy stream judge;
a vendor wire whose answers are an ``Answer`` has a mock renderer and a verify compatibility reader.
The streams the mock writes are the events the wire's data describes (``Wire.data.stream``), and verify
and the proxy judge them clean.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from gatewright.conformance import compat_read, stream_formats
from gatewright.conformance.sse import ServerEvent, parse_events
from gatewright.conformance.stream_formats import StreamState, validator_for
from gatewright.mock import streaming
from gatewright.mock.answers.wire import RENDERERS
from gatewright.mock.streaming import SSEEvent, StreamContext, get_format
from gatewright.proxy.streams import event_blocks, judge_stream
from gatewright.spec.answers import Answer, Choice, Finish, TokenLogprob, ToolCall
from gatewright.spec.wires import (
    EMPIRIOLABS_SPEECH,
    IPOP_AGENT_EVENTS,
    OPENAI_COMPLETIONS,
    OPENAI_EMBEDDINGS,
    WIRES,
    Wire,
    missing_stream_end,
)

STREAMED = sorted(name for name, wire in WIRES.items() if wire.streams)
VENDOR = {name for name, wire in WIRES.items() if wire.vendor is not None}
# Embeddings answer vectors, not an ``Answer``: the mock's ``embeddings_body`` and verify's
# ``CompatibilityCheck._embeddings`` handle them outside the renderer and reader tables.
ANSWERED = VENDOR - {OPENAI_EMBEDDINGS.name}

STAGE_TABLES: dict[str, Mapping[str, object]] = {
    "mock stream writers (mock.streaming.FORMATS)": streaming.FORMATS,
    "mock answer renderers (mock.answers.wire.RENDERERS)": RENDERERS,
    "verify stream validators (conformance.stream_formats.FORMATS)": stream_formats.FORMATS,
    "verify compatibility readers (conformance.compat_read.READERS)": compat_read.READERS,
}


@pytest.mark.parametrize("stage", sorted(STAGE_TABLES))
def test_a_stage_names_only_registered_wires(stage: str) -> None:
    assert set(STAGE_TABLES[stage]) - set(WIRES) == set(), f"{stage} names wires spec.wires lacks"


def test_every_streamed_wire_has_a_mock_writer_and_a_verify_validator() -> None:
    assert sorted(streaming.FORMATS) == STREAMED
    assert sorted(stream_formats.FORMATS) == STREAMED


def test_every_answered_vendor_wire_has_a_mock_renderer_and_a_verify_reader() -> None:
    assert set(RENDERERS) == ANSWERED
    assert set(compat_read.READERS) == ANSWERED


@pytest.mark.parametrize("name", STREAMED)
def test_the_proxy_judges_each_streamed_wire_with_verify_s_validator(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def spy(event: ServerEvent, state: StreamState) -> str | None:
        seen.append(event.data)
        return None

    monkeypatch.setitem(stream_formats.FORMATS, name, spy)
    judge_stream(name, ['data: {"x": 1}'], complete=True)
    assert seen == ['{"x": 1}'], "the proxy judged the stream with another validator"


def test_the_mock_registers_writers_only_for_registered_wires_that_stream() -> None:
    with pytest.raises(ValueError, match="not a registered wire"):
        streaming.register(Wire("openai-chat"), get_format("openai-chat"))  # not the registered object
    with pytest.raises(ValueError, match="not a registered wire that streams"):
        streaming.register(OPENAI_EMBEDDINGS, get_format("openai-chat"))


# -- what the mock writes, against the wire's data, verify and the proxy ----------------------------------


def _answers(wire: str) -> Iterator[Answer]:
    """Answers of every kind the wire carries: text, a length cut, tool calls, several choices, logprobs."""
    scored = (TokenLogprob("Hi ", -0.1, (("Hi ", -0.1), ("Hey ", -2.0))), TokenLogprob("there", -0.2))
    call = ToolCall("c1", "get_weather", {"city": "Paris", "days": [1, 2]})
    yield Answer("a1", 1_767_225_600, "m", (Choice("Hello there,  world!\n✓", tokens=5),), 7)
    yield Answer("a2", 1_767_225_600, "m", (Choice("cut", finish=Finish.LENGTH, tokens=1),), 7)
    yield Answer("a3", 1_767_225_600, "m", (Choice("Hi there", tokens=2, logprobs=scored),), 7)
    yield Answer("a4", 1_767_225_600, "m", (Choice("one", tokens=1), Choice("two", tokens=1)), 7)
    if wire != OPENAI_COMPLETIONS.name:  # a legacy completion calls no tools
        yield Answer("a5", 1_767_225_600, "m", (Choice(None, (call,), Finish.TOOL_CALLS, tokens=4),), 7)
        yield Answer("a6", 1_767_225_600, "m", (Choice("Looking.", (call,), Finish.TOOL_CALLS, tokens=6),), 7)


def _streams(name: str) -> Iterator[list[SSEEvent]]:
    """The streams the mock writes for ``name`` over representative bodies."""
    write = get_format(name)
    if name in RENDERERS:
        for answer in _answers(name):
            for request in ({}, {"stream_options": {"include_usage": True}}):
                yield list(write(RENDERERS[name](answer, request), StreamContext(request=request)))
    elif name == IPOP_AGENT_EVENTS.name:
        yield list(write({"request_id": "turn_1"}, StreamContext(text="The agent is done.")))
        yield list(write({"request_id": "turn_1", "lifecycle": "failed"}, StreamContext(text="x")))
        yield list(write({}, StreamContext(text="a b", lifecycle=("queued", "warming"))))
        yield list(
            write(
                {},
                StreamContext(text="a b", lifecycle=("queued", "warming", "completed"), outcome="succeeded"),
            )
        )
        yield list(
            write(
                {},
                StreamContext(text="a b", lifecycle=("queued", "warming", "canceled"), outcome="cancelled"),
            )
        )
    elif name == EMPIRIOLABS_SPEECH.name:
        yield list(
            write(
                {"url": "http://127.0.0.1/a.wav"},
                StreamContext(request={"input": "Hello", "output_format": "MP3"}),
            )
        )
        yield list(write({}, StreamContext(chunk_bytes=1000)))
    else:
        pytest.fail(f"no representative bodies for the streamed wire {name!r}: add them here")


@pytest.mark.parametrize("name", STREAMED)
def test_every_event_the_mock_writes_is_an_event_of_its_wire_s_data(name: str) -> None:
    shapes = WIRES[name].data.stream
    assert shapes is not None
    for events in _streams(name):
        for number, event in enumerate(events, start=1):
            assert shapes.problem(event.data, event.event) is None, (number, event.data)
            if not shapes.is_terminator(event.data):
                assert shapes.event_of(json.loads(event.data)) is not None, f"an unlisted event: {event.data}"
        last = events[-1]
        payload = None if shapes.is_terminator(last.data) else json.loads(last.data)
        if shapes.end is not None and not _runs_on(name, events):
            assert shapes.is_last(last.data, payload), "the mock's stream does not end with its last event"


def _runs_on(name: str, events: list[SSEEvent]) -> bool:
    """An agent turn still running: its stream stays open for what comes next."""
    return name == IPOP_AGENT_EVENTS.name and '"final":true' not in events[-1].data


def _wire_bytes(events: list[SSEEvent]) -> bytes:
    return b"".join(event.encode() for event in events)


@pytest.mark.parametrize("name", STREAMED)
def test_verify_and_the_proxy_judge_the_mock_s_streams_clean(name: str) -> None:
    for events in _streams(name):
        raw = _wire_bytes(events)
        validate, state = validator_for(name), StreamState()
        for event in parse_events(raw.decode().split("\n")):
            state.events += 1
            assert validate(event, state) is None, event.data
        assert state.events == len(events)
        if not _runs_on(name, events):
            assert missing_stream_end(name, state.done) is None
            assert judge_stream(name, event_blocks(raw), complete=True) == []


def _speech(*payloads: Any) -> list[str | None]:
    validate, state = validator_for(EMPIRIOLABS_SPEECH.name), StreamState()
    data = [p if isinstance(p, str) else json.dumps(p) for p in payloads]
    return [validate(ServerEvent("message", item), state) for item in data]


CHUNK = {
    "type": "audio.chunk",
    "seq": 0,
    "audio_b64": "AAA=",
    "format": "pcm",
    "sample_rate": 24000,
    "elapsed_ms": 9,
}
DONE_EVENT = {"type": "audio.done", "url": "u", "duration_seconds": 0.1, "usage": {}}


def test_verify_judges_speech_events_by_their_documented_shapes() -> None:
    assert _speech(CHUNK, DONE_EVENT, "[DONE]") == [None, None, None]
    [missing] = _speech({key: value for key, value in CHUNK.items() if key != "audio_b64"})
    assert missing is not None and "audio_b64" in missing
    [unknown] = _speech({"type": "audio.unknown"})
    assert unknown is not None and "unknown event type 'audio.unknown'" in unknown
    *_, after = _speech(CHUNK, "[DONE]", CHUNK)
    assert after is not None and "after the stream's last event" in after


def test_verify_judges_agent_turn_events_as_json_only() -> None:
    """ipop documents only the transport: a server's own event shapes are not findings."""
    validate, state = validator_for(IPOP_AGENT_EVENTS.name), StreamState()
    assert validate(ServerEvent("whatever", '{"a": 1}'), state) is None
    assert validate(ServerEvent("message", "not json"), state) is not None
