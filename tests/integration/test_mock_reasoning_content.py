"""A thinking model's chain of thought in ``reasoning_content``, judged through the official ``openai`` SDK.

Where a spec's prose names the models that think aloud (beatra: DeepSeek-Reasoner, GLM-Z1, Kimi
K2-thinking, Hunyuan-T1, Doubao-thinking, the OpenAI o-series; imarouter: the MiniMax M series and
``kimi-for-coding``), the chat answer for such a model carries the chain in ``message.reasoning_content``
(streamed as ``delta.reasoning_content`` after the role and before the text). Its tokens are billed in
``completion_tokens`` and spent inside ``max_tokens`` before the text, so a small limit leaves the content
empty with ``length``, as imarouter's notes warn. Other models get no such field at all. The SDK declares
no ``reasoning_content``: it reads it as an extra (``model_extra``, attribute access).

Billing is judged without counting tokens here: a limit of exactly ``completion_tokens`` lets the answer
through whole, one less cuts it, and every limit is kept.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import openai
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdk_clients import openai_client

MOCK_OPTIONS = {"apis": ["beatra", "imarouter"], "seed": 7}
QUESTION: Any = [{"role": "user", "content": "How far is the Moon?"}]


def _ask(client: openai.OpenAI, model: str, **options: Any) -> Any:
    return client.chat.completions.create(model=model, messages=QUESTION, **options)


def _reasoning(message: Any) -> str:
    """The chain of thought as the SDK shows a field it does not declare: in ``model_extra`` and as an
    attribute, the same string both ways."""
    extra = message.model_extra or {}
    assert "reasoning_content" in extra, message
    assert message.reasoning_content == extra["reasoning_content"]
    assert isinstance(extra["reasoning_content"], str)
    return str(extra["reasoning_content"])


def _raw_message(client: openai.OpenAI, model: str) -> dict[str, Any]:
    """The first choice's message as the mock sent it (the JSON, before the SDK's model)."""
    raw = client.chat.completions.with_raw_response.create(model=model, messages=QUESTION)
    message: dict[str, Any] = json.loads(raw.text)["choices"][0]["message"]
    return message


# -- the answer --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["deepseek-reasoner", "o3-mini", "glm-z1-air"])
def test_a_beatra_thinking_model_shows_its_chain_of_thought(mock_url: str, model: str) -> None:
    with openai_client(mock_url, "beatra") as client:
        whole = _ask(client, model)
        message = whole.choices[0].message
        reasoning, content = _reasoning(message), message.content
        # A limit of exactly the billed tokens lets the very same answer through: nothing was billed that
        # the limit does not count (reasoning included).
        exact = _ask(client, model, max_tokens=whole.usage.completion_tokens)
        # One token less cuts the text, not the chain before it: the chain is counted first.
        short = _ask(client, model, max_tokens=whole.usage.completion_tokens - 1)
    assert reasoning.strip() and content and content.strip(), message
    assert reasoning != content
    assert whole.choices[0].finish_reason == "stop"
    usage = whole.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, usage
    assert exact.choices[0].finish_reason == "stop", exact.choices[0]
    assert exact.choices[0].message.content == content
    assert _reasoning(exact.choices[0].message) == reasoning
    assert exact.usage.completion_tokens == usage.completion_tokens
    assert short.choices[0].finish_reason == "length", short.choices[0]
    assert _reasoning(short.choices[0].message) == reasoning
    cut = short.choices[0].message.content
    assert cut is not None and content.startswith(cut) and len(cut) < len(content), cut
    assert short.usage.completion_tokens == usage.completion_tokens - 1, short.usage


def test_the_chain_is_billed_beside_the_text(mock_url: str) -> None:
    """The limit at which the text is first cut to nothing is the chain's own count: the chain whole, no
    text, all of the limit billed; the text's tokens are what the full answer bills beyond it."""
    with openai_client(mock_url, "beatra") as client:
        whole = _ask(client, "deepseek-reasoner")
        total = whole.usage.completion_tokens
        answers = {
            limit: _ask(client, "deepseek-reasoner", max_tokens=limit) for limit in range(1, total + 1)
        }
    reasoning, content = _reasoning(whole.choices[0].message), whole.choices[0].message.content
    empty = [limit for limit, answer in answers.items() if answer.choices[0].message.content == ""]
    thought = max(empty)  # the chain's tokens: the largest limit that leaves no text
    assert empty == list(range(1, thought + 1)), empty  # every smaller limit leaves none either
    assert _reasoning(answers[thought].choices[0].message) == reasoning  # the chain whole at that limit
    assert _reasoning(answers[thought - 1].choices[0].message) != reasoning  # and cut below it
    assert 0 < thought < total
    # The text alone bills what is left: each token of limit past the chain lets one more token of it in.
    words = [answers[limit].choices[0].message.content for limit in range(thought + 1, total + 1)]
    assert words[-1] == content
    assert all(a and b.startswith(a) and len(a) < len(b) for a, b in itertools.pairwise(words))
    assert all(answers[limit].usage.completion_tokens == limit for limit in range(1, total + 1))
    # The usage states the chain's tokens as reasoning tokens (as DeepSeek's does): the count measured here.
    assert whole.usage.completion_tokens_details.reasoning_tokens == thought, whole.usage


def test_a_thinking_model_asked_for_effort_keeps_the_limit(mock_url: str) -> None:
    """An o-series model shows its chain and bills the effort's hidden reasoning too: both are spent before
    the text, inside ``max_completion_tokens``. The code before billed the shown chain only where no limit
    cut the answer: with one, it dropped the chain from the bill and the text was cut to what the hidden
    reasoning alone left (a whole text with ``length``, 99 tokens billed of a limit of 132)."""
    with openai_client(mock_url, "beatra") as client:
        chain_only = _ask(client, "o3-mini")
        whole = _ask(client, "o3-mini", reasoning_effort="low")
        total = whole.usage.completion_tokens
        exact = _ask(client, "o3-mini", reasoning_effort="low", max_completion_tokens=total)
        cut = {
            limit: _ask(client, "o3-mini", reasoning_effort="low", max_completion_tokens=limit)
            for limit in (total - 1, total - 20, 10)
        }
    reasoning, content = _reasoning(whole.choices[0].message), whole.choices[0].message.content
    shown = chain_only.usage.completion_tokens_details.reasoning_tokens  # the chain alone (same prompt)
    assert content and shown > 0 and whole.usage.completion_tokens_details.reasoning_tokens == shown + 64
    assert exact.choices[0].finish_reason == "stop", exact.choices[0]
    assert exact.choices[0].message.content == content
    assert _reasoning(exact.choices[0].message) == reasoning
    assert exact.usage.model_dump() == whole.usage.model_dump()
    for limit, answer in cut.items():
        text, chain = answer.choices[0].message.content, _reasoning(answer.choices[0].message)
        assert answer.choices[0].finish_reason == "length", (limit, answer.choices[0])
        assert answer.usage.completion_tokens == limit, (limit, answer.usage)
        assert text is not None and content.startswith(text) and len(text) < len(content), (limit, text)
        assert chain and reasoning.startswith(chain), (limit, chain)
        assert answer.usage.completion_tokens_details.reasoning_tokens <= shown + 64, (limit, answer.usage)
    assert cut[10].choices[0].message.content == ""


def test_a_model_that_does_not_think_aloud_has_no_reasoning_content(mock_url: str) -> None:
    """Not even ``null``: the field is absent from the JSON the mock sends."""
    with openai_client(mock_url, "beatra") as client:
        raw = _raw_message(client, "gpt-4o-mini")
        answer = _ask(client, "gpt-4o-mini")
        thinking = _raw_message(client, "deepseek-reasoner")
    assert "reasoning_content" not in raw, raw
    assert raw["content"]
    assert "reasoning_content" not in (answer.choices[0].message.model_extra or {})
    assert isinstance(thinking["reasoning_content"], str) and thinking["reasoning_content"]


# -- streaming ---------------------------------------------------------------------------------------------


def test_the_stream_helper_sends_role_then_chain_then_text(mock_url: str) -> None:
    with openai_client(mock_url, "beatra") as client:
        whole = _ask(client, "deepseek-reasoner")
        with client.chat.completions.stream(
            model="deepseek-reasoner", messages=QUESTION, stream_options={"include_usage": True}
        ) as stream:
            chunks = [event.chunk for event in stream if event.type == "chunk"]
            final = stream.get_final_completion()
    deltas = [chunk.choices[0].delta for chunk in chunks if chunk.choices]
    kinds = []
    for delta in deltas:
        extra = delta.model_extra or {}
        if delta.role is not None:
            kinds.append("role")
        elif extra.get("reasoning_content"):
            assert delta.content is None, delta
            kinds.append("reasoning")
        elif delta.content:
            kinds.append("content")
    first_content = kinds.index("content")
    assert kinds[0] == "role" and "role" not in kinds[1:], kinds
    assert set(kinds[1:first_content]) == {"reasoning"}, kinds
    assert set(kinds[first_content:]) == {"content"}, kinds
    streamed = "".join((d.model_extra or {}).get("reasoning_content") or "" for d in deltas)
    assert streamed == _reasoning(whole.choices[0].message)  # the same request, the same chain
    assert "".join(d.content or "" for d in deltas) == whole.choices[0].message.content
    usages = [chunk.usage for chunk in chunks if chunk.usage is not None]
    assert [u.model_dump() for u in usages] == [whole.usage.model_dump()]
    # The helper's accumulator (openai.lib.streaming._deltas.accumulate_delta over the message's
    # model_dump, which keeps extras) concatenates any string delta field, declared or not: the final
    # completion carries the whole chain as an extra of its message.
    assert _reasoning(final.choices[0].message) == streamed
    assert final.choices[0].message.content == whole.choices[0].message.content
    assert final.choices[0].finish_reason == "stop"


def test_deepseeks_documented_stream_loop_reads_every_chunk(mock_url: str) -> None:
    """DeepSeek's guide reads a thinking model's stream as ``if delta.reasoning_content: ... else: content +=
    delta.content``; its deltas carry both fields, the one they lack null. Where the mock left the key out
    (role, text and finish deltas) the SDK's delta had no such attribute: AttributeError at chunk one."""
    with openai_client(mock_url, "beatra") as client:
        whole = _ask(client, "deepseek-reasoner")
        reasoning_content, content = "", ""
        for chunk in client.chat.completions.create(
            model="deepseek-reasoner", messages=QUESTION, stream=True
        ):
            if chunk.choices[0].delta.reasoning_content:
                reasoning_content += chunk.choices[0].delta.reasoning_content
            else:
                content += chunk.choices[0].delta.content
        with client.chat.completions.with_streaming_response.create(
            model="deepseek-reasoner", messages=QUESTION, stream=True
        ) as raw:
            lines = list(raw.iter_lines())
    deltas = [
        json.loads(line[len("data: ") :])["choices"][0]["delta"]
        for line in lines
        if line.startswith("data: {")
    ]
    assert reasoning_content == _reasoning(whole.choices[0].message)
    assert content == whole.choices[0].message.content
    chain = [delta for delta in deltas if delta["reasoning_content"]]
    text = [delta for delta in deltas if delta["content"]]
    assert chain and all(delta["content"] is None for delta in chain), deltas
    assert text and all(delta["reasoning_content"] is None for delta in text), deltas
    assert deltas[0] == {"role": "assistant", "content": "", "reasoning_content": None}
    assert deltas[-1] == {"content": "", "reasoning_content": None}  # the finish chunk's


def test_a_stream_of_a_model_that_does_not_think_has_no_chain(mock_url: str) -> None:
    with (
        openai_client(mock_url, "beatra") as client,
        client.chat.completions.stream(model="gpt-4o-mini", messages=QUESTION) as stream,
    ):
        chunks = [event.chunk for event in stream if event.type == "chunk"]
        final = stream.get_final_completion()
    assert chunks and all(
        "reasoning_content" not in (choice.delta.model_extra or {})
        for chunk in chunks
        for choice in chunk.choices
    )
    assert final.choices[0].message.content
    assert "reasoning_content" not in (final.choices[0].message.model_extra or {})


# -- imarouter: the chain spends max_tokens first ----------------------------------------------------------


def test_a_small_max_tokens_leaves_a_minimax_m_answer_empty(mock_url: str) -> None:
    """imarouter: "It is recommended that `max_tokens` be set to no less than 1000, otherwise the token
    quota may be exhausted during the inference phase, causing `content` to be empty."""
    with openai_client(mock_url, "imarouter") as client:
        whole = _ask(client, "MiniMax-M2")
        starved = _ask(client, "MiniMax-M2", max_tokens=10)
        roomy = _ask(client, "MiniMax-M2", max_tokens=1000)
    reasoning = _reasoning(whole.choices[0].message)
    choice = starved.choices[0]
    assert choice.message.content == "", choice  # an empty string, not null
    assert choice.finish_reason == "length"
    chain = _reasoning(choice.message)
    assert chain and reasoning.startswith(chain) and len(chain) < len(reasoning), chain
    assert starved.usage.completion_tokens == 10, starved.usage
    assert roomy.choices[0].finish_reason == "stop", roomy.choices[0]
    assert roomy.choices[0].message.content == whole.choices[0].message.content
    assert roomy.choices[0].message.content
    assert _reasoning(roomy.choices[0].message) == reasoning
    assert roomy.usage.completion_tokens == whole.usage.completion_tokens < 1000


@pytest.mark.parametrize(
    ("model", "thinks"),
    [
        ("MiniMax-M2", True),
        ("MiniMax-M2.1", True),
        ("MiniMax-M2.5-highspeed", True),
        ("kimi-for-coding", True),
        ("MiniMax-Text-01", False),
        ("deepseek-v4-pro", False),
        ("gpt-4o-mini", False),
    ],
)
def test_imarouter_shows_the_chain_of_the_models_it_names(mock_url: str, model: str, thinks: bool) -> None:
    with openai_client(mock_url, "imarouter") as client:
        raw = _raw_message(client, model)
    assert raw["content"]
    if thinks:
        assert isinstance(raw["reasoning_content"], str) and raw["reasoning_content"], raw
    else:
        assert "reasoning_content" not in raw, raw


# -- structured output -------------------------------------------------------------------------------------


class Distance(pydantic.BaseModel):
    kilometres: int
    body: str


def test_parse_on_a_thinking_model_gives_the_object_and_the_chain(mock_url: str) -> None:
    with openai_client(mock_url, "beatra") as client:
        parsed = client.chat.completions.parse(
            model="deepseek-reasoner", messages=QUESTION, response_format=Distance
        )
    message = parsed.choices[0].message
    assert isinstance(message.parsed, Distance), message
    assert Distance.model_validate_json(message.content or "") == message.parsed
    assert _reasoning(message)
    assert parsed.choices[0].finish_reason == "stop"


# -- any limit ---------------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    limit=st.integers(min_value=1, max_value=200), model=st.sampled_from(["MiniMax-M2", "kimi-for-coding"])
)
def test_any_max_tokens_bounds_chain_and_text(mock_url: str, limit: int, model: str) -> None:
    """The chain comes first and the text gets what it leaves: a cut answer bills the whole limit, holds a
    prefix of the chain and of the text, and has text only where the chain is whole."""
    with openai_client(mock_url, "imarouter") as client:
        whole = _ask(client, model)
        bounded = _ask(client, model, max_tokens=limit)
    full_chain, full_text = _reasoning(whole.choices[0].message), whole.choices[0].message.content
    chain, text = _reasoning(bounded.choices[0].message), bounded.choices[0].message.content
    assert text is not None and full_text is not None
    assert bounded.usage.completion_tokens <= limit, bounded.usage
    assert full_chain.startswith(chain) and full_text.startswith(text)
    assert chain, bounded.choices[0]  # even one token of limit goes to the chain
    if text:
        assert chain == full_chain, bounded.choices[0]
    if limit >= whole.usage.completion_tokens:
        assert bounded.choices[0].finish_reason == "stop"
        assert (chain, text) == (full_chain, full_text)
        assert bounded.usage.completion_tokens == whole.usage.completion_tokens
    else:
        assert bounded.choices[0].finish_reason == "length", bounded.choices[0]
        assert bounded.usage.completion_tokens == limit, bounded.usage
        assert (chain, text) != (full_chain, full_text)


def test_an_agent_loop_sees_a_chain_on_every_turn_the_tool_result_turn_too(mock_url: str) -> None:
    """A thinking model calls a tool, then answers the tool's result: both turns show their chain, as
    DeepSeek's thinking mode does (an Anthropic turn that goes on after a tool's result thinks no more)."""
    tools: Any = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    with openai_client(mock_url, "beatra") as client:
        first = client.chat.completions.create(model="deepseek-reasoner", messages=messages, tools=tools)
        called = first.choices[0].message
        assert first.choices[0].finish_reason == "tool_calls" and called.tool_calls, first
        messages += [
            {**called.model_dump(exclude_none=True)},
            {"role": "tool", "tool_call_id": called.tool_calls[0].id, "content": '{"temperature": 21}'},
        ]
        second = client.chat.completions.create(model="deepseek-reasoner", messages=messages, tools=tools)
    assert _reasoning(called)
    answer = second.choices[0].message
    assert second.choices[0].finish_reason == "stop" and answer.content and not answer.tool_calls, second
    assert _reasoning(answer)
    assert second.usage.completion_tokens_details.reasoning_tokens > 0, second.usage


def test_each_of_n_choices_thinks_its_own_chain_and_all_are_billed(mock_url: str) -> None:
    """``n`` choices of a thinking model: each its own chain (as each its own text), every chain billed."""
    with openai_client(mock_url, "beatra") as client:
        one = _ask(client, "deepseek-reasoner")
        three = _ask(client, "deepseek-reasoner", n=3)
    chains = [_reasoning(choice.message) for choice in three.choices]
    assert chains[0] == _reasoning(one.choices[0].message)  # the first choice is the one-choice answer's
    assert len(set(chains)) > 1, chains
    shown = three.usage.completion_tokens_details.reasoning_tokens
    assert shown > one.usage.completion_tokens_details.reasoning_tokens, three.usage
    assert three.usage.completion_tokens > shown, three.usage
