"""Replay matching without a socket: what a request is reduced to, and which recording it gets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gatewright.mock.control_store import ControlStore
from gatewright.mock.replay import IGNORED_FIELDS, Fixture, ReplayBook, RequestKey
from gatewright.mock.replay.matcher import body_key, describe_request, query_key, request_key
from gatewright.spec.recording import Payload, RecordedRequest, RecordedResponse, Recording

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the weather in Paris?"}]}


def _pick(book: ReplayBook, key: RequestKey, test_id: str | None) -> Fixture | None:
    """``ReplayBook.pick`` (which awaits the store's count) from a plain test."""
    return asyncio.run(book.pick(key, test_id))


def _key(body: Any, *, query: str = "", params: dict[str, str] | None = None) -> RequestKey:
    return request_key("empiriolabs", "createChatCompletion", params or {}, query, body)


# -- the body --------------------------------------------------------------------------------------------


def test_key_order_does_not_matter() -> None:
    shuffled = {"messages": CHAT["messages"], "model": CHAT["model"]}
    assert body_key(shuffled) == body_key(CHAT)


@pytest.mark.parametrize("field", sorted(IGNORED_FIELDS))
def test_per_call_fields_are_ignored(field: str) -> None:
    assert body_key({**CHAT, field: {"trace_id": "abc-123"}}) == body_key(CHAT)


@pytest.mark.parametrize(
    "change",
    [
        {"model": "gpt-4o"},
        {"seed": 7},
        {"stream": True},
        {"stream_options": {"include_usage": True}},
        {"temperature": 0.2},
        {"messages": [{"role": "user", "content": "What is the weather in Rome?"}]},
    ],
)
def test_fields_that_shape_the_answer_are_matched(change: dict[str, Any]) -> None:
    assert body_key({**CHAT, **change}) != body_key(CHAT)


def test_ignored_fields_are_ignored_only_at_the_top_level() -> None:
    nested = {**CHAT, "messages": [{"role": "user", "content": "Hi", "metadata": {"a": 1}}]}
    assert body_key(nested) != body_key({**CHAT, "messages": [{"role": "user", "content": "Hi"}]})


def test_credentials_compare_as_the_recording_wrote_them() -> None:
    # a recording's body is redacted: a live request with the real secret still matches it
    recorded = {"input": "x", "api_key": "[REDACTED]"}
    assert body_key({"input": "x", "api_key": "sk-live-123"}) == body_key(recorded)


def test_binary_bodies_compare_byte_for_byte() -> None:
    assert body_key(b"RIFF....") == body_key(b"RIFF....")
    assert body_key(b"RIFF....") != body_key(b"RIFF...!")
    assert body_key(None) != body_key({})


# -- path and query --------------------------------------------------------------------------------------


def test_query_parameters_match_in_any_order_with_credentials_hidden() -> None:
    assert query_key("a=1&b=2") == query_key("b=2&a=1")
    # as the recording hid them: the API's key parameters, and names like a credential's
    assert query_key("a=1&k=live", frozenset({"k"})) == query_key("a=1&k=%5Bredacted%5D", frozenset({"k"}))
    assert query_key("api_key=live") == query_key("api_key=[REDACTED]") == (("api_key", "[REDACTED]"),)
    assert query_key("a=1") != query_key("a=2")
    assert query_key("q=a%26b") == (("q", "a&b"),)  # decoded after splitting: an encoded & stays a value


def test_path_parameters_are_part_of_the_key() -> None:
    assert _key(None, params={"id": "file-1"}) != _key(None, params={"id": "file-2"})
    assert _key(None, params={"id": "file-1"}) == _key(None, params={"id": "file-1"})


# -- what a strict miss says ----------------------------------------------------------------------------


def test_a_miss_describes_the_chat_request() -> None:
    body = {**CHAT, "stream": True, "tools": [{"type": "function", "function": {"name": "f"}}]}
    text = describe_request(_key(body), body, "openai-chat")
    assert text == (
        "model 'gpt-4o-mini', 1 message, latest user message 'What is the weather in Paris?', "
        "1 tool, streaming"
    )


def test_a_miss_describes_other_requests_by_their_parts() -> None:
    key = _key({"prompt": "x"}, query="limit=2", params={"job_id": "j-1"})
    text = describe_request(key, {"prompt": "x" * 100, "size": "1k"}, None)
    assert text == "job_id=j-1, ?limit=2, body fields prompt, size"
    assert describe_request(_key(None), None, None) == "no body"
    long = {"model": "m", "input": "y" * 100}
    assert describe_request(_key(long), long, "openai-embeddings") == f"model 'm', input '{'y' * 47}…'"


# -- sequences -------------------------------------------------------------------------------------------


def _fixture(name: str, test_id: str | None = None) -> Fixture:
    recording = Recording(
        "empiriolabs",
        "createChatCompletion",
        RecordedRequest("POST", "/v1/chat/completions", body=Payload("json", CHAT)),
        RecordedResponse(200, body=Payload("json", {"id": name})),
        test_id=test_id,
    )
    return Fixture(name, recording)


def _picks(book: ReplayBook, count: int, test_id: str | None = None) -> list[str | None]:
    picked = [_pick(book, _key(CHAT), test_id) for _ in range(count)]
    return [fixture.name if fixture is not None else None for fixture in picked]


def test_recordings_of_one_request_play_in_order_and_the_last_repeats() -> None:
    store = ControlStore()
    book = ReplayBook([(_key(CHAT), _fixture(n)) for n in ("first", "second", "third")], store)
    assert _picks(book, 5) == ["first", "second", "third", "third", "third"]
    store.reset()  # what POST /__gatewright/reset does
    assert _picks(book, 2) == ["first", "second"]
    assert _pick(book, _key({**CHAT, "model": "other"}), None) is None


def test_a_test_id_prefers_its_own_recordings_and_keeps_its_own_place() -> None:
    fixtures = [_fixture("plain"), _fixture("a1", "t-a"), _fixture("a2", "t-a"), _fixture("b1", "t-b")]
    book = ReplayBook([(_key(CHAT), fixture) for fixture in fixtures], ControlStore())
    assert _picks(book, 2, "t-a") == ["a1", "a2"]
    assert _picks(book, 1, "t-b") == ["b1"]
    assert _picks(book, 1, None) == ["plain"]  # without x-test-id: the recordings made without one
    assert _picks(book, 3, "t-unknown") == ["plain", "a1", "a2"]  # no such group: every recording, in order
    assert _picks(book, 1, "t-a") == ["a2"]


def test_the_summary_counts_loaded_requests_and_skips() -> None:
    from gatewright.mock.replay import Skipped

    book = ReplayBook(
        [(_key(CHAT), _fixture("one")), (_key(CHAT), _fixture("two"))],
        ControlStore(),
        directory="rec",
        skipped=[Skipped("x.json", "nonconformant", "status 200 not documented")],
        strict=True,
    )
    assert book.summary() == (
        "replay: 2 recorded answers from rec (1 distinct request), strict: other requests get 404; "
        "1 fixture skipped: 1 nonconformant (replayed with --replay-nonconformant)"
    )
    assert book.recorded("empiriolabs", "createChatCompletion") == 2
    assert book.describe()["skipped"] == [
        {"fixture": "x.json", "reason": "nonconformant", "detail": "status 200 not documented"}
    ]
