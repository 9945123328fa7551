"""Batched prompts and logprobs without sockets: reading them, scoring tokens, the bodies, the streams.

Rendered bodies are parsed with the official SDK's own types; streamed chunks are read back
from the events the stream formats write.
"""

from __future__ import annotations

import json
import math
from typing import Any

import openai.types
import openai.types.chat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatewright.mock.answers import RENDERERS, Composer, read_prompt
from gatewright.mock.answers.text import token_logprobs
from gatewright.mock.streaming.openai import chat_completion_events, completion_events
from gatewright.mock.streaming.registry import StreamContext


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Say hi", ("Say hi",)),
        (["Say hi", "Bye"], ("Say hi", "Bye")),
        ([1, 2, 3], ("1 2 3",)),  # one token array is one prompt
        ([[1, 2], [3]], ("1 2", "3")),
    ],
    ids=["string", "strings", "token-array", "token-arrays"],
)
def test_completion_prompts_are_read_one_per_prompt(prompt: Any, expected: tuple[str, ...]) -> None:
    read = read_prompt("openai-completions", {"prompt": prompt})
    assert read.batch == expected and read.messages == len(expected)


@pytest.mark.parametrize(
    ("wire", "fields", "expected"),
    [
        ("openai-chat", {"logprobs": True, "top_logprobs": 3}, 3),
        ("openai-chat", {"logprobs": True}, 0),
        ("openai-chat", {"logprobs": False, "top_logprobs": 3}, None),
        ("openai-chat", {"top_logprobs": 3}, None),
        ("openai-completions", {"logprobs": 2}, 2),
        ("openai-completions", {"logprobs": 0}, 0),
        ("openai-completions", {"logprobs": None}, None),
        ("openai-completions", {"logprobs": True}, None),
    ],
)
def test_logprobs_are_read_per_wire(wire: str, fields: dict[str, Any], expected: int | None) -> None:
    assert read_prompt(wire, fields).logprobs == expected


def test_a_one_prompt_batch_answers_as_the_string_prompt_does() -> None:
    composer = Composer(seed=3)
    alone = composer.answer(read_prompt("openai-completions", {"prompt": "Hi", "n": 2}))
    batch = composer.answer(read_prompt("openai-completions", {"prompt": ["Hi"], "n": 2}))
    assert batch.choices == alone.choices and batch.prompt_tokens == alone.prompt_tokens


@settings(max_examples=80, deadline=None)
@given(prompts=st.lists(st.text(max_size=20), min_size=1, max_size=4), n=st.integers(1, 3))
def test_a_batch_answers_each_prompt_as_alone(prompts: list[str], n: int) -> None:
    composer = Composer(seed=5)
    batch = composer.answer(read_prompt("openai-completions", {"prompt": prompts, "n": n}))
    alone = [composer.answer(read_prompt("openai-completions", {"prompt": p, "n": n})) for p in prompts]
    assert batch.choices == tuple(choice for one in alone for choice in one.choices)
    assert batch.prompt_tokens == sum(one.prompt_tokens for one in alone)


def test_a_scripted_batch_gets_n_choices_per_prompt() -> None:
    prompt = read_prompt("openai-completions", {"prompt": ["a", "b", "c"], "n": 2, "logprobs": 1})
    answer = Composer(seed=1).scripted(prompt, text="Scripted reply.")
    assert len(answer.choices) == 6
    assert all(c.logprobs is not None and c.logprobs[0].token == "Scripted " for c in answer.choices)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60), top=st.integers(0, 20), seed=st.text(max_size=4))
def test_token_logprobs_score_the_text(text: str, top: int, seed: str) -> None:
    scored = token_logprobs(text, top, seed)
    assert "".join(t.token for t in scored) == text
    assert scored == token_logprobs(text, top, seed)  # the same text, the same numbers
    for token in scored:
        assert token.logprob <= 0 and len(token.top) == top
        assert len({name for name, _ in token.top}) == top  # the alternatives are other tokens
        if top:
            assert token.top[0] == (token.token, token.logprob)
        values = [value for _, value in token.top]
        assert values == sorted(values, reverse=True) and sum(math.exp(v) for v in values) <= 1 + 1e-6


def test_without_logprobs_asked_the_bodies_have_none() -> None:
    for wire, fields in (
        ("openai-chat", {"messages": [{"role": "user", "content": "Hi"}]}),
        ("openai-completions", {"prompt": "Hi"}),
    ):
        body = RENDERERS[wire](Composer(seed=1).answer(read_prompt(wire, fields)), fields)
        assert all("logprobs" not in choice for choice in body["choices"])


def _chat_body(top: int) -> dict[str, Any]:
    request = {"messages": [{"role": "user", "content": "Hi"}], "logprobs": True, "top_logprobs": top}
    return RENDERERS["openai-chat"](Composer(seed=1).answer(read_prompt("openai-chat", request)), request)


def _completion_body(prompts: list[str], top: int) -> dict[str, Any]:
    request = {"prompt": prompts, "logprobs": top}
    answer = Composer(seed=1).answer(read_prompt("openai-completions", request))
    return RENDERERS["openai-completions"](answer, request)


def test_chat_body_logprobs_parse_and_spell_the_content() -> None:
    completion = openai.types.chat.ChatCompletion.model_validate(_chat_body(2))
    choice = completion.choices[0]
    assert choice.logprobs is not None and choice.logprobs.content
    assert "".join(t.token for t in choice.logprobs.content) == choice.message.content
    assert all(
        len(t.top_logprobs) == 2 and t.bytes == list(t.token.encode()) for t in choice.logprobs.content
    )


def test_completion_body_logprobs_parse_and_point_into_the_text() -> None:
    completion = openai.types.Completion.model_validate(_completion_body(["Hi", "Bye"], 3))
    assert [c.index for c in completion.choices] == [0, 1]
    for choice in completion.choices:
        logprobs = choice.logprobs
        assert logprobs is not None and logprobs.tokens and logprobs.text_offset and logprobs.top_logprobs
        assert "".join(logprobs.tokens) == choice.text
        for at, token, top in zip(logprobs.text_offset, logprobs.tokens, logprobs.top_logprobs, strict=True):
            assert choice.text[at : at + len(token)] == token and len(top) == 3 and token in top


def _chunks(events: Any) -> list[dict[str, Any]]:
    return [json.loads(event.data) for event in events if event.data != "[DONE]"]


def test_chat_stream_sends_one_scored_token_per_chunk() -> None:
    body = _chat_body(1)
    chunks = _chunks(chat_completion_events(body, StreamContext(request={})))
    scored = [c["choices"][0] for c in chunks if c["choices"][0]["delta"].get("content")]
    assert [s["logprobs"]["content"][0] for s in scored] == body["choices"][0]["logprobs"]["content"]
    assert all(s["delta"]["content"] == s["logprobs"]["content"][0]["token"] for s in scored)


def test_completion_stream_sends_each_choice_its_scored_tokens() -> None:
    body = _completion_body(["Hi", "Bye"], 2)
    chunks = _chunks(completion_events(body, StreamContext(request={})))
    for choice in body["choices"]:
        mine = [c["choices"][0] for c in chunks if c["choices"][0]["index"] == choice["index"]]
        pieces = [c for c in mine if c["text"]]
        for name in ("tokens", "token_logprobs", "top_logprobs", "text_offset"):
            streamed = [value for piece in pieces for value in piece["logprobs"][name]]
            assert streamed == choice["logprobs"][name]
        assert mine[-1]["logprobs"] is None and mine[-1]["finish_reason"] == choice["finish_reason"] == "stop"
