"""A Responses answer of a reasoning model shows its reasoning as OpenAI's does, judged through the
official ``openai`` SDK and its helpers (``create``, ``parse``, ``stream``).

A request with ``reasoning.effort`` gets a ``reasoning`` item (``rs_…``) before its message or function
calls: its summary where ``reasoning.summary`` asks for one (else ``[]``), its ``encrypted_content`` (which
``POST /v1/responses`` populates by default, openai-python 3.63 says: a ``store: false`` client sends it
back) and its ``status`` (``completed``); reasoning that takes all of ``max_output_tokens`` leaves the
reasoning item alone (``incomplete``, the item and the response, no empty message). The stream carries the
item at output index 0 with its summary events, added ``in_progress`` without its encrypted content, done
whole. A reasoning item sent back as input (with ``store: false``, its encrypted content too) is taken; a
kept response keeps its reasoning item.

Where a spec's output items cannot hold a reasoning item (ipop lists only messages and function calls),
the reasoning stays billed and the answer is what it was before.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from pydantic import BaseModel
from test_mock_llm_answers import _extra, _openai, apis_marked

from gatewright.mock import create_app
from gatewright.mock.answers.effort import REASONING_TOKENS
from gatewright.mock.answers.prompt import read_responses
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import load_spec
from gatewright.spec.pointer import resolve
from gatewright.spec.schemas import locate
from gatewright.testing import serve_app

QUESTION = "How far is the Moon?"
ITEM = {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Thought."}]}


def _output_takes_reasoning(api: str) -> bool:
    """Whether the API's Responses answer may hold a reasoning item (its output schema says)."""
    spec = load_spec(api)
    op = next(op for op in spec.operations if op.compatible_wire == "openai-responses")
    where = f"{op.pointer}/responses/200/content/application~1json/schema"
    found = locate(spec.document, resolve(spec.document, where), where, "/output/0")
    assert found is not None, api
    return SchemaSet(spec.document).is_valid(found[0], ITEM)


RESPONSES = apis_marked("openai-responses")
SHOWN = [api for api in RESPONSES if _output_takes_reasoning(api)]


def test_the_specs_say_where_a_reasoning_item_may_be() -> None:
    """Guards the parametrizations: ipop's output items are messages and function calls only."""
    assert RESPONSES == ["empiriolabs", "imarouter", "ipop", "voxvey"]
    assert SHOWN == ["empiriolabs", "imarouter", "voxvey"]


def _client(base_url: str, api: str) -> tuple[openai.OpenAI, str, dict[str, Any]]:
    model, extra = _extra(api, "openai-responses", "input")
    return _openai(base_url, api, "openai-responses"), model, extra


@pytest.mark.parametrize("api", SHOWN)
def test_a_reasoning_item_comes_before_the_message(base_url: str, api: str) -> None:
    client, model, extra = _client(base_url, api)
    with client:
        plain = client.responses.create(model=model, input=QUESTION, extra_body=extra)
        bare = client.responses.create(
            model=model, input=QUESTION, reasoning={"effort": "low"}, extra_body=extra
        )
        again = [  # the third is the mock's kept answer again, with fresh ids
            client.responses.create(
                model=model, input=QUESTION, reasoning={"effort": "low"}, extra_body=extra
            )
            for _ in range(2)
        ]
        summarised = client.responses.create(
            model=model,
            input=QUESTION,
            reasoning={"effort": "high", "summary": "auto"},
            include=["reasoning.encrypted_content"],
            extra_body=extra,
        )
    assert [item.type for item in plain.output] == ["message"], plain.output  # no reasoning asked
    assert [item.type for item in bare.output] == ["reasoning", "message"], bare.output
    reasoning = bare.output[0]
    assert reasoning.id.startswith("rs_") and reasoning.summary == [], reasoning
    # populated by default (it was only with ``include: ["reasoning.encrypted_content"]``), and a status
    assert isinstance(reasoning.encrypted_content, str) and len(reasoning.encrypted_content) > 16, reasoning
    assert reasoning.status == "completed", reasoning
    for response in (bare, *again):  # one id per answer: its reasoning item's is the response's own
        assert response.output[0].id.removeprefix("rs_") == response.id.removeprefix("resp_"), response
    assert len({response.output[0].id for response in (bare, *again)}) == 3
    assert all(
        response.output[0].model_dump() == {**reasoning.model_dump(), "id": response.output[0].id}
        for response in again
    )
    assert bare.output_text == plain.output_text and bare.status == "completed"
    assert bare.usage.output_tokens_details.reasoning_tokens == REASONING_TOKENS["low"], bare.usage
    first, message = summarised.output
    assert first.type == "reasoning" and message.type == "message", summarised.output
    assert [part.type for part in first.summary] == ["summary_text"] and first.summary[0].text, first
    assert isinstance(first.encrypted_content, str) and len(first.encrypted_content) > 16, first
    assert first.encrypted_content != reasoning.encrypted_content and first.status == "completed", first
    assert first.id != reasoning.id and first.id.startswith("rs_")
    assert summarised.output_text == plain.output_text
    assert summarised.usage.output_tokens == REASONING_TOKENS["high"] + len(plain.output_text.split())


@pytest.mark.parametrize("api", SHOWN)
def test_reasoning_that_takes_every_token_leaves_only_its_item(base_url: str, api: str) -> None:
    client, model, extra = _client(base_url, api)
    with client:
        cut = client.responses.create(
            model=model,
            input=QUESTION,
            reasoning={"effort": "high", "summary": "concise"},
            max_output_tokens=100,
            extra_body=extra,
        )
        with client.responses.stream(
            model=model,
            input=QUESTION,
            reasoning={"effort": "high", "summary": "concise"},
            max_output_tokens=100,
            extra_body=extra,
        ) as stream:
            events = list(stream)  # the SDK's get_final_response wants response.completed: read the last
    kinds = [event.type for event in events]
    final = events[-1].response  # type: ignore[union-attr]
    assert cut.status == "incomplete" and cut.incomplete_details.reason == "max_output_tokens", cut
    assert [item.type for item in cut.output] == ["reasoning"], cut.output  # no empty message
    assert cut.output[0].status == "incomplete", cut.output  # it was cut too
    assert cut.output_text == "" and cut.usage.output_tokens_details.reasoning_tokens == 100, cut.usage
    assert kinds[-1] == "response.incomplete" and "response.output_text.delta" not in kinds, kinds
    assert final.status == "incomplete" and [item.type for item in final.output] == ["reasoning"]
    assert final.output[0].status == "incomplete", final.output


@pytest.mark.parametrize("api", SHOWN)
def test_the_stream_carries_the_reasoning_item_first(base_url: str, api: str) -> None:
    client, model, extra = _client(base_url, api)
    asked: dict[str, Any] = {"reasoning": {"effort": "medium", "summary": "detailed"}, "extra_body": extra}
    with client:
        whole = client.responses.create(model=model, input=QUESTION, **asked)
        with client.responses.stream(model=model, input=QUESTION, **asked) as stream:
            events = list(stream)
            final = stream.get_final_response()
    kinds = [event.type for event in events]
    deltas = kinds.count("response.reasoning_summary_text.delta")
    assert deltas > 1, kinds
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
    ], kinds
    assert kinds[4 + deltas : 8 + deltas] == [
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
    ], kinds
    assert kinds[-1] == "response.completed"
    added = [e for e in events if e.type == "response.output_item.added"]
    assert [(e.output_index, e.item.type) for e in added] == [(0, "reasoning"), (1, "message")]
    assert added[0].item.summary == []  # the summary follows in its own events
    # in progress, its encrypted content not yet there (a client takes the item ``output_item.done`` gives)
    assert added[0].item.status == "in_progress" and added[0].item.encrypted_content is None, added[0]
    [done_item] = [e.item for e in events if e.type == "response.output_item.done" and e.output_index == 0]
    assert done_item.model_dump() == whole.output[0].model_dump() | {"id": done_item.id}, done_item
    assert done_item.status == "completed" and done_item.encrypted_content, done_item
    texts = [e.delta for e in events if e.type == "response.reasoning_summary_text.delta"]
    done = next(e for e in events if e.type == "response.reasoning_summary_text.done")
    assert "".join(texts) == done.text == whole.output[0].summary[0].text
    text_events = [e for e in events if e.type == "response.output_text.delta"]
    assert {e.output_index for e in text_events} == {1}
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.output[0].id == events[2].item.id and final.output_text == whole.output_text
    assert final.output[0].summary == whole.output[0].summary and final.usage == whole.usage


class Distance(BaseModel):
    kilometres: int
    source: str


@pytest.mark.parametrize("api", SHOWN)
def test_parse_reads_the_message_after_the_reasoning_item(base_url: str, api: str) -> None:
    client, model, extra = _client(base_url, api)
    with client:
        parsed = client.responses.parse(
            model=model,
            input=QUESTION,
            text_format=Distance,
            reasoning={"effort": "low", "summary": "auto"},
            extra_body=extra,
        )
    assert [item.type for item in parsed.output] == ["reasoning", "message"], parsed.output
    assert isinstance(parsed.output_parsed, Distance), parsed.output_text
    assert Distance.model_validate_json(parsed.output_text) == parsed.output_parsed


@pytest.mark.parametrize("api", SHOWN)
def test_a_reasoning_item_sent_back_is_taken(base_url: str, api: str) -> None:
    """A stateless client (``store: false``) sends the item back whole, its encrypted content and status
    with it, as openai-python says it must."""
    client, model, extra = _client(base_url, api)
    with client:
        first = client.responses.create(
            model=model, input=QUESTION, reasoning={"effort": "low"}, store=False, extra_body=extra
        )
        again: Any = [
            {"role": "user", "content": QUESTION},
            *(item.model_dump(exclude_none=True) for item in first.output),
            {"role": "user", "content": "And the Sun?"},
        ]
        second = client.responses.create(
            model=model, input=again, reasoning={"effort": "low"}, extra_body=extra
        )
    assert first.output[0].type == "reasoning" and again[1]["type"] == "reasoning"
    assert again[1]["encrypted_content"] and again[1]["status"] == "completed", again[1]
    assert second.status == "completed" and [item.type for item in second.output] == ["reasoning", "message"]
    assert second.output[0].id != first.output[0].id


def test_a_spec_without_room_for_the_item_bills_the_reasoning_alone(base_url: str) -> None:
    """ipop's output items are only messages and function calls: no reasoning item, the reasoning billed,
    and a text the reasoning left no room for is the empty message it was."""
    client, model, extra = _client(base_url, "ipop")
    asked: dict[str, Any] = {"reasoning": {"effort": "high", "summary": "auto"}, "extra_body": extra}
    with client:
        whole = client.responses.create(model=model, input=QUESTION, **asked)
        cut = client.responses.create(model=model, input=QUESTION, max_output_tokens=100, **asked)
    assert [item.type for item in whole.output] == ["message"] and whole.output_text, whole.output
    assert whole.usage.output_tokens_details.reasoning_tokens == REASONING_TOKENS["high"]
    assert cut.status == "incomplete" and cut.output_text == "", cut
    assert [(item.type, item.status) for item in cut.output] == [("message", "incomplete")]


@pytest.mark.parametrize(
    ("reasoning", "summary"),
    [
        (None, None),
        ({"summary": "auto"}, None),  # no effort: the mock reasons not at all
        ({"effort": "none", "summary": "auto"}, None),  # reasoning turned off
        ({"effort": "minimal"}, False),
        ({"effort": "medium", "summary": "concise"}, True),
        ({"effort": "high", "summary": "detailed"}, True),
        ({"effort": "low", "summary": "sometimes"}, False),
    ],
)
def test_the_reasoning_item_asked_is_read(reasoning: Any, summary: bool | None) -> None:
    assert read_responses({"input": "hi", "reasoning": reasoning}).summary is summary


# -- kept responses: a spec with a retrieve route whose output takes reasoning items ----------------


def _kept_spec() -> dict[str, Any]:
    """voxvey's Responses create, with a retrieve route answering the same schema (ipop, the one API that
    keeps responses, has no room for the item)."""
    document = copy.deepcopy(load_spec("voxvey").document)
    create = document["paths"]["/v1/responses"]["post"]
    create["security"] = []
    answer = create["responses"]["200"]["content"]["application/json"]
    retrieve = {
        "operationId": "getResponse",
        "security": [],
        "parameters": [{"name": "response_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "the response", "content": {"application/json": answer}},
            "404": {"description": "no such response"},
        },
    }
    document["paths"] = {"/v1/responses": {"post": create}, "/v1/responses/{response_id}": {"get": retrieve}}
    return document


@pytest.fixture(scope="module")
def kept_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec_path = tmp_path_factory.mktemp("kept") / "kept.openapi.json"
    spec_path.write_text(json.dumps(_kept_spec()), encoding="utf-8")
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:
        yield url


def test_a_kept_response_keeps_its_reasoning_item(kept_url: str) -> None:
    with openai.OpenAI(api_key="sk-test", base_url=f"{kept_url}/v1", max_retries=0) as client:
        made = client.responses.create(
            model="o4-mini", input=QUESTION, reasoning={"effort": "low", "summary": "auto"}
        )
        read = client.responses.retrieve(made.id)
        follow = client.responses.create(
            model="o4-mini", input="And the Sun?", previous_response_id=made.id, reasoning={"effort": "low"}
        )
    assert [item.type for item in made.output] == ["reasoning", "message"], made.output
    assert read.id == made.id and [item.id for item in read.output] == [item.id for item in made.output]
    assert read.output[0].summary == made.output[0].summary and read.output_text == made.output_text
    assert follow.previous_response_id == made.id and follow.status == "completed"
    assert [item.type for item in follow.output] == ["reasoning", "message"]
    assert follow.output[0].id not in {item.id for item in made.output}
    assert follow.usage.input_tokens > made.usage.input_tokens  # the earlier turn, reasoning item too
