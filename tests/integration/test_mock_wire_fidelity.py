"""The mock's wire shapes as the official wire defines them (issue 20, item 6): what broke real clients."""

from __future__ import annotations

import json

import openai
import pytest
import requests

TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


@pytest.mark.parametrize("api", ["voxvey", "empiriolabs"])
def test_a_responses_function_call_item_has_exactly_its_own_fields(base_url: str, api: str) -> None:
    with openai.OpenAI(base_url=f"{base_url}/{api}/v1", api_key="sk-test") as client:
        raw = client.responses.with_raw_response.create(
            model="deepseek-v4-pro",
            input="Weather in Paris?",
            tools=TOOLS,
            tool_choice="required",  # type: ignore[arg-type]
        )
    items = json.loads(raw.text)["output"]
    calls = [item for item in items if item["type"] == "function_call"]
    assert calls, items
    for item in calls:  # OpenAI's ResponseFunctionToolCall: no role, no content (adapters key on them)
        assert set(item) <= {"type", "id", "call_id", "name", "arguments", "status"}
        assert json.loads(item["arguments"]) == {"city": "Paris"}  # realistic where the name hints
    parsed = raw.parse()
    assert parsed.output[0].type == "function_call"


@pytest.mark.parametrize(
    ("body", "content_type", "kept"),
    [
        (b'{"model": "m", "messages": "not a list", "api_key": "sk-leak"}', "application/json", '"messages"'),
        (b'{"model": "m", "messages": [', "application/json", '"model": "m"'),
        (b"api_key=sk-leak&prompt=hi", "application/x-www-form-urlencoded", "prompt=hi"),
    ],
)
def test_the_journal_keeps_refused_bodies_redacted(
    base_url: str, body: bytes, content_type: str, kept: str
) -> None:
    marker = f"refused-{abs(hash(body))}"
    answer = requests.post(
        f"{base_url}/empiriolabs/v1/chat/completions",
        data=body,
        headers={"Authorization": "Bearer sk-test", "Content-Type": content_type, "x-test-id": marker},
        timeout=10,
    )
    assert 400 <= answer.status_code < 500
    journal = requests.get(
        f"{base_url}/__gatewright/requests", params={"header": f"x-test-id:{marker}"}, timeout=10
    )
    [entry] = journal.json()["requests"]
    assert entry["status"] == answer.status_code
    assert isinstance(entry["body"], str) and kept in entry["body"]
    assert "sk-leak" not in entry["body"]
