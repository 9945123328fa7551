"""A schema asked for in words, without JSON mode, judged by the libraries that ask over a real socket.

langchain's ``PydanticOutputParser``, pydantic-ai's ``PromptedOutput`` and llama-index's output parser send
no JSON mode: their prompt says it wants JSON conforming to the JSON Schema it quotes, and they parse the
answer as that. The mock answers an instance of the schema where the prompt's prose names JSON and a
schema (``mock/answers/prompted.py``, ``asks_for_schema``), on each of the three wires; a prompt that only
quotes a schema or some JSON, or whose only such words are inside the JSON it quotes, still gets prose.
langchain and pydantic-ai run here as themselves; llama-index (too heavy to install for a test) is its
``PYDANTIC_FORMAT_TMPL`` text, sent with the official SDKs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.format_instructions import JSON_FORMAT_INSTRUCTIONS
from langchain_core.output_parsers.pydantic import _PYDANTIC_FORMAT_INSTRUCTIONS
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI
from pydantic_ai import Agent, PromptedOutput
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.profiles import DEFAULT_PROMPTED_OUTPUT_TEMPLATE
from pydantic_ai.providers.openai import OpenAIProvider
from test_mock_json_mode import CLOSED, OBJECT_SCHEMAS, USER, UserDetail
from test_mock_llm_answers import (
    CHAT,
    MESSAGES,
    RESPONSES,
    _anthropic,
    _extra,
    _key_headers,
    _openai,
    _path,
    _valid,
)


def langchain_text(schema: dict[str, Any]) -> str:
    """langchain-core's ``PydanticOutputParser`` format instructions (its template, filled)."""
    return _PYDANTIC_FORMAT_INSTRUCTIONS.format(schema=json.dumps(schema))


def langchain_json_text(schema: dict[str, Any]) -> str:
    """langchain-core's ``JsonOutputParser(pydantic_object=...)`` format instructions."""
    return JSON_FORMAT_INSTRUCTIONS.format(schema=json.dumps(schema))


def pydantic_ai_text(schema: dict[str, Any]) -> str:
    return DEFAULT_PROMPTED_OUTPUT_TEMPLATE.format(schema=json.dumps(schema))


def llama_index_text(schema: dict[str, Any]) -> str:
    """llama-index's ``PYDANTIC_FORMAT_TMPL`` (``llama_index/core/output_parsers/pydantic.py``)."""
    return (
        f"\nHere's a JSON schema to follow:\n{json.dumps(schema)}\n\n"
        "Output a valid JSON object but do not repeat the schema.\n"
    )


WORDINGS = {
    "langchain": langchain_text,
    "langchain-json": langchain_json_text,
    "pydantic-ai": pydantic_ai_text,
    "llama-index": llama_index_text,
}


def _chat(base_url: str, api: str, messages: list[dict[str, Any]]) -> str:
    model, extra = _extra(api, "openai-chat", "messages")
    with _openai(base_url, api, "openai-chat") as client:
        completion = client.chat.completions.create(model=model, messages=messages, extra_body=extra)
    return completion.choices[0].message.content or ""


def _openai_url(base_url: str, api: str) -> str:
    path = _path(api, "openai-chat")
    return f"{base_url}/{api}{path[: path.index('/v1/') + len('/v1')]}"


@pytest.mark.parametrize("json_parser", [False, True], ids=["PydanticOutputParser", "JsonOutputParser"])
@pytest.mark.parametrize("api", CHAT)
def test_langchain_output_parsers_parse_the_answer(base_url: str, api: str, json_parser: bool) -> None:
    parser: Any = (JsonOutputParser if json_parser else PydanticOutputParser)(pydantic_object=UserDetail)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer the user query.\n{format_instructions}"), ("human", "{query}")]
    ).partial(format_instructions=parser.get_format_instructions())
    model, extra = _extra(api, "openai-chat", "messages")
    with httpx.Client() as http:
        llm = ChatOpenAI(
            model=model,
            api_key="sk-test",  # type: ignore[arg-type]
            base_url=_openai_url(base_url, api),
            default_headers=_key_headers(api, "openai-chat"),
            extra_body=extra,
            max_retries=0,
            http_client=http,
        )
        parsed = (prompt | llm | parser).invoke({"query": "Jason is 25 and lives at 1 Main St, 12345"})
    user = UserDetail.model_validate(parsed) if json_parser else parsed
    assert isinstance(user, UserDetail)
    _valid(user.model_dump(mode="json"), USER)


@pytest.mark.parametrize("api", CHAT)
def test_pydantic_ai_prompted_output_without_json_mode_gets_its_model(base_url: str, api: str) -> None:
    """A model whose profile has no JSON mode (pydantic-ai's for most models behind an OpenAI-compatible
    gateway): ``PromptedOutput`` only asks in words. With OpenAI's own profile it adds JSON mode
    (``test_mock_json_mode``)."""
    model, extra = _extra(api, "openai-chat", "messages")

    async def run() -> UserDetail:
        client = openai.AsyncOpenAI(
            api_key="sk-test",
            base_url=_openai_url(base_url, api),
            max_retries=0,
            default_headers=_key_headers(api, "openai-chat"),
        )
        async with client:
            provider = OpenAIProvider(openai_client=client)
            profile = {**provider.model_profile(model), "supports_json_object_output": False}
            chat = OpenAIChatModel(model, provider=provider, profile=profile)
            agent = Agent(chat, output_type=PromptedOutput(UserDetail), retries=0)
            result = await agent.run("Jason is 25", model_settings={"extra_body": extra})
        return result.output

    user = asyncio.run(run())
    assert isinstance(user, UserDetail)
    _valid(user.model_dump(mode="json"), USER)


@pytest.mark.parametrize("api", RESPONSES)
def test_responses_instructions_in_langchain_words_get_an_instance(base_url: str, api: str) -> None:
    model, extra = _extra(api, "openai-responses", "input", "instructions")
    with _openai(base_url, api, "openai-responses") as client:
        response = client.responses.create(
            model=model, instructions=langchain_text(CLOSED), input="Plan a stay", extra_body=extra
        )
    _valid(json.loads(response.output_text), CLOSED)


@pytest.mark.parametrize("wording", ["pydantic-ai", "llama-index"])
@pytest.mark.parametrize("api", MESSAGES)
def test_anthropic_system_asking_for_a_schema_gets_an_instance(base_url: str, api: str, wording: str) -> None:
    model, extra = _extra(api, "anthropic-messages", "messages", "system", "max_tokens")
    with _anthropic(base_url, api) as client:
        message = client.messages.create(
            model=model,
            max_tokens=4096,
            system=WORDINGS[wording](USER),
            messages=[{"role": "user", "content": "Jason is 25"}],
            extra_body=extra,
        )
    text = "".join(block.text for block in message.content if block.type == "text")
    UserDetail.model_validate(json.loads(text))


PROSE = {  # each quotes an object schema or some JSON, and its prose uses none of the words that ask for it
    "agent tool prompt": "Parameters: a JSON object containing the tool's input parameters, following the"
    f" tool's input schema.\nInput Schema:\n{json.dumps(CLOSED)}\nWhat is the weather in Oslo?",
    "explain a JSON schema": f"Can you explain what this JSON schema validates? {json.dumps(CLOSED)}",
    "title names json_schema": "What does this describe? "
    + json.dumps({**CLOSED, "title": "json_schema_demo"}),
    "$schema URL": "Summarise: "
    + json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", **CLOSED}),
    "fence tag": f"Explain this schema:\n```json\n{json.dumps(CLOSED)}\n```",
    "JSON but no schema": 'Does this JSON fit its schema? {"city": "Oslo", "nights": 2}',
}


@pytest.mark.parametrize("case", sorted(PROSE))
def test_a_prompt_quoting_json_without_asking_for_it_gets_prose(base_url: str, case: str) -> None:
    content = _chat(base_url, CHAT[0], [{"role": "user", "content": PROSE[case]}])
    assert content.strip() and not content.lstrip().startswith(("{", "["))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    schema=OBJECT_SCHEMAS, wording=st.sampled_from(sorted(WORDINGS)), role=st.sampled_from(["system", "user"])
)
def test_any_object_schema_asked_for_in_words_is_answered_with_an_instance(
    base_url: str, schema: dict[str, Any], wording: str, role: str
) -> None:
    stated = WORDINGS[wording](schema)
    messages = [{"role": role, "content": stated}, {"role": "user", "content": "Go"}]
    _valid(json.loads(_chat(base_url, CHAT[0], messages)), schema)
