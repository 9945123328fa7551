from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, located, pointers, spec

from gatewright.normalize.passes.compatibility import EXTENSION
from gatewright.normalize.passes.wire_fidelity import BOUNDS_WHY, wire_fidelity
from gatewright.spec.pointer import escape, resolve
from gatewright.spec.validation import DocumentValidators
from gatewright.spec.wires import WIRES

CHAT = "/v1/chat/completions"
EMBEDDINGS = "/v1/embeddings"
JSON = "application~1json"


def operation(
    wire: str | None, request: dict[str, Any], errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "requestBody": {"content": {"application/json": {"schema": request}}},
        "responses": {"200": {"description": "ok"}, **(errors or {})},
    }
    if wire is not None:
        op[EXTENSION] = {"wire": wire}
    return op


def apply_facts(document: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The pass, with the bounds it states (tested on their own, below) left out of what it logged."""
    out, repairs = apply(wire_fidelity, document)
    return out, [repair for repair in repairs if repair.why != BOUNDS_WHY]


def error(ref: str = "#/components/schemas/Error") -> dict[str, Any]:
    return {"description": "bad", "content": {"application/json": {"schema": {"$ref": ref}}}}


def request_at(path: str) -> str:
    return f"/paths/{escape(path)}/post/requestBody/content/{JSON}/schema"


def valid(document: dict[str, Any], pointer: str, value: Any) -> bool:
    return DocumentValidators(document).is_valid(resolve(document, pointer), value)


OPENAI_ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": "string"},
                "code": {"type": "string"},
            },
        }
    },
}


# -- error envelopes --


def test_param_and_code_of_an_openai_style_envelope_allow_null() -> None:
    document = spec(
        paths={CHAT: {"post": operation("openai-chat", {"type": "object"}, {"400": error()})}},
        components={"schemas": {"Error": OPENAI_ERROR}},
    )
    out, repairs = apply_facts(document)
    field = "/components/schemas/Error/properties/error/properties"
    assert pointers(repairs) == [f"{field}/param/type", f"{field}/code/type"]
    assert all(r.before == "string" and r.after == ["string", "null"] for r in repairs)
    assert all("null" in r.why for r in repairs)
    assert located(document, repairs[0].pointer) == "string"
    official = {"error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}}
    assert valid(out, "/components/schemas/Error", official)
    assert not valid(out, "/components/schemas/Error", {"error": {"message": "m", "param": 3}})


def test_error_envelopes_behind_component_responses_are_found() -> None:
    document = spec(
        paths={
            EMBEDDINGS: {
                "post": operation(
                    "openai-embeddings",
                    {"type": "object"},
                    {"400": {"$ref": "#/components/responses/Bad"}},
                )
            }
        },
        components={"schemas": {"Error": OPENAI_ERROR}, "responses": {"Bad": error()}},
    )
    _, repairs = apply_facts(document)
    assert len(repairs) == 2


@pytest.mark.parametrize(
    "field",
    [
        {"type": "string", "enum": ["bad_request"]},
        {"type": ["string", "null"]},
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"type": "integer"},
    ],
)
def test_fields_that_are_not_plain_strings_are_left_alone(field: dict[str, Any]) -> None:
    envelope = {"type": "object", "properties": {"error": {"properties": {"message": {}, "code": field}}}}
    document = spec(
        paths={CHAT: {"post": operation("openai-chat", {"type": "object"}, {"400": error()})}},
        components={"schemas": {"Error": envelope}},
    )
    assert apply_facts(document)[1] == []


def test_envelopes_that_are_not_openai_style_or_not_compatible_are_left_alone() -> None:
    flat = {"type": "object", "properties": {"error": {"type": "string"}, "param": {"type": "string"}}}
    anthropic = {"type": "object", "properties": {"error": {"$ref": "#/components/schemas/Error"}}}
    document = spec(
        paths={
            CHAT: {
                "post": operation(
                    "openai-chat", {"type": "object"}, {"400": error("#/components/schemas/Flat")}
                )
            },
            "/v1/messages": {
                "post": operation(
                    "anthropic-messages", {"type": "object"}, {"400": error("#/components/schemas/A")}
                )
            },
            "/v1/other": {"post": operation(None, {"type": "object"}, {"400": error()})},
        },
        components={"schemas": {"Error": OPENAI_ERROR, "Flat": flat, "A": anthropic}},
    )
    assert apply_facts(document)[1] == []


# -- chat messages need their role --

OFFICIAL_MESSAGES = [
    {"role": "system", "content": "s"},
    {"role": "developer", "content": "d"},
    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    },
    {"role": "tool", "tool_call_id": "c", "content": "ok"},
]


@pytest.mark.parametrize(
    "items",
    [
        {"type": "object"},
        {"type": "object", "additionalProperties": True},
        {
            "anyOf": [
                {"type": "object", "properties": {"role": {"type": "string"}, "content": {}}},
                {"type": "object", "required": ["role", "content"]},
            ]
        },
    ],
)
def test_a_chat_message_must_name_its_role(items: dict[str, Any]) -> None:
    request = {"type": "object", "properties": {"messages": {"type": "array", "items": items}}}
    document = spec(paths={CHAT: {"post": operation("openai-chat", request)}})
    out, repairs = apply_facts(document)
    messages_at = f"{request_at(CHAT)}/properties/messages"
    items_at = f"{messages_at}/items"
    open_object = "anyOf" not in items  # its role can be given a type; a branch's is its own
    assert pointers(repairs) == [
        f"{messages_at}/minItems",
        f"{items_at}/required",
        *([f"{items_at}/properties/role/type"] if open_object else []),
    ]
    assert repairs[1].after == ["role"]
    assert not valid(out, items_at, {"content": None})
    assert not valid(out, messages_at, [])
    if open_object:
        assert not valid(out, items_at, {"role": None})
    assert all(valid(out, items_at, message) for message in OFFICIAL_MESSAGES)
    body = request_at(CHAT)
    assert all(valid(out, body, sample.body) for sample in WIRES["openai-chat"].data.request_samples)


def test_messages_whose_every_branch_requires_role_are_left_alone() -> None:
    branch = {"type": "object", "required": ["role"], "properties": {"role": {"type": "string"}}}
    request = {
        "type": "object",
        "properties": {
            "messages": {
                "type": "array",
                "minItems": 1,
                "items": {"oneOf": [{"$ref": "#/components/schemas/M"}, branch]},
            }
        },
    }
    document = spec(
        paths={CHAT: {"post": operation("openai-chat", request)}}, components={"schemas": {"M": branch}}
    )
    assert apply_facts(document)[1] == []


def test_a_message_component_shared_with_other_operations_is_tightened_in_a_copy() -> None:
    request = {"$ref": "#/components/schemas/Chat"}
    chat = {"type": "object", "properties": {"messages": {"type": "array", "items": {"type": "object"}}}}
    document = spec(
        paths={
            CHAT: {"post": operation("openai-chat", request)},
            "/v1/own": {"post": operation(None, {"$ref": "#/components/schemas/Chat"})},
        },
        components={"schemas": {"Chat": chat}},
    )
    out, repairs = apply_facts(document)
    assert out["components"]["schemas"]["Chat"] == chat
    assert out["components"]["schemas"]["ChatCompatible"]["properties"]["messages"]["items"]["required"] == [
        "role"
    ]
    copy = "/components/schemas/ChatCompatible/properties/messages"
    assert pointers(repairs)[-3:] == [
        f"{copy}/minItems",
        f"{copy}/items/required",
        f"{copy}/items/properties/role/type",
    ]


# -- embeddings input must not be empty --


def test_embeddings_input_forms_must_not_be_empty() -> None:
    request = {
        "type": "object",
        "required": ["model", "input"],
        "properties": {
            "model": {"type": "string"},
            "input": {
                "oneOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "array", "minItems": 1, "items": {"type": "integer"}},
                    {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "array", "items": {"type": "integer"}},
                    },
                ]
            },
        },
    }
    document = spec(paths={EMBEDDINGS: {"post": operation("openai-embeddings", request)}})
    out, repairs = apply_facts(document)
    input_at = f"{request_at(EMBEDDINGS)}/properties/input"
    assert pointers(repairs) == [f"{input_at}/oneOf/0/minLength", f"{input_at}/oneOf/1/minItems"]
    assert [r.after for r in repairs] == [1, 1]
    assert not valid(out, input_at, [])
    assert not valid(out, input_at, "")
    assert valid(out, input_at, "hi")
    body = request_at(EMBEDDINGS)
    assert all(valid(out, body, sample.body) for sample in WIRES["openai-embeddings"].data.request_samples)


def test_an_open_embeddings_input_is_a_string_or_a_list_not_empty() -> None:
    request = {"type": "object", "properties": {"input": {}}}
    document = spec(paths={EMBEDDINGS: {"post": operation("openai-embeddings", request)}})
    out, repairs = apply_facts(document)
    input_at = f"{request_at(EMBEDDINGS)}/properties/input"
    assert pointers(repairs) == [
        f"{input_at}/type",
        f"{input_at}/items",
        f"{input_at}/minLength",
        f"{input_at}/minItems",
    ]
    assert not valid(out, input_at, []) and not valid(out, input_at, "")
    assert not valid(out, input_at, None) and not valid(out, input_at, 3) and not valid(out, input_at, {})
    assert not valid(out, input_at, [[]])  # a list of token ids is not empty either, as the wire says
    assert valid(out, input_at, ["a"]) and valid(out, input_at, [[1]]) and valid(out, input_at, "a")


def test_operations_not_marked_or_of_other_wires_are_left_alone() -> None:
    request = {"type": "object", "properties": {"input": {}, "messages": {"type": "array", "items": {}}}}
    document = spec(
        paths={
            EMBEDDINGS: {"post": operation(None, request)},
            CHAT: {"post": operation("openai-embeddings", {"type": "object", "properties": {"model": {}}})},
            "/v1/messages": {"post": operation("anthropic-messages", request)},
        }
    )
    assert apply_facts(document)[1] == []


# -- bounds the wire states --


def test_a_field_the_wire_bounds_gets_its_bounds_where_the_document_states_none() -> None:
    open_body = {
        "type": "object",
        "properties": {"messages": {"type": "array", "minItems": 1}, "max_tokens": {"type": "integer"}},
    }
    document = spec(paths={CHAT: {"post": operation("openai-chat", open_body)}})
    out, repairs = apply(wire_fidelity, document)
    fields = located(out, request_at(CHAT))["properties"]
    assert fields["max_tokens"] == {"type": "integer", "minimum": 1}
    assert fields["n"] == {"minimum": 1, "maximum": 128}  # undeclared in an open body: declared bounded
    assert not valid(out, request_at(CHAT), {"messages": [{"role": "user", "content": "hi"}], "n": 129})
    assert {r.pointer.rsplit("/", 1)[-1] for r in repairs if "wire does" in r.change} >= {"n", "max_tokens"}
    assert apply(wire_fidelity, out)[1] == []  # idempotent


def test_a_bound_the_document_states_anywhere_in_the_field_is_left_and_a_closed_body_is_not_widened() -> None:
    stated = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}
    closed = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"messages": {"type": "array", "minItems": 1}, "max_tokens": stated},
    }
    document = spec(paths={CHAT: {"post": operation("openai-chat", closed)}})
    out, _ = apply(wire_fidelity, document)
    fields = located(out, request_at(CHAT))["properties"]
    assert fields["max_tokens"] == stated and "n" not in fields
