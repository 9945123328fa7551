"""A key a gateway streams back in pieces is hidden from recordings like a key sent whole."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gatewright.conformance.redact import REDACTED
from gatewright.proxy.redaction import scrub_events, scrub_stream_text

SECRET = "sk-live-SECRET1234567890"


def _chunk(content: str, index: int = 0) -> str:
    delta = {"choices": [{"index": index, "delta": {"content": content}, "finish_reason": None}]}
    return f"data: {json.dumps(delta)}"


def _text(events: tuple[str, ...], index: int = 0) -> str:
    """The text a client joins from the chat chunks of choice ``index``."""
    joined = ""
    for block in events:
        data: dict[str, Any] = json.loads(block.removeprefix("data: "))
        joined += "".join(c["delta"].get("content", "") for c in data["choices"] if c["index"] == index)
    return joined


@given(
    cuts=st.lists(st.integers(min_value=1, max_value=len(SECRET) - 1), unique=True, max_size=6),
    before=st.text(alphabet="abc ", max_size=8),
    after=st.text(alphabet="xyz .", max_size=8),
)
def test_a_key_split_over_any_deltas_is_hidden(cuts: list[int], before: str, after: str) -> None:
    bounds = [0, *sorted(cuts), len(SECRET)]
    pieces = [SECRET[a:b] for a, b in itertools.pairwise(bounds)]
    events = (_chunk(before), *(_chunk(p) for p in pieces), _chunk(after), "data: [DONE]")
    scrubbed = scrub_events(events, [SECRET])
    assert _text(scrubbed[:-1]) == f"{before}{REDACTED}{after}"  # the rest of the text as it was
    assert scrubbed[-1] == "data: [DONE]"
    assert all(piece not in block for block in scrubbed for piece in pieces if len(piece) > 3)


def test_other_choices_and_untouched_events_are_kept_byte_for_byte() -> None:
    events = (
        _chunk("sk-live-SEC", 0),
        _chunk("no secret here", 1),
        _chunk("RET1234567890!", 0),
        "event: ping\ndata: {}",
    )
    scrubbed = scrub_events(events, [SECRET, "short"])
    assert _text(scrubbed[:3], 0) == f"{REDACTED}!" and _text(scrubbed[:3], 1) == "no secret here"
    assert scrubbed[1] == events[1] and scrubbed[3] == events[3]


def test_events_without_a_key_are_returned_as_they_came() -> None:
    events = (_chunk("sk-live-"), _chunk("other"), "data: not json")
    assert scrub_events(events, [SECRET]) is events


def test_an_anthropic_text_block_streamed_in_pieces_is_hidden() -> None:
    def delta(text: str, index: int) -> str:
        data = {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}
        return f"event: content_block_delta\ndata: {json.dumps(data)}"

    events = (delta("key: sk-live-", 0), delta("other block", 1), delta("SECRET1234567890", 0))
    scrubbed = scrub_events(events, [SECRET])
    texts = [json.loads(block.split("\ndata: ")[1])["delta"]["text"] for block in scrubbed]
    assert texts == [f"key: {REDACTED}", "other block", ""]
    assert all(block.startswith("event: content_block_delta\n") for block in scrubbed)


def test_an_event_at_the_same_place_that_held_no_piece_is_kept_byte_for_byte() -> None:
    events = (_chunk("hello "), _chunk("sk-live-SECRET"), _chunk("1234567890"))
    scrubbed = scrub_events(events, [SECRET])
    assert scrubbed[0] == events[0]  # not re-serialized: its text did not change
    assert _text(scrubbed) == f"hello {REDACTED}"


def test_a_streamed_body_as_text_is_scrubbed_event_by_event() -> None:
    text = "\r\n\r\n".join([_chunk("key sk-live-SEC"), _chunk("RET1234567890"), "data: [DONE]"]) + "\r\n\r\n"
    scrubbed = scrub_stream_text(text, [SECRET])
    assert "SEC" not in scrubbed.replace(REDACTED, "") and REDACTED in scrubbed
    assert scrub_stream_text("data: [DONE]\n\n", [SECRET]) == "data: [DONE]\n\n"  # nothing hidden: as it came


def test_an_event_whose_json_spans_several_data_lines_is_read_as_a_client_joins_them() -> None:
    first = _chunk("key sk-live-SEC")
    head, _, rest = first.partition('"delta"')
    split = f'{head}\ndata: "delta"{rest}'  # one event, its JSON over two data lines (SSE joins them)
    scrubbed = scrub_events(("event: chunk\n" + split, _chunk("RET1234567890")), [SECRET])
    assert scrubbed[0].startswith("event: chunk\ndata: ") and scrubbed[0].count("data:") == 1
    assert _text((scrubbed[0].removeprefix("event: chunk\n"), scrubbed[1])) == f"key {REDACTED}"
