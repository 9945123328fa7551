"""The one stream-end judge (``spec.wires``), wire by wire."""

from __future__ import annotations

import json

import pytest

from gatewright.spec.wires import STREAMED, is_stream_end, missing_stream_end, stream_end_words


@pytest.mark.parametrize("wire", ["openai-chat", "openai-completions"])
def test_openai_chat_and_completions_end_with_done(wire: str) -> None:
    assert is_stream_end(wire, "[DONE]") and is_stream_end(wire, " [DONE] ")
    assert not is_stream_end(wire, '{"object": "chat.completion.chunk"}', "message")
    assert stream_end_words(wire) == "data: [DONE]"
    assert missing_stream_end(wire, ended=False) == f"{wire} streams end with data: [DONE]"


@pytest.mark.parametrize("kind", ["response.completed", "response.failed", "response.incomplete"])
def test_openai_responses_ends_with_its_terminal_event(kind: str) -> None:
    assert is_stream_end("openai-responses", json.dumps({"type": kind}), kind)


def test_openai_responses_does_not_end_with_done() -> None:
    assert not is_stream_end("openai-responses", "[DONE]")
    assert not is_stream_end("openai-responses", "{}", "response.output_text.delta")
    words = stream_end_words("openai-responses")
    assert "[DONE]" not in words and "response.completed" in words
    assert "response.failed" in words and "response.incomplete" in words


def test_anthropic_messages_ends_with_message_stop() -> None:
    assert is_stream_end("anthropic-messages", '{"type": "message_stop"}', "message_stop")
    assert not is_stream_end("anthropic-messages", "[DONE]")
    assert not is_stream_end("anthropic-messages", "{}", "message_delta")
    assert (
        missing_stream_end("anthropic-messages", ended=False)
        == "anthropic-messages streams end with message_stop"
    )


@pytest.mark.parametrize("fmt", ["ipop-agent-events", "empiriolabs-speech", "generic"])
def test_api_specific_formats_end_by_closing(fmt: str) -> None:
    assert fmt not in STREAMED
    assert not is_stream_end(fmt, "[DONE]", "audio.done")
    assert missing_stream_end(fmt, ended=False) is None


def test_an_ended_stream_breaks_no_rule() -> None:
    assert all(missing_stream_end(wire, ended=True) is None for wire in STREAMED)
