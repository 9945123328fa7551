"""The output check's pieces: an event's fields as its schema reads them, one report per stream."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gatewright.mock.operations import compile_api
from gatewright.mock.outcome import EventCheck, check
from gatewright.mock.sse.events import SSEEvent, block_fields
from gatewright.spec import load_spec
from gatewright.spec.wires import OPENAI_CHAT, stream_shapes

EVENT_SCHEMA = "/paths/~1v1~1chat~1completions/post/responses/200/content/text~1event-stream/schema"


@pytest.mark.parametrize(
    ("block", "fields"),
    [
        ("data: [DONE]", {"data": "[DONE]"}),
        ("event: message_stop\ndata: {}", {"event": "message_stop", "data": "{}"}),
        ("id: 7\nretry: 3000\ndata:a\ndata: b", {"id": "7", "retry": 3000, "data": "a\nb"}),
        ("retry: soon\ndata: x\nunknown: y", {"data": "x"}),  # a retry that is not digits is ignored
        ("data:", {"data": ""}),  # an empty data line is still an event
        (": a comment", None),  # no data: no event is dispatched
        ("event: ping", None),
    ],
)
def test_block_fields_read_a_block_as_a_client_does(block: str, fields: dict[str, Any] | None) -> None:
    assert block_fields(block) == fields


def test_an_event_and_its_encoding_give_the_same_fields() -> None:
    event = SSEEvent('{"a": 1}', event="delta", id="3", retry=10)
    assert event.fields() == {"data": '{"a": 1}', "event": "delta", "id": "3", "retry": 10}
    assert block_fields(event.encode().decode().rstrip("\n")) == event.fields()


def test_one_stream_reports_its_first_failing_event_once(caplog: pytest.LogCaptureFixture) -> None:
    api = compile_api(load_spec("empiriolabs"), "empiriolabs", "", seed=1)
    stream = EventCheck(api, 200, EVENT_SCHEMA)
    with caplog.at_level(logging.WARNING, logger="gatewright.mock"):
        for fields in ({"data": "ok"}, None, {"data": 1}, {"data": 2}, {"data": "ok", "retry": -1}):
            stream(fields)
    [record] = caplog.records
    assert record.getMessage() == (
        f'empiriolabs: the mock\'s 200 stream event 2 fails {EVENT_SCHEMA}: /data: 1 is not of type "string"'
    )
    assert stream.failed and stream.events == 2  # the rest of the stream was not looked at
    assert check(api, 200, EVENT_SCHEMA, {"data": "x", "id": "1"})


def test_a_stream_event_is_held_to_its_wire_event_shape(caplog: pytest.LogCaptureFixture) -> None:
    """The spec's one schema for every event says only ``data`` is a string; the wire's data file says
    what a chat chunk holds, and a chunk the SDK could not parse is reported (the terminator passes)."""
    api = compile_api(load_spec("empiriolabs"), "empiriolabs", "", seed=1)
    stream = EventCheck(api, 200, EVENT_SCHEMA, shapes=stream_shapes(OPENAI_CHAT.name))
    good = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}'
    with caplog.at_level(logging.WARNING, logger="gatewright.mock"):
        for data in (good, "[DONE]"):
            stream({"data": data})
        assert not stream.failed and not caplog.records
        stream({"data": '{"object":"chat.completion.chunk","choices":"no"}'})
        stream({"data": "not even JSON"})
    [record] = caplog.records
    assert record.getMessage().startswith(
        "empiriolabs: the mock's 200 stream event 3 breaks its wire's event shape:"
    )
    assert "chat.completion.chunk" in record.getMessage()
    assert stream.failed and stream.events == 3
