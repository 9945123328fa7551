"""A passed stream split into its raw event blocks and judged with verify's stream validators."""

from __future__ import annotations

import json

from gatewright.proxy.streams import event_blocks, judge_stream

CHUNK = json.dumps({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}}]})


def test_blocks_are_kept_raw_and_a_partial_block_is_left_out() -> None:
    data = f'event: x\r\ndata: {CHUNK}\r\n\r\n: comment\n\ndata: [DONE]\n\ndata: {{"par'.encode()
    assert event_blocks(data) == [f"event: x\r\ndata: {CHUNK}", ": comment", "data: [DONE]"]


def test_a_complete_openai_stream_is_clean() -> None:
    assert judge_stream("openai-chat", [f"data: {CHUNK}", ": keep-alive", "data: [DONE]"], True) == []


def test_a_chunk_of_the_wrong_shape_names_the_event() -> None:
    bad = json.dumps({"id": "c", "object": "chat.completion", "choices": []})
    [failure] = judge_stream("openai-chat", [f"data: {CHUNK}", f"data: {bad}", "data: [DONE]"], True)
    assert failure.check == "stream_chunks" and "event 2" in failure.message


def test_a_cut_stream_and_a_missing_terminal_event_are_stream_terminates() -> None:
    [cut] = judge_stream("openai-chat", [f"data: {CHUNK}"], complete=False)
    [unended] = judge_stream("openai-chat", [f"data: {CHUNK}"], complete=True)
    assert (cut.check, cut.title) == ("stream_terminates", "Stream cut short")
    assert (unended.check, unended.title) == ("stream_terminates", "Stream closed without its terminal event")


def test_a_stream_beyond_the_capture_limit_is_judged_only_as_far_as_seen() -> None:
    assert judge_stream("openai-chat", [f"data: {CHUNK}"], complete=True, judged_all=False) == []


def test_a_generic_stream_may_end_by_closing() -> None:
    assert judge_stream("ipop-agent-events", ['data: {"a": 1}'], True) == []
    [empty] = judge_stream("generic", [], True)
    assert empty.check == "stream_chunks"


def _responses(kind: str) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind})}"


def test_a_responses_stream_ends_with_response_completed_and_not_with_done() -> None:
    created = _responses("response.created")
    assert judge_stream("openai-responses", [created, _responses("response.completed")], True) == []
    assert (
        judge_stream("openai-responses", [created, _responses("response.failed"), "data: [DONE]"], True) == []
    )
    [unended] = judge_stream("openai-responses", [created, "data: [DONE]"], True)
    assert unended.check == "stream_terminates" and "[DONE]" not in unended.message
    assert "response.completed" in unended.message
