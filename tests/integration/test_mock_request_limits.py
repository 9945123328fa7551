"""Requests the vendor behind a compatible route refuses are refused (normalize states the wire's
bounds where the spec leaves them open), and no request makes the mock compose an answer without end
(``answers.extension.MAX_CHOICES``). Clients are the official SDKs, over real sockets."""

from __future__ import annotations

import anthropic
import openai
import pytest
import requests

from gatewright.mock.answers.extension import MAX_CHOICES

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
MOCK_OPTIONS = {"apis": ["empiriolabs", "voxvey", "imarouter"], "seed": 2}
HI = [{"role": "user", "content": "hi"}]
# A chat model each API takes (voxvey's carry a provider prefix, imarouter's are an enum), so a refusal is the
# limit's, not the model's.
CHAT_MODELS = {"empiriolabs": "gpt-4o-mini", "voxvey": "openai/gpt-4o-mini", "imarouter": "gpt-4.1-mini"}


def _openai(mock: str, api: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{mock}/{api}/v1", api_key="sk-test", max_retries=0)


@pytest.mark.parametrize("api", ["empiriolabs", "voxvey", "imarouter"])
@pytest.mark.parametrize("limits", [{"n": 0}, {"n": 129}, {"max_tokens": -5}, {"max_completion_tokens": 0}])
def test_chat_outside_the_wire_s_bounds_is_refused(mock: str, api: str, limits: dict[str, int]) -> None:
    with (
        _openai(mock, api) as client,
        pytest.raises((openai.BadRequestError, openai.UnprocessableEntityError)) as refused,
    ):
        client.chat.completions.create(model=CHAT_MODELS[api], messages=HI, extra_body=limits)  # type: ignore[arg-type]
    said = refused.value.response.text  # imarouter's error is a bare string, which the SDK's message omits
    assert "body/model" not in said and f"body/{next(iter(limits))}" in said, said


@pytest.mark.parametrize("api", ["empiriolabs", "voxvey", "imarouter"])
def test_anthropic_messages_with_no_message_is_refused(mock: str, api: str) -> None:
    with (
        anthropic.Anthropic(base_url=f"{mock}/{api}", api_key="sk-test", max_retries=0) as client,
        pytest.raises((anthropic.BadRequestError, anthropic.UnprocessableEntityError)),
    ):
        client.messages.create(model="claude-sonnet-4-6", max_tokens=10, messages=[])


def test_a_legacy_batch_asking_more_choices_than_an_answer_holds_is_refused_naming_n(mock: str) -> None:
    prompts = ["a"] * 100
    with _openai(mock, "empiriolabs") as client:
        with pytest.raises(openai.BadRequestError) as refused:
            client.completions.create(model="m", prompt=prompts, n=100)
        assert refused.value.body["param"] == "n" and str(MAX_CHOICES) in refused.value.body["message"]  # type: ignore[index]
        streamed = requests.post(
            f"{mock}/empiriolabs/v1/completions",
            json={"model": "m", "prompt": prompts, "n": 100, "stream": True},
            headers=AUTH,
            timeout=10,
        )
        assert streamed.status_code == 400 and streamed.json()["error"]["param"] == "n"
        allowed = client.completions.create(model="m", prompt=prompts[:4], n=3)
        assert len(allowed.choices) == 12
