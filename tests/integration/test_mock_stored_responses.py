"""Stored responses, driven with the official ``openai`` SDK over a real socket (ipop's Responses API).

What a create answers is kept: retrieve gives it back (streamed creates too), delete forgets it,
input items list what was sent, ``previous_response_id`` must name a kept response, ``store:
false`` keeps nothing, and ``background: true`` runs as a task that ends in the answer the same
request gets in the foreground. Background tasks finish at their second poll (``task_polls=2``
with a long duration), so no test waits on a clock. Every JSON body is also checked against the
canonical spec's schema for its route.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pydantic
import pytest

from gatewright.mock.schemas import SchemaSet
from gatewright.spec import load_spec
from gatewright.testing import add_rules, mock_requests, remove_rules

API = "ipop"
MODEL = "openai/gpt-5.4"
SPEC = load_spec(API)
SCHEMAS = SchemaSet(SPEC.document)
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": [API], "seed": 11, "task_duration": 3600.0, "task_polls": 2}


class City(pydantic.BaseModel):
    name: str
    population: int


@pytest.fixture
def client(mock_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        api_key="sk-test", base_url=f"{mock_url}/v1", max_retries=0, default_headers={"x-api-key": "sk-test"}
    ) as sdk:  # closed after the test: its pooled sockets are not left to the collector
        yield sdk


def _checked(method: str, path: str, raw: Any) -> dict[str, Any]:
    """The JSON body of an SDK raw response, valid against the spec's schema for its status."""
    body: dict[str, Any] = json.loads(raw.text)
    op = SPEC.find(method, path)
    assert op is not None
    pointer = f"{op.pointer}/responses/{raw.status_code}/content/application~1json/schema"
    assert not SCHEMAS.errors(pointer, body, formats=True), (method, path, raw.status_code, body)
    return body


def _error_body(error: openai.APIStatusError, method: str, path: str) -> dict[str, Any]:
    """An error's body, in the API's own envelope (its schema for that status)."""
    body: dict[str, Any] = error.response.json()
    op = SPEC.find(method, path)
    assert op is not None
    pointer = f"{op.pointer}/responses/{error.status_code}/content/application~1json/schema"
    assert not SCHEMAS.errors(pointer, body, formats=True), body
    return body


def _same_response(created: Any, retrieved: Any) -> None:
    assert retrieved.id == created.id
    assert retrieved.status == created.status
    assert retrieved.model == created.model
    assert retrieved.created_at == created.created_at
    assert [item.model_dump() for item in retrieved.output] == [item.model_dump() for item in created.output]
    assert retrieved.usage is not None and created.usage is not None
    assert retrieved.usage.model_dump() == created.usage.model_dump()
    assert retrieved.output_text == created.output_text


# -- retrieve ------------------------------------------------------------------------------------


def test_retrieve_gives_back_what_create_answered(client: openai.OpenAI) -> None:
    created = client.responses.create(model=MODEL, input="Name three rivers.")
    assert created.output_text and created.background is False and created.store is True
    raw = client.responses.with_raw_response.retrieve(created.id)
    body = _checked("GET", "/v1/responses/{response_id}", raw)
    assert body["output_text"] == created.output_text  # the spec's retrieve shape carries it
    _same_response(created, raw.parse())


def test_a_response_restates_what_its_request_set(client: openai.OpenAI) -> None:
    """As OpenAI's does: metadata, instructions and the service tier, in the create, the kept
    response and a stream's final event (each field ipop's response schema declares)."""
    sent = {"metadata": {"trace": "abc"}, "instructions": "Be terse", "service_tier": "flex"}
    created = client.responses.create(model=MODEL, input="Hello", **sent)  # type: ignore[arg-type]
    kept = client.responses.retrieve(created.id)
    streamed = [
        event.response
        for event in client.responses.create(model=MODEL, input="Hi", stream=True, **sent)  # type: ignore[call-overload]
        if event.type == "response.completed"
    ]
    for response in (created, kept, *streamed):
        got = {name: getattr(response, name) for name in sent}
        assert got == sent


def test_a_streamed_create_is_kept_as_its_completed_response(client: openai.OpenAI) -> None:
    events = list(client.responses.create(model=MODEL, input="Stream a sentence.", stream=True))
    text = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    (final,) = [event.response for event in events if event.type == "response.completed"]
    assert text and final.output_text == text
    _same_response(final, client.responses.retrieve(final.id))


def test_a_parsed_create_is_retrieved_with_the_same_structured_text(client: openai.OpenAI) -> None:
    parsed = client.responses.parse(model=MODEL, input="A city, please.", text_format=City)
    assert parsed.output_parsed is not None
    retrieved = client.responses.retrieve(parsed.id)
    assert City.model_validate_json(retrieved.output_text) == parsed.output_parsed


def test_identical_creates_are_each_a_new_kept_response(client: openai.OpenAI) -> None:
    """The mock answers repeated requests from caches; every create still gets its own stored response."""
    created = [client.responses.create(model=MODEL, input="Same words every time.") for _ in range(3)]
    assert len({response.id for response in created}) == 3
    for response in created:
        _same_response(response, client.responses.retrieve(response.id))
    client.responses.delete(created[0].id)
    assert client.responses.retrieve(created[1].id).id == created[1].id


def test_an_unknown_response_is_404_in_the_api_envelope(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve("resp_never_made")
    body = _error_body(caught.value, "GET", "/v1/responses/{response_id}")
    assert "resp_never_made" in json.dumps(body)


# -- delete --------------------------------------------------------------------------------------


def test_delete_answers_the_deleted_shape_then_everything_is_404(client: openai.OpenAI) -> None:
    created = client.responses.create(model=MODEL, input="Soon gone.")
    raw = client.responses.with_raw_response.delete(created.id)
    assert _checked("DELETE", "/v1/responses/{response_id}", raw) == {
        "id": created.id,
        "object": "response",
        "deleted": True,
    }
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve(created.id)
    _error_body(caught.value, "GET", "/v1/responses/{response_id}")
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.delete(created.id)
    _error_body(caught.value, "DELETE", "/v1/responses/{response_id}")
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.input_items.list(created.id)
    _error_body(caught.value, "GET", "/v1/responses/{response_id}/input_items")


# -- input items ---------------------------------------------------------------------------------


def test_input_items_list_a_string_input_as_one_user_message(client: openai.OpenAI) -> None:
    created = client.responses.create(model=MODEL, input="Where is Lyon?")
    raw = client.responses.input_items.with_raw_response.list(created.id)
    body = _checked("GET", "/v1/responses/{response_id}/input_items", raw)
    assert body["object"] == "list" and body["has_more"] is False
    (item,) = body["data"]
    assert (item["type"], item["role"]) == ("message", "user")
    assert item["content"] == [{"type": "input_text", "text": "Where is Lyon?"}]
    assert body["first_id"] == body["last_id"] == item["id"]
    assert item["id"] not in created.model_dump_json()  # its own id, not one of the answer's


def test_input_items_list_the_items_sent_in_order_and_page(client: openai.OpenAI) -> None:
    sent: list[Any] = [
        {"role": "developer", "content": "Answer briefly."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi there"}]},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Name a river."},
    ]
    created = client.responses.create(model=MODEL, input=sent)
    listed = list(client.responses.input_items.list(created.id, order="asc", limit=1))  # pages of one
    assert [(item.type, getattr(item, "role", None)) for item in listed] == [
        ("message", "developer"),
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
    ]
    texts = [part.text for item in listed for part in getattr(item, "content", [])]
    assert texts == ["Answer briefly.", "Hi there", "Hello!", "Name a river."]
    assert len({item.id for item in listed}) == 4
    newest = client.responses.input_items.with_raw_response.list(created.id, order="desc", limit=2)
    body = _checked("GET", "/v1/responses/{response_id}/input_items", newest)
    assert [item["id"] for item in body["data"]] == [listed[3].id, listed[2].id]
    assert body["has_more"] is True and body["last_id"] == listed[2].id


# -- previous_response_id and store ----------------------------------------------------------------


def test_previous_response_id_is_echoed_when_it_names_a_kept_response(client: openai.OpenAI) -> None:
    first = client.responses.create(model=MODEL, input="Pick a number.")
    second = client.responses.create(model=MODEL, input="Double it.", previous_response_id=first.id)
    assert second.previous_response_id == first.id
    assert client.responses.retrieve(second.id).previous_response_id == first.id
    assert client.responses.create(model=MODEL, input="Alone.").previous_response_id is None


def test_a_previous_response_id_the_mock_never_gave_is_echoed(client: openai.OpenAI) -> None:
    # verify's and schemathesis's generated requests carry such ids: they must stay valid requests.
    answer = client.responses.create(model=MODEL, input="Go on.", previous_response_id="resp_never_given")
    assert answer.previous_response_id == "resp_never_given"


@pytest.mark.parametrize("gone", ["deleted", "unstored"])
def test_a_previous_response_that_is_not_kept_is_refused_with_400(client: openai.OpenAI, gone: str) -> None:
    if gone == "deleted":
        previous = client.responses.create(model=MODEL, input="Forget me.").id
        client.responses.delete(previous)
    else:
        previous = client.responses.create(model=MODEL, input="Never kept.", store=False).id
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=MODEL, input="Go on.", previous_response_id=previous)
    body = _error_body(caught.value, "POST", "/v1/responses")
    assert body["param"] == "previous_response_id"
    assert previous in body["message"] and "not found" in body["message"]


def test_a_rule_on_the_question_follows_a_loop_continued_by_previous_response_id(
    client: openai.OpenAI, mock_url: str
) -> None:
    """The README's agent rule (``contains: weather``, a tool call then text) over a Responses loop
    whose second turn sends only the tool's output and ``previous_response_id``: the question asked
    in the first turn is still the conversation's, so the rule's second answer comes."""
    rule = {
        "name": "weather-agent",
        "when": {"operation": "postResponses", "contains": "weather", "tools": True},
        "then": {
            "sequence": [
                {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]},
                {"text": "Sunny."},
            ]
        },
    }
    ids = add_rules(mock_url, {"rules": [rule]})
    try:
        tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
        first = client.responses.create(model=MODEL, input="What is the weather in Paris?", tools=[tool])
        (call,) = [item for item in first.output if item.type == "function_call"]
        output = {"type": "function_call_output", "call_id": call.call_id, "output": "21C"}
        second = client.responses.create(
            model=MODEL, previous_response_id=first.id, input=[output], tools=[tool]
        )
        assert second.output_text == "Sunny."
        assert [entry["rule"] for entry in mock_requests(mock_url)[-2:]] == ["weather-agent", "weather-agent"]
    finally:
        remove_rules(mock_url, ids)


def test_store_false_is_answered_but_not_kept(client: openai.OpenAI) -> None:
    created = client.responses.create(model=MODEL, input="Off the record.", store=False)
    assert created.output_text and created.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.input_items.list(created.id)


# -- background ----------------------------------------------------------------------------------


def _poll_until_done(client: openai.OpenAI, response_id: str) -> tuple[list[str], Any]:
    seen = []
    for _ in range(5):
        raw = client.responses.with_raw_response.retrieve(response_id)
        _checked("GET", "/v1/responses/{response_id}", raw)
        response = raw.parse()
        seen.append(response.status)
        if response.status not in ("queued", "in_progress"):
            return seen, response
    raise AssertionError(f"never finished: {seen}")


def test_a_background_response_ends_with_the_answer_a_foreground_create_gives(client: openai.OpenAI) -> None:
    request: dict[str, Any] = {
        "model": MODEL,
        "input": "Summarize the plot of Hamlet.",
        "max_output_tokens": 200,
    }
    raw = client.responses.with_raw_response.create(**request, background=True)
    started = _checked("POST", "/v1/responses", raw)
    assert started["background"] is True and started["status"] in ("queued", "in_progress")
    assert started["output"] == []
    seen, finished = _poll_until_done(client, started["id"])
    assert seen[0] == "in_progress" and seen[-1] == "completed", seen
    foreground = client.responses.create(**request)
    assert finished.id == started["id"] != foreground.id
    assert finished.background is True
    assert finished.output_text == foreground.output_text != ""
    assert [(item.type, getattr(item, "role", None)) for item in finished.output] == [
        (item.type, getattr(item, "role", None)) for item in foreground.output
    ]
    assert finished.usage is not None and foreground.usage is not None
    assert finished.usage.model_dump() == foreground.usage.model_dump()
    assert client.responses.retrieve(finished.id).output_text == foreground.output_text  # it stays done
    items = list(client.responses.input_items.list(finished.id))
    assert [part.text for item in items for part in getattr(item, "content", [])] == [request["input"]]


def test_a_background_response_asked_as_a_stream_streams_and_is_kept(client: openai.OpenAI) -> None:
    """OpenAI streams a ``background`` response: events, not a task envelope, then it is retrievable."""
    events = list(client.responses.create(model=MODEL, input="Stream it.", background=True, stream=True))
    assert [events[0].type, events[-1].type] == ["response.created", "response.completed"]
    completed = events[-1].response
    assert completed.id.startswith("resp_") and completed.output_text
    kept = client.responses.retrieve(completed.id)
    assert (kept.id, kept.status, kept.output_text) == (completed.id, "completed", completed.output_text)
    assert kept.background is True
    cancelled = client.responses.cancel(completed.id)  # a background response: cancellable, and it ended
    assert (cancelled.id, cancelled.status) == (completed.id, "completed")


def test_cancelling_a_background_response_in_flight_ends_it_cancelled(client: openai.OpenAI) -> None:
    started = client.responses.create(model=MODEL, input="Take your time.", background=True)
    raw = client.responses.with_raw_response.cancel(started.id)
    cancelled = _checked("POST", "/v1/responses/{response_id}/cancel", raw)
    assert cancelled["status"] == "cancelled" and cancelled["output"] == []
    for _ in range(3):  # polls that would have finished it
        assert client.responses.retrieve(started.id).status == "cancelled"
    assert client.responses.cancel(started.id).status == "cancelled"  # cancelling again changes nothing


def test_cancel_of_a_finished_or_foreground_response(client: openai.OpenAI) -> None:
    started = client.responses.create(model=MODEL, input="Quick one.", background=True)
    _, finished = _poll_until_done(client, started.id)
    again = client.responses.cancel(started.id)
    assert again.status == "completed" and again.output_text == finished.output_text
    foreground = client.responses.create(model=MODEL, input="Not in the background.")
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.cancel(foreground.id)
    _error_body(caught.value, "POST", "/v1/responses/{response_id}/cancel")


def test_prefer_task_fail_ends_a_background_response_failed(client: openai.OpenAI) -> None:
    started = client.responses.create(
        model=MODEL, input="This will fail.", background=True, extra_headers={"Prefer": "task=fail"}
    )
    _, ended = _poll_until_done(client, started.id)
    assert ended.status == "failed" and ended.error is not None and ended.output == []


def test_background_needs_store(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=MODEL, input="Unkept.", background=True, store=False)
    assert _error_body(caught.value, "POST", "/v1/responses")["param"] == "store"


# -- reset ---------------------------------------------------------------------------------------


def test_reset_forgets_stored_responses(client: openai.OpenAI, mock_url: str) -> None:
    kept = client.responses.create(model=MODEL, input="Remember me.")
    running = client.responses.create(model=MODEL, input="Still going.", background=True)
    state = _state(mock_url)
    assert state["stored_responses"]["responses"] >= 2
    request = urllib.request.Request(f"{mock_url}/__gatewright/reset", method="POST")
    with urllib.request.urlopen(request) as reset:  # read and closed: no socket left for the collector
        assert reset.status == 200
    for response_id in (kept.id, running.id):
        with pytest.raises(openai.NotFoundError):
            client.responses.retrieve(response_id)
    state = _state(mock_url)
    assert state["stored_responses"] == {"responses": 0, "bytes": 0}
    assert state["tasks"]["tasks"] == []


def _state(mock_url: str) -> Any:
    with urllib.request.urlopen(f"{mock_url}/__gatewright/state") as answer:
        return json.loads(answer.read())
