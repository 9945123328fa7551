"""A vendor's input-token count answers what the create would bill (hunt 10, bug 11).

ipop's ``POST /v1/responses/input_tokens`` is OpenAI's ``responses.input_tokens.count``: an app budgets
its context by it, so it must agree with ``usage.input_tokens`` of ``responses.create`` for the same
request. It answered 8 whatever was sent, all of them both cached and written to the cache. Clients
are the official openai SDK.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

MOCK_OPTIONS = {"apis": ["ipop"], "seed": 5}
MODEL = "claude-sonnet-4.6"
INPUTS: list[Any] = [
    "hello there friend",
    "a much longer prompt with many many words in it for counting purposes " * 3,
    [{"role": "user", "content": "hi"}, {"role": "user", "content": "two three four"}],
]


@pytest.fixture
def client(mock: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=f"{mock}/v1", api_key="sk-test", default_headers={"x-api-key": "sk-test"}
    ) as client:
        yield client


@pytest.mark.parametrize("sent", INPUTS, ids=["short", "long", "messages"])
def test_the_count_is_what_the_create_bills(client: openai.OpenAI, sent: Any) -> None:
    request: dict[str, Any] = {"model": MODEL, "input": sent, "instructions": "be brief"}
    counted = client.responses.input_tokens.count(**request)
    created = client.responses.create(**request)
    assert created.usage is not None
    assert counted.input_tokens == created.usage.input_tokens
    assert counted.object == "response.input_tokens"
    details = (counted.model_extra or {}).get("input_tokens_details")
    assert details == {"cached_tokens": 0, "cache_creation_input_tokens": 0}  # a first call: nothing cached


def test_counts_follow_the_input(client: openai.OpenAI) -> None:
    """It was one constant: a longer input is more tokens."""
    counts = [client.responses.input_tokens.count(model=MODEL, input=sent).input_tokens for sent in INPUTS]
    assert counts[1] > counts[0] and len(set(counts)) == len(counts)


def test_a_continued_conversation_counts_what_it_continues(client: openai.OpenAI) -> None:
    first = client.responses.create(model=MODEL, input="Remember the word heliotrope.")
    request: dict[str, Any] = {"model": MODEL, "input": "Which word?", "previous_response_id": first.id}
    counted = client.responses.input_tokens.count(**request)
    alone = client.responses.input_tokens.count(model=MODEL, input="Which word?")
    created = client.responses.create(**request)
    assert created.usage is not None
    assert counted.input_tokens == created.usage.input_tokens > alone.input_tokens
