"""Batched prompts and logprobs, judged through the official ``openai`` SDK over a real socket.

A legacy completion with a list of prompts gets ``n`` choices per prompt, each prompt's text
its own. ``logprobs`` is answered on the operations whose request schema declares it (the
APIs are found from their canonical specs, not named here) and left out on the others, as
those APIs would ignore it.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mock_llm_answers import _extra, _key_headers, _openai, _path, apis_marked

from gatewright.mock import create_app
from gatewright.spec import load_spec
from gatewright.spec.schemas import locate, properties
from gatewright.testing import serve_app

CHAT = apis_marked("openai-chat")
COMPLETIONS = apis_marked("openai-completions")
PROMPTS = ["Say hi", "Name a colour", "Count to three"]
# Text the request body's JSON can carry (no lone surrogates).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _request_schema(api: str, wire: str) -> str:
    """Where the JSON request schema of the API's operation answering like ``wire`` is."""
    op = next(op for op in load_spec(api).operations if op.compatible_wire == wire)
    return f"{op.pointer}/requestBody/content/application~1json/schema"


def _declares(api: str, wire: str, field: str) -> bool:
    """Whether the API's request schema for the wire's operation declares ``field``."""
    schema = {"$ref": f"#{_request_schema(api, wire)}"}
    return field in properties(load_spec(api).document, schema)


CHAT_LOGPROBS = [api for api in CHAT if _declares(api, "openai-chat", "logprobs")]
CHAT_WITHOUT = [api for api in CHAT if api not in CHAT_LOGPROBS]
COMPLETIONS_WITHOUT = [api for api in COMPLETIONS if not _declares(api, "openai-completions", "logprobs")]


def test_the_specs_declare_logprobs_where_expected() -> None:
    """Guards the parametrizations below against going empty when a spec changes."""
    assert "beatra" in CHAT_LOGPROBS and CHAT_WITHOUT
    assert COMPLETIONS and all(_declares(api, "openai-completions", "prompt") for api in COMPLETIONS)


# -- legacy completions: a batch of prompts --------------------------------------------------------


def _completions(base_url: str, api: str) -> tuple[openai.OpenAI, str, dict[str, Any]]:
    model, extra = _extra(api, "openai-completions", "prompt")
    return _openai(base_url, api, "openai-completions"), model, extra


@pytest.mark.parametrize("api", COMPLETIONS)
def test_completions_batch_answers_each_prompt_as_alone(base_url: str, api: str) -> None:
    client, model, extra = _completions(base_url, api)
    batch = client.completions.create(model=model, prompt=PROMPTS, n=2, extra_body=extra)
    assert [c.index for c in batch.choices] == list(range(len(PROMPTS) * 2))
    alone = [client.completions.create(model=model, prompt=p, n=2, extra_body=extra) for p in PROMPTS]
    assert [c.text for c in batch.choices] == [c.text for one in alone for c in one.choices]
    assert batch.usage is not None and all(one.usage is not None for one in alone)
    assert batch.usage.prompt_tokens == sum(one.usage.prompt_tokens for one in alone if one.usage)
    assert batch.usage.completion_tokens == sum(one.usage.completion_tokens for one in alone if one.usage)
    assert batch.usage.total_tokens == batch.usage.prompt_tokens + batch.usage.completion_tokens


@pytest.mark.parametrize("api", COMPLETIONS)
def test_completions_batch_streams_every_choice(base_url: str, api: str) -> None:
    client, model, extra = _completions(base_url, api)
    whole = client.completions.create(model=model, prompt=PROMPTS, n=2, extra_body=extra)
    texts: dict[int, str] = {}
    finishes: dict[int, list[str]] = {}
    for chunk in client.completions.create(model=model, prompt=PROMPTS, n=2, stream=True, extra_body=extra):
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + choice.text
            if choice.finish_reason is not None:
                finishes.setdefault(choice.index, []).append(choice.finish_reason)
    assert sorted(texts) == [c.index for c in whole.choices]
    assert [texts[c.index] for c in whole.choices] == [c.text for c in whole.choices]
    assert all(len(finishes[c.index]) == 1 for c in whole.choices)


@pytest.mark.parametrize("api", COMPLETIONS)
@EXAMPLES
@given(prompts=st.lists(TEXT, min_size=1, max_size=4), n=st.integers(1, 3))
def test_any_batch_gets_n_choices_per_prompt(base_url: str, api: str, prompts: list[str], n: int) -> None:
    client, model, extra = _completions(base_url, api)
    batch = client.completions.create(model=model, prompt=prompts, n=n, extra_body=extra)
    assert [c.index for c in batch.choices] == list(range(len(prompts) * n))
    blocks = [[c.text for c in batch.choices[i * n : (i + 1) * n]] for i in range(len(prompts))]
    first: dict[str, list[str]] = {}
    for prompt, block in zip(prompts, blocks, strict=True):
        assert first.setdefault(prompt, block) == block  # a prompt's texts come from that prompt alone
    assert batch.usage is not None
    assert batch.usage.total_tokens == batch.usage.prompt_tokens + batch.usage.completion_tokens


@pytest.mark.parametrize("api", COMPLETIONS_WITHOUT)
def test_completions_logprobs_left_out_where_undeclared(base_url: str, api: str) -> None:
    client, model, extra = _completions(base_url, api)
    asked = client.completions.create(model=model, prompt=PROMPTS, logprobs=2, extra_body=extra)
    plain = client.completions.create(model=model, prompt=PROMPTS, extra_body=extra)
    assert all(c.logprobs is None for c in asked.choices)
    assert [c.text for c in asked.choices] == [c.text for c in plain.choices]


def _check_completion_logprobs(text: str, logprobs: Any, top: int) -> None:
    assert logprobs is not None
    tokens, values = logprobs.tokens, logprobs.token_logprobs
    assert "".join(tokens) == text and len(values) == len(tokens)
    assert all(value <= 0 for value in values)
    offsets = logprobs.text_offset
    assert [text[at : at + len(token)] for at, token in zip(offsets, tokens, strict=True)] == tokens
    for token, value, likeliest in zip(tokens, values, logprobs.top_logprobs, strict=True):
        assert len(likeliest) == top
        if top:
            assert likeliest[token] == value == max(likeliest.values())


def test_completions_logprobs_where_the_spec_declares_them(tmp_path: Path) -> None:
    """A spec that declares legacy ``logprobs`` (the canonical ones do not) gets OpenAI's shape."""
    api = COMPLETIONS[0]
    document = copy.deepcopy(load_spec(api).document)
    found = locate(document, {"$ref": f"#{_request_schema(api, 'openai-completions')}"}, "", "")
    assert found is not None
    found[1]["properties"]["logprobs"] = {"type": "integer", "minimum": 0, "maximum": 5}
    path = tmp_path / f"{api}.openapi.json"
    path.write_text(json.dumps(document))
    model, extra = _extra(api, "openai-completions", "prompt")
    prefix = _path(api, "openai-completions").removesuffix("/completions")
    with (
        serve_app(create_app([api], spec_path=path, seed=7, access_log=False)) as url,
        openai.OpenAI(
            api_key="sk-test",
            base_url=f"{url}{prefix}",
            max_retries=0,
            default_headers=_key_headers(api, "openai-completions"),
        ) as client,
    ):
        whole = client.completions.create(model=model, prompt=PROMPTS[:2], n=2, logprobs=3, extra_body=extra)
        assert len(whole.choices) == 4
        for choice in whole.choices:
            _check_completion_logprobs(choice.text, choice.logprobs, 3)
        streamed: dict[int, list[Any]] = {}
        for chunk in client.completions.create(
            model=model, prompt=PROMPTS[:2], n=2, logprobs=3, stream=True, extra_body=extra
        ):
            for choice in chunk.choices:
                if choice.text:
                    assert choice.logprobs is not None and choice.logprobs.tokens == [choice.text]
                    streamed.setdefault(choice.index, []).append(choice.logprobs)
    for choice in whole.choices:
        assert choice.logprobs is not None
        pieces = streamed[choice.index]
        assert [p.tokens[0] for p in pieces] == choice.logprobs.tokens
        assert [p.token_logprobs[0] for p in pieces] == choice.logprobs.token_logprobs
        assert [p.text_offset[0] for p in pieces] == choice.logprobs.text_offset


# -- chat completions: logprobs --------------------------------------------------------------------


def _chat(base_url: str, api: str) -> tuple[openai.OpenAI, str, dict[str, Any]]:
    model, extra = _extra(api, "openai-chat", "messages")
    return _openai(base_url, api, "openai-chat"), model, extra


def _user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def _check_chat_logprobs(content: str | None, logprobs: Any, top: int) -> None:
    assert logprobs is not None and logprobs.content is not None
    assert "".join(entry.token for entry in logprobs.content) == (content or "")
    for entry in logprobs.content:
        assert entry.logprob <= 0 and entry.bytes == list(entry.token.encode())
        assert len(entry.top_logprobs) == top
        if top:
            likeliest = entry.top_logprobs[0]
            assert (likeliest.token, likeliest.logprob) == (entry.token, entry.logprob)
        values = [alternative.logprob for alternative in entry.top_logprobs]
        assert values == sorted(values, reverse=True) and sum(math.exp(v) for v in values) <= 1 + 1e-6


@pytest.mark.parametrize("api", CHAT_LOGPROBS)
def test_chat_logprobs_spell_the_content(base_url: str, api: str) -> None:
    client, model, extra = _chat(base_url, api)
    asked = client.chat.completions.create(
        model=model, messages=_user("Hello"), logprobs=True, top_logprobs=2, n=2, extra_body=extra
    )
    assert len(asked.choices) == 2
    for choice in asked.choices:
        _check_chat_logprobs(choice.message.content, choice.logprobs, 2)
    fewer = client.chat.completions.create(
        model=model, messages=_user("Hello"), logprobs=True, top_logprobs=0, n=2, extra_body=extra
    )
    plain = client.chat.completions.create(model=model, messages=_user("Hello"), n=2, extra_body=extra)
    assert [c.message.content for c in plain.choices] == [c.message.content for c in asked.choices]
    assert all(c.logprobs is None for c in plain.choices)
    for wide, narrow in zip(asked.choices, fewer.choices, strict=True):
        assert wide.logprobs is not None and narrow.logprobs is not None
        assert [(e.token, e.logprob) for e in wide.logprobs.content or []] == [
            (e.token, e.logprob) for e in narrow.logprobs.content or []
        ]  # how many alternatives are listed changes no token's own score
        assert all(not e.top_logprobs for e in narrow.logprobs.content or [])


@pytest.mark.parametrize("api", CHAT_LOGPROBS)
def test_chat_stream_chunks_carry_their_tokens_logprobs(base_url: str, api: str) -> None:
    client, model, extra = _chat(base_url, api)
    whole = client.chat.completions.create(
        model=model, messages=_user("Stream"), logprobs=True, top_logprobs=3, extra_body=extra
    )
    assert whole.choices[0].logprobs is not None
    streamed: list[Any] = []
    for chunk in client.chat.completions.create(
        model=model, messages=_user("Stream"), logprobs=True, top_logprobs=3, stream=True, extra_body=extra
    ):
        for choice in chunk.choices:
            if choice.delta.content:
                assert choice.logprobs is not None and choice.logprobs.content is not None
                assert [entry.token for entry in choice.logprobs.content] == [choice.delta.content]
                streamed.extend(choice.logprobs.content)
    expected = whole.choices[0].logprobs.content or []
    assert streamed and [e.model_dump() for e in streamed] == [e.model_dump() for e in expected]


@pytest.mark.parametrize("api", CHAT_LOGPROBS)
@EXAMPLES
@given(text=TEXT, top=st.integers(0, 20), n=st.integers(1, 3))
def test_any_chat_logprobs_request_is_scored(base_url: str, api: str, text: str, top: int, n: int) -> None:
    client, model, extra = _chat(base_url, api)
    asked = client.chat.completions.create(
        model=model, messages=_user(text), logprobs=True, top_logprobs=top, n=n, extra_body=extra
    )
    assert [c.index for c in asked.choices] == list(range(n))
    for choice in asked.choices:
        _check_chat_logprobs(choice.message.content, choice.logprobs, top)


@pytest.mark.parametrize("api", CHAT_WITHOUT)
def test_chat_logprobs_left_out_where_undeclared(base_url: str, api: str) -> None:
    client, model, extra = _chat(base_url, api)
    asked = client.chat.completions.create(
        model=model, messages=_user("Hello"), logprobs=True, top_logprobs=2, extra_body=extra
    )
    assert asked.choices[0].logprobs is None
    chunks = client.chat.completions.create(
        model=model, messages=_user("Hello"), logprobs=True, top_logprobs=2, stream=True, extra_body=extra
    )
    assert all(choice.logprobs is None for chunk in chunks for choice in chunk.choices)
