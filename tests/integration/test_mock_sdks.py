"""The official openai and anthropic SDKs, unchanged, against the mock over real sockets."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
import requests

from gatewright.mock.generate import Generator
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.expressions import Exchange, evaluate


def apis_with(method: str, path: str) -> list[str]:
    """The APIs whose canonical spec has this operation: the ones an SDK call applies to."""
    return [api for api in API_IDS if load_spec(api).find(method, path) is not None]


def apis_securing(method: str, path: str) -> list[str]:
    return [api for api in apis_with(method, path) if (s := load_spec(api)).security(s.find(method, path))]


def _key_headers(api: str, method: str, path: str) -> dict[str, str]:
    """Extra credential headers an operation needs besides ``Authorization: Bearer`` (e.g. ``x-api-key``)."""
    spec = load_spec(api)
    op = spec.find(method, path)
    requirements = spec.security(op) if op is not None else []
    schemes = spec.security_schemes
    headers: dict[str, str] = {}
    for requirement in requirements:
        kinds = [schemes.get(name, {}) for name in requirement]
        if any(k.get("type") == "http" and k.get("scheme", "").lower() == "bearer" for k in kinds):
            return {}
        if not requirement:
            return {}
        for kind in kinds:
            if kind.get("type") == "apiKey" and kind.get("in") == "header":
                headers.setdefault(str(kind["name"]), "sk-test")
    return headers


# The SDK clients a test made, closed when it ends: a client left to the collector leaves its pooled
# connection to it, and the socket's ResourceWarning (an error here) fails whichever test is running then.
_MADE: list[openai.OpenAI | anthropic.Anthropic] = []


@pytest.fixture(autouse=True)
def _closed_clients() -> Iterator[None]:
    yield
    while _MADE:
        _MADE.pop().close()


def _client(base_url: str, api: str, method: str = "GET", path: str = "/v1/models") -> openai.OpenAI:
    client = openai.OpenAI(
        api_key="sk-test",
        base_url=f"{base_url}/{api}/v1",
        max_retries=0,
        default_headers=_key_headers(api, method, path),
    )
    _MADE.append(client)
    return client


def _valid_body(api: str, method: str, path: str, *, minimal: bool = True) -> dict[str, Any]:
    """A body the spec accepts (generated from its schema), for SDK calls' extra_body.

    Required fields only by default: optional ones (``tools``, ``response_format``…) change what
    the mock answers.
    """
    spec = load_spec(api)
    op = spec.find(method, path)
    assert op is not None
    schemas = SchemaSet(spec.document)
    pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
    body = Generator(schemas, seed=1).generate(pointer, minimal=minimal)
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("api", apis_with("GET", "/v1/models"))
def test_models_list(base_url: str, api: str) -> None:
    models = _client(base_url, api).models.list()
    assert len(models.data) >= 1
    assert all(isinstance(model.id, str) for model in models.data)


@pytest.mark.parametrize("api", apis_with("POST", "/v1/chat/completions"))
def test_chat_completion_echoes_model(base_url: str, api: str) -> None:
    body = _valid_body(api, "POST", "/v1/chat/completions")
    model = body.pop("model", "gpt-4o-mini")
    messages = body.pop("messages", [{"role": "user", "content": "Hello"}])
    completion = _client(base_url, api, "POST", "/v1/chat/completions").chat.completions.create(
        model=model, messages=messages, extra_body=body
    )
    assert completion.choices, completion
    assert isinstance(completion.choices[0].message.content, str)
    assert completion.model == model


@pytest.mark.parametrize("api", apis_with("POST", "/v1/embeddings"))
def test_embeddings(base_url: str, api: str) -> None:
    body = _valid_body(api, "POST", "/v1/embeddings")
    inputs = body.pop("input", "hello")
    result = _client(base_url, api, "POST", "/v1/embeddings").embeddings.create(
        model=body.pop("model", "text-embedding-3-small"), input=inputs, extra_body=body
    )
    one = isinstance(inputs, str) or all(isinstance(token, int) for token in inputs)  # a text, or its tokens
    assert [item.index for item in result.data] == list(range(1 if one else len(inputs)))  # one per input
    assert all(isinstance(x, float) for x in result.data[0].embedding)


def apis_wired(method: str, path: str, wire: str) -> list[str]:
    """The APIs whose operation is marked as the given compatible wire."""
    return [
        api
        for api in apis_with(method, path)
        if (op := load_spec(api).find(method, path)) is not None and op.compatible_wire == wire
    ]


@pytest.mark.parametrize("api", apis_wired("POST", "/v1/embeddings", "openai-embeddings"))
@pytest.mark.parametrize("empty", [[], ""])
def test_embeddings_with_empty_input_are_refused_as_openai_does(
    base_url: str, api: str, empty: list[str] | str
) -> None:
    body = _valid_body(api, "POST", "/v1/embeddings")
    client = _client(base_url, api, "POST", "/v1/embeddings")
    with pytest.raises(openai.BadRequestError) as refused:
        client.embeddings.create(model=body.pop("model", "text-embedding-3-small"), input=empty)
    assert refused.value.status_code == 400
    assert "input" in json.dumps(refused.value.body), refused.value.body


@pytest.mark.parametrize("api", apis_wired("POST", "/v1/chat/completions", "openai-chat"))
def test_a_chat_message_without_role_is_refused(base_url: str, api: str) -> None:
    body = _valid_body(api, "POST", "/v1/chat/completions")
    client = _client(base_url, api, "POST", "/v1/chat/completions")
    with pytest.raises(openai.APIStatusError) as refused:
        client.chat.completions.create(
            model=body.pop("model", "gpt-4o-mini"),
            messages=[{"content": "Hello"}],  # type: ignore[list-item]
        )
    assert refused.value.status_code in (400, 422)
    assert "messages" in json.dumps(refused.value.body), refused.value.body


@pytest.mark.parametrize("api", apis_with("POST", "/v1/images/generations"))
def test_images_generate_answers_images_or_the_task_the_spec_declares(base_url: str, api: str) -> None:
    body = _valid_body(api, "POST", "/v1/images/generations", minimal=False)  # a model from the spec
    client = _client(base_url, api, "POST", "/v1/images/generations")
    result = client.images.generate(
        model=body.pop("model", "gpt-image-1"), prompt=body.pop("prompt", "a lighthouse"), extra_body=body
    )
    spec = load_spec(api)
    operation = spec.find("POST", "/v1/images/generations")
    assert operation is not None
    task = spec.task(operation)
    images = result.data or []
    assert all(image.url or image.b64_json for image in images), result
    if task is None:
        assert images, result
    else:  # a task API answers the task (or, asked to wait, its images)
        task_id = evaluate(task.id, Exchange(response_body=result.model_dump()))
        assert images or (isinstance(task_id, str) and task_id), result


def _anthropic_client(base_url: str, api: str) -> anthropic.Anthropic:
    spec = load_spec(api)
    op = spec.find("POST", "/v1/messages")
    assert op is not None
    schemes = spec.security_schemes
    header_names = {
        str(schemes[name].get("name", "")).lower()
        for requirement in spec.security(op)
        for name in requirement
        if name in schemes
    }
    url = f"{base_url}/{api}"
    if "x-api-key" in header_names or not spec.security(op):
        client = anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0)
    else:
        client = anthropic.Anthropic(auth_token="sk-ant-test", base_url=url, max_retries=0)
    _MADE.append(client)
    return client


@pytest.mark.parametrize("api", apis_with("POST", "/v1/messages"))
def test_anthropic_messages(base_url: str, api: str) -> None:
    body = _valid_body(api, "POST", "/v1/messages")
    with warnings.catch_warnings():
        # The spec may only allow a model the SDK calls deprecated; that is not what this test checks.
        warnings.simplefilter("ignore", DeprecationWarning)
        message = _anthropic_client(base_url, api).messages.create(
            model=body.pop("model", "claude-haiku-4-5"),
            max_tokens=body.pop("max_tokens", 64),
            messages=body.pop("messages", [{"role": "user", "content": "Hello"}]),
            extra_body=body,
        )
    assert [block.type for block in message.content] == ["text"]  # no tools asked for: one text answer
    assert message.content[0].text and message.role == "assistant"


@pytest.mark.parametrize("api", apis_securing("POST", "/v1/chat/completions"))
def test_missing_key_is_401_in_sdk(base_url: str, api: str) -> None:
    headers = dict.fromkeys(_key_headers(api, "POST", "/v1/chat/completions"), "invalid")
    client = openai.OpenAI(
        api_key="invalid", base_url=f"{base_url}/{api}/v1", max_retries=0, default_headers=headers
    )
    with client, pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


@pytest.mark.parametrize("api", apis_securing("POST", "/v1/chat/completions"))
def test_a_401_names_the_credential_the_operation_takes(base_url: str, api: str) -> None:
    """The openai SDK sends its key as a bearer token; where the operation takes another credential (ipop's
    chat: an ``x-api-key`` header only), the 401 says which, instead of only "missing or invalid"."""
    key_headers = _key_headers(api, "POST", "/v1/chat/completions")
    anonymous = requests.post(f"{base_url}/{api}/v1/chat/completions", json={}, timeout=10)  # no credential
    assert anonymous.status_code == 401, anonymous.text
    message = anonymous.text
    assert "missing or invalid credentials: send " in message, message
    for name in key_headers or {"Authorization: Bearer": ""}:
        assert name in message, message
    if key_headers:  # the SDK's bearer token alone is refused, naming the header it lacks
        client = openai.OpenAI(api_key="sk-test", base_url=f"{base_url}/{api}/v1", max_retries=0)
        with client, pytest.raises(openai.AuthenticationError) as bearer_only:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        said = bearer_only.value.response.text  # ipop's envelope is not OpenAI's: the SDK's message omits it
        assert all(name in said for name in key_headers), said


@pytest.mark.filterwarnings("ignore:The Sora API is scheduled:DeprecationWarning")
def test_voxvey_videos_read_as_the_sdk_s_videos(base_url: str) -> None:
    """voxvey's video routes forward to OpenAI's ``/videos``: a job's ``object`` is ``video`` (it read
    ``mock-object``), and a delete, which voxvey documents as a free-form answer, confirms it in
    OpenAI's shape, so the SDK's ``deleted`` is True (it answered the job: ``deleted`` None)."""
    client = _client(base_url, "voxvey", "POST", "/v1/videos")
    video = client.videos.create(model="openai/sora-2", prompt="A cinematic product reveal")
    assert video.id.startswith("video_") and video.object == "video"
    assert client.videos.retrieve(video.id).object == "video"
    deleted = client.videos.delete(video.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (video.id, True, "video")
