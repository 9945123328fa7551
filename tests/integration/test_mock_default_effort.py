"""A reasoning model reasons at its default effort where the request names none, as OpenAI's and DeepSeek's
do, judged through the official ``openai`` SDK over real HTTP.

OpenAI's o-series and every gpt-5 before gpt-5.1 reason at ``medium`` unasked, gpt-5-pro at ``high``;
gpt-5.1 and later default to ``none`` and reason only when asked; DeepSeek's reasoner, the R1 and the
``-thinking`` models always reason. Unasked, such a model's chat answer bills ``medium``'s hidden tokens
(``completion_tokens_details.reasoning_tokens``) and its Responses answer shows a reasoning item first, all
inside ``max_completion_tokens`` / ``max_output_tokens``. ``reasoning_effort`` ``none`` / ``minimal``, where
the spec takes them, reason not at all. Other models answer as before: no reasoning.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mock_llm_answers import _extra, _openai, apis_marked
from test_mock_llm_extras import _request_schema

from gatewright.mock.answers.effort import REASONING_TOKENS, default_effort
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import load_spec

QUESTION = "How far is the Moon?"
MEDIUM = REASONING_TOKENS["medium"]
CHAT = apis_marked("openai-chat")
RESPONSES = apis_marked("openai-responses")

# A reasoning model and a model that does not reason, each as the API names it (ipop's enum, voxvey's
# ``provider/model``).
REASONER = {
    "beatra": "gpt-5-mini",
    "empiriolabs": "gpt-5-mini",
    "imarouter": "gpt-5-mini",
    "ipop": "openai/gpt-5-nano",
    "voxvey": "openai/gpt-5-mini",
}
PLAIN = {
    "beatra": "gpt-4o-mini",
    "empiriolabs": "gpt-4o-mini",
    "imarouter": "gpt-4o-mini",
    "ipop": "mistral-small-2603",
    "voxvey": "openai/gpt-4o-mini",
}
# On the Responses API: o4-mini where any model is taken; ipop's enum has gpt-5-nano, whose reasoning item
# its output items have no room for; imarouter's lists only gpt-5.2 and later, which reason only when asked.
RESPONSES_REASONER = {"empiriolabs": "o4-mini", "ipop": "openai/gpt-5-nano", "voxvey": "openai/o4-mini"}
SHOWN = ["empiriolabs", "voxvey"]


def _words(text: str | None) -> int:
    """The tokens the mock bills for a text (its words)."""
    return len((text or "").split())


def _takes(api: str, wire: str, body: dict[str, Any]) -> bool:
    """Whether the API's own request schema for ``wire`` takes ``body``."""
    return SchemaSet(load_spec(api).document).is_valid(_request_schema(api, wire), body)


def _chat_body(api: str, model: str, **options: Any) -> dict[str, Any]:
    _, extra = _extra(api, "openai-chat", "messages")
    return {**extra, "model": model, "messages": [{"role": "user", "content": QUESTION}], **options}


def test_the_specs_take_the_models_asked() -> None:
    """Guards the parametrizations: each model is one the API's request schema takes."""
    assert CHAT == sorted(REASONER) == sorted(PLAIN)
    assert sorted([*RESPONSES_REASONER, "imarouter"]) == RESPONSES
    for api in CHAT:
        assert _takes(api, "openai-chat", _chat_body(api, REASONER[api])), api
        assert _takes(api, "openai-chat", _chat_body(api, PLAIN[api])), api
    for api, model in RESPONSES_REASONER.items():
        _, extra = _extra(api, "openai-responses", "input")
        assert _takes(api, "openai-responses", {**extra, "model": model, "input": QUESTION}), api


@pytest.mark.parametrize(
    ("model", "effort"),
    [
        ("o1", "medium"),
        ("o3-mini", "medium"),
        ("o4-mini", "medium"),
        ("openai/o4-mini", "medium"),
        ("gpt-5", "medium"),
        ("gpt-5-mini-2025-08-07", "medium"),
        ("openai/gpt-5-nano", "medium"),
        ("gpt-5-codex", "medium"),
        ("gpt-5-pro", "high"),
        ("gpt-5.1", "none"),
        ("gpt-5.2", "none"),
        ("openai/gpt-5.5", "none"),
        ("deepseek-reasoner", "medium"),
        ("deepseek-ai/DeepSeek-R1", "medium"),
        ("qwen3-235b-a22b-thinking-2507", "medium"),
        ("Kimi-K2-Thinking", "medium"),
        ("gpt-5-chat-latest", None),
        ("qwen3-32b-non-thinking", None),
        ("gpt-4o-mini", None),
        ("gpt-4.1", None),
        ("deepseek-v4-pro", None),
        ("claude-sonnet-4-5", None),
        ("omni-moderation-latest", None),
        ("", None),
    ],
)
def test_default_efforts_are_openais(model: str, effort: str | None) -> None:
    """openai-python's ``ReasoningEffort``: models before gpt-5.1 default to ``medium``, gpt-5-pro to
    ``high``, gpt-5.1 to ``none``; DeepSeek's R1-style models always reason."""
    assert default_effort(model) == effort


def _chat(client: openai.OpenAI, api: str, model: str, **options: Any) -> Any:
    _, extra = _extra(api, "openai-chat", "messages")
    messages = [{"role": "user", "content": QUESTION}]
    return client.chat.completions.create(model=model, messages=messages, extra_body=extra, **options)


@pytest.mark.parametrize("api", CHAT)
def test_a_reasoning_chat_model_reasons_unasked(base_url: str, api: str) -> None:
    """Unasked, gpt-5 answers as asked for ``medium``: the same text after ``medium``'s hidden tokens."""
    with _openai(base_url, api, "openai-chat") as client:
        unasked = _chat(client, api, REASONER[api])
        medium = _chat(client, api, REASONER[api], reasoning_effort="medium")
        plain = _chat(client, api, PLAIN[api])
    usage, content = unasked.usage, unasked.choices[0].message.content
    assert usage.completion_tokens_details.reasoning_tokens == MEDIUM, usage
    assert usage.completion_tokens == MEDIUM + _words(content), usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert unasked.choices[0].finish_reason == "stop"
    assert usage.model_dump() == medium.usage.model_dump() and content == medium.choices[0].message.content
    assert plain.usage.completion_tokens_details is None, plain.usage  # a model that does not reason
    assert plain.usage.completion_tokens == _words(plain.choices[0].message.content), plain.usage


@pytest.mark.parametrize("api", CHAT)
def test_unasked_reasoning_stays_within_max_completion_tokens(base_url: str, api: str) -> None:
    """``medium``'s 256 hidden tokens first: a limit of 100 is all reasoning (``length``, no text), one of
    260 leaves 4 words of the text; streamed, the usage is the same."""
    model = REASONER[api]
    with _openai(base_url, api, "openai-chat") as client:
        whole = _chat(client, api, model).choices[0].message.content
        starved = _chat(client, api, model, max_completion_tokens=100)
        roomy = _chat(client, api, model, max_completion_tokens=MEDIUM + 4)
        chunks = list(
            _chat(
                client,
                api,
                model,
                max_completion_tokens=MEDIUM + 4,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    assert starved.choices[0].message.content == "" and starved.choices[0].finish_reason == "length"
    assert starved.usage.completion_tokens == starved.usage.completion_tokens_details.reasoning_tokens == 100
    assert roomy.choices[0].message.content == " ".join(whole.split()[:4]), roomy.choices[0]
    assert roomy.choices[0].finish_reason == "length"
    assert roomy.usage.completion_tokens == MEDIUM + 4, roomy.usage
    assert roomy.usage.completion_tokens_details.reasoning_tokens == MEDIUM, roomy.usage
    usages = [chunk.usage for chunk in chunks if chunk.usage is not None]
    assert [u.model_dump() for u in usages] == [roomy.usage.model_dump()], usages


_NO_REASONING = [
    (api, effort)
    for api in CHAT
    for effort in ("none", "minimal")
    if _takes(api, "openai-chat", _chat_body(api, REASONER[api], reasoning_effort=effort))
]


def test_the_specs_take_none_and_minimal_where_expected() -> None:
    """beatra's enum has ``minimal`` but no ``none``, ipop's neither; the others do not declare the field."""
    assert _NO_REASONING == [
        ("beatra", "minimal"),
        ("empiriolabs", "none"),
        ("empiriolabs", "minimal"),
        ("imarouter", "none"),
        ("imarouter", "minimal"),
        ("voxvey", "none"),
        ("voxvey", "minimal"),
    ]


@pytest.mark.parametrize(("api", "effort"), _NO_REASONING)
def test_none_and_minimal_reason_not_at_all(base_url: str, api: str, effort: str) -> None:
    """An effort named is the one spent, whatever the default: ``none`` and ``minimal`` bill no reasoning."""
    with _openai(base_url, api, "openai-chat") as client:
        asked = _chat(client, api, REASONER[api], reasoning_effort=effort)
    usage = asked.usage
    assert usage.completion_tokens_details.reasoning_tokens == 0, usage
    assert usage.completion_tokens == _words(asked.choices[0].message.content), usage


def _max_body(api: str, wire: str) -> dict[str, Any]:
    """A request for ``max`` effort on ``wire``, to a reasoning model the API's schema takes."""
    if wire == "openai-chat":
        return _chat_body(api, REASONER[api], reasoning_effort="max")
    _, extra = _extra(api, wire, "input")
    model = RESPONSES_REASONER.get(api, "gpt-5.2")  # imarouter's: it reasons when asked
    return {**extra, "model": model, "input": QUESTION, "reasoning": {"effort": "max"}}


_MAX = [
    (api, wire)
    for api in CHAT
    for wire in ("openai-chat", "openai-responses")
    if (wire == "openai-chat" or api in RESPONSES) and _takes(api, wire, _max_body(api, wire))
]


def test_the_specs_take_max_where_expected() -> None:
    """openai-python 3.63 lists ``max`` as an effort: beatra's and ipop's chat enums stop short of it
    (``high``, ``xhigh``); every other request schema leaves the effort free-form."""
    assert REASONING_TOKENS["max"] >= REASONING_TOKENS["high"]
    assert _MAX == [
        ("empiriolabs", "openai-chat"),
        ("empiriolabs", "openai-responses"),
        ("imarouter", "openai-chat"),
        ("imarouter", "openai-responses"),
        ("ipop", "openai-responses"),
        ("voxvey", "openai-chat"),
        ("voxvey", "openai-responses"),
    ]


@pytest.mark.parametrize(("api", "wire"), _MAX)
def test_max_effort_reasons_at_least_as_much_as_high(base_url: str, api: str, wire: str) -> None:
    """``max`` bills its own hidden tokens, past ``high``'s (it reasoned not at all: not in the table)."""
    with _openai(base_url, api, wire) as client:
        if wire == "openai-chat":
            answer = _chat(client, api, REASONER[api], reasoning_effort="max")
            spent, text = answer.usage.completion_tokens_details, answer.choices[0].message.content
            billed = answer.usage.completion_tokens
        else:
            model = RESPONSES_REASONER.get(api, "gpt-5.2")
            answer = _respond(client, api, model, reasoning={"effort": "max"})
            spent, text, billed = (
                answer.usage.output_tokens_details,
                answer.output_text,
                answer.usage.output_tokens,
            )
    assert spent.reasoning_tokens == REASONING_TOKENS["max"] > REASONING_TOKENS["high"], answer.usage
    assert billed == REASONING_TOKENS["max"] + _words(text), answer.usage


def _respond(client: openai.OpenAI, api: str, model: str, **options: Any) -> Any:
    _, extra = _extra(api, "openai-responses", "input")
    return client.responses.create(model=model, input=QUESTION, extra_body=extra, **options)


@pytest.mark.parametrize("api", SHOWN)
def test_a_reasoning_responses_model_shows_its_reasoning_unasked(base_url: str, api: str) -> None:
    model = RESPONSES_REASONER[api]
    with _openai(base_url, api, "openai-responses") as client:
        unasked = _respond(client, api, model)
        summarised = _respond(client, api, model, reasoning={"summary": "auto"})
        off = _respond(client, api, model, reasoning={"effort": "none"})
        with client.responses.stream(
            model=model, input=QUESTION, extra_body=_extra(api, "openai-responses", "input")[1]
        ) as stream:
            events = list(stream)
            streamed = stream.get_final_response()
    assert [item.type for item in unasked.output] == ["reasoning", "message"], unasked.output
    assert unasked.output[0].id.startswith("rs_") and unasked.output[0].summary == []
    assert unasked.usage.output_tokens_details.reasoning_tokens == MEDIUM, unasked.usage
    assert unasked.usage.output_tokens == MEDIUM + _words(unasked.output_text), unasked.usage
    assert [item.type for item in summarised.output] == ["reasoning", "message"], summarised.output
    assert summarised.output[0].summary and summarised.output[0].summary[0].type == "summary_text"
    assert summarised.usage.output_tokens == unasked.usage.output_tokens
    assert [item.type for item in off.output] == ["message"], off.output
    assert off.usage.output_tokens_details.reasoning_tokens == 0, off.usage
    assert off.output_text == unasked.output_text
    added = [event for event in events if event.type == "response.output_item.added"]
    assert [event.item.type for event in added] == ["reasoning", "message"], added
    assert streamed.usage.model_dump() == unasked.usage.model_dump()


@pytest.mark.parametrize("api", SHOWN)
def test_unasked_reasoning_stays_within_max_output_tokens(base_url: str, api: str) -> None:
    with _openai(base_url, api, "openai-responses") as client:
        cut = _respond(client, api, RESPONSES_REASONER[api], max_output_tokens=100)
    assert cut.status == "incomplete" and cut.incomplete_details.reason == "max_output_tokens", cut
    assert [item.type for item in cut.output] == ["reasoning"], cut.output
    assert cut.usage.output_tokens == cut.usage.output_tokens_details.reasoning_tokens == 100, cut.usage


def test_a_spec_with_no_room_for_the_item_still_bills_the_reasoning(base_url: str) -> None:
    """ipop's output items are messages and function calls only: no item, the reasoning billed."""
    with _openai(base_url, "ipop", "openai-responses") as client:
        unasked = _respond(client, "ipop", RESPONSES_REASONER["ipop"])
        plain = _respond(client, "ipop", PLAIN["ipop"])
    assert [item.type for item in unasked.output] == ["message"], unasked.output
    assert unasked.usage.output_tokens_details.reasoning_tokens == MEDIUM, unasked.usage
    assert unasked.usage.output_tokens == MEDIUM + _words(unasked.output_text), unasked.usage
    assert plain.usage.output_tokens_details.reasoning_tokens == 0, plain.usage


@pytest.mark.parametrize("api", ["empiriolabs", "imarouter", "voxvey"])
def test_models_that_reason_only_when_asked_show_no_reasoning(base_url: str, api: str) -> None:
    """gpt-5.2 (imarouter's Responses models) defaults to ``none``; gpt-4o-mini does not reason."""
    model = {"empiriolabs": "gpt-4o-mini", "imarouter": "gpt-5.2", "voxvey": "openai/gpt-4o-mini"}[api]
    with _openai(base_url, api, "openai-responses") as client:
        answer = _respond(client, api, model)
    assert [item.type for item in answer.output] == ["message"], answer.output
    assert answer.usage.output_tokens_details.reasoning_tokens == 0, answer.usage
    assert answer.usage.output_tokens == _words(answer.output_text), answer.usage


_MODELS = st.sampled_from(
    ["o1", "o3-mini", "gpt-5", "gpt-5-nano", "gpt-5-pro", "gpt-5.1", "deepseek-reasoner", "gpt-4o-mini"]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    model=_MODELS,
    provider=st.sampled_from(["", "openai/"]),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=2000)),
)
def test_what_is_billed_is_the_default_effort_within_the_limit(
    base_url: str, model: str, provider: str, limit: int | None
) -> None:
    """Any model, with or without a provider prefix, under any limit: the reasoning billed is its default
    effort's tokens cut to the limit, the text what is left, and nothing past the limit."""
    effort = default_effort(model)
    hidden = REASONING_TOKENS[effort] if effort is not None else 0
    options = {} if limit is None else {"max_completion_tokens": limit}
    with _openai(base_url, "empiriolabs", "openai-chat") as client:
        answer = _chat(client, "empiriolabs", provider + model, **options)
    usage, content = answer.usage, answer.choices[0].message.content
    reasoning = min(hidden, limit) if limit is not None else hidden
    stated = usage.completion_tokens_details
    assert (stated.reasoning_tokens if stated is not None else 0) == reasoning, usage
    assert (stated is None) == (effort in (None, "none")), usage
    assert usage.completion_tokens == reasoning + _words(content), usage
    assert limit is None or usage.completion_tokens <= limit
