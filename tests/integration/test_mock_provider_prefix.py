"""voxvey's chat and embeddings models carry a provider prefix, through the official openai SDK.

voxvey's chat completions route says "`model` must include a provider prefix such as `openai/`,
`gemini/`, `xai/`, `perplexity/`, `anthropic/`, `deepseek/`, or `byte/`." and its embeddings route "Use
provider-prefixed embedding models exposed by `/v1/models`."; both document a 422 ValidationError
("Invalid route, request body, or provider-prefixed model."). The mock answered a bare ``gpt-4o``, so a
client that forgot the prefix passed against the mock and failed against voxvey. Two ``field_pattern``
statements in ``voxvey.lifecycles.yaml`` give the fields the form; the mock refuses the rest in voxvey's
error envelope, which the SDK raises as its 422 class.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
from sdk_clients import openai_client

from gatewright.spec.bundled import canonical_dir

# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["voxvey"], "seed": 1}
HI: Any = [{"role": "user", "content": "hi"}]
# The prefixes the chat route names (examples: "such as"), each before a model of that provider.
PREFIXED = [
    "openai/gpt-4o-mini",
    "gemini/gemini-2.5-flash",
    "xai/grok-4",
    "perplexity/sonar",
    "anthropic/claude-sonnet-4-5",
    "deepseek/deepseek-chat",
    "byte/seed-2-0-lite-260428",
    "mistral/mistral-large",  # a provider the list does not name: "such as"
]
BARE = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "/gpt-4o", "openai/"]


@pytest.fixture(scope="module")
def client(mock_url: str) -> Iterator[openai.OpenAI]:
    with openai_client(mock_url) as sdk:
        yield sdk


def _assert_validation_error(refused: openai.UnprocessableEntityError, path: str, model: str) -> None:
    """The 422 is the ValidationError ``path`` documents (voxvey's ErrorResponse), naming the model."""
    spec = json.loads((canonical_dir() / "voxvey.openapi.json").read_text(encoding="utf-8"))
    assert spec["paths"][path]["post"]["responses"]["422"] == {
        "$ref": "#/components/responses/ValidationError"
    }
    documented = spec["components"]["responses"]["ValidationError"]["content"]["application/json"]["schema"]
    assert documented == {"$ref": "#/components/schemas/ErrorResponse"}
    body = refused.response.json()
    jsonschema.validate(body, spec["components"]["schemas"]["ErrorResponse"])
    assert refused.status_code == 422
    assert f"body/model: {json.dumps(model)}" in body["error"]["message"], body


@pytest.mark.parametrize("model", BARE)
def test_a_chat_model_without_a_provider_prefix_is_voxveys_validation_error(
    client: openai.OpenAI, model: str
) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.chat.completions.create(model=model, messages=HI)
    _assert_validation_error(refused.value, "/v1/chat/completions", model)


def test_a_streamed_chat_without_a_provider_prefix_is_refused_before_any_event(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.chat.completions.create(model="gpt-4o", messages=HI, stream=True)
    _assert_validation_error(refused.value, "/v1/chat/completions", "gpt-4o")


@pytest.mark.parametrize("model", PREFIXED)
def test_a_provider_prefixed_chat_model_is_answered(client: openai.OpenAI, model: str) -> None:
    completion = client.chat.completions.create(model=model, messages=HI)
    assert completion.model == model
    assert completion.choices[0].message.content
    chunks = list(client.chat.completions.create(model=model, messages=HI, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_an_embedding_model_without_a_provider_prefix_is_voxveys_validation_error(
    client: openai.OpenAI,
) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.embeddings.create(model="text-embedding-3-small", input="hi")
    _assert_validation_error(refused.value, "/v1/embeddings", "text-embedding-3-small")
    answered = client.embeddings.create(model="openai/text-embedding-3-small", input=["hi", "there"])
    assert [item.index for item in answered.data] == [0, 1] and answered.data[0].embedding


def test_a_route_whose_words_ask_no_prefix_still_takes_a_bare_model(client: openai.OpenAI) -> None:
    """The Responses route's prose says nothing of a prefix: its ``model`` is as free as before."""
    answered = client.responses.create(model="gpt-4o", input="hi")
    assert answered.model == "gpt-4o" and answered.output_text
