"""Structured output holds to the patterns and lengths of the schema the request brings.

The README promises content valid against any JSON Schema. A pydantic field with a pattern and a
length (a commit hash: ``^[a-f0-9]+$``, 40 characters) was a short match padded with ``x``
(``d4fxxxx…``), so ``chat.completions.parse`` raised pydantic's ``ValidationError``. Judged here as an
app would: the SDK's own ``parse``.
"""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from test_mock_llm_answers import CHAT, RESPONSES, _extra, _openai, _user


class Commit(pydantic.BaseModel):
    sha: str = pydantic.Field(pattern=r"^[a-f0-9]+$", min_length=40, max_length=40)
    short: str = pydantic.Field(pattern=r"^[a-f0-9]{7}$")
    branch: str = pydantic.Field(pattern=r"^[a-z]+(-[a-z]+)*$", min_length=12, max_length=20)


def _commit_ok(commit: Any) -> None:
    assert isinstance(commit, Commit)  # the SDK's parse validated the pattern and the lengths
    assert len(commit.sha) == 40 and 12 <= len(commit.branch) <= 20


@pytest.mark.parametrize("api", CHAT)
def test_chat_parse_gives_a_pattern_of_the_length_asked(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-chat", "messages")
    completion = _openai(base_url, api, "openai-chat").chat.completions.parse(
        model=model, messages=_user("last commit"), response_format=Commit, extra_body=extra
    )
    _commit_ok(completion.choices[0].message.parsed)


@pytest.mark.parametrize("api", RESPONSES)
def test_responses_parse_gives_a_pattern_of_the_length_asked(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-responses", "input")
    parsed = _openai(base_url, api, "openai-responses").responses.parse(
        model=model, input="last commit", text_format=Commit, extra_body=extra
    )
    _commit_ok(parsed.output_parsed)
