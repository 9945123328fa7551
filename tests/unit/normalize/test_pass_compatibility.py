from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, located, pointers, spec

from gatewright.normalize.passes.compatibility import EXTENSION, compatibility
from gatewright.spec.pointer import escape
from gatewright.spec.validation import DocumentValidators
from gatewright.spec.wires import WIRES

VENDOR_WIRES = sorted(name for name, wire in WIRES.items() if wire.vendor)
REQUEST_SAMPLES = {name: WIRES[name].data.request_samples for name in VENDOR_WIRES}
RESPONSE_SAMPLES = {name: WIRES[name].data.response_samples for name in VENDOR_WIRES}
CHAT_REQUEST = WIRES["openai-chat"].data.request or {}

OPEN = {"type": "object"}
CHAT = "/v1/chat/completions"


def route(
    path: str = CHAT,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    summary: str = "OpenAI-compatible",
    **sections: Any,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "requestBody": {"content": {"application/json": {"schema": request or OPEN}}},
        "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": response or OPEN}}}
        },
    }
    return spec(paths={path: {"post": op}}, **sections)


def op_pointer(path: str = CHAT) -> str:
    return f"/paths/{escape(path)}/post"


def request_at(path: str = CHAT) -> str:
    return f"{op_pointer(path)}/requestBody/content/application~1json/schema"


def response_at(path: str = CHAT) -> str:
    return f"{op_pointer(path)}/responses/200/content/application~1json/schema"


def all_valid(document: dict[str, Any], schema: dict[str, Any], wire: str, samples: Any) -> bool:
    validators = DocumentValidators(document)
    return all(validators.is_valid(schema, sample.body) for sample in samples[wire])


def widenings(repairs: list[Any]) -> list[str]:
    return [r.pointer for r in repairs if not r.pointer.endswith(EXTENSION)]


@pytest.mark.parametrize(
    ("path", "summary", "wire"),
    [
        ("/v1/chat/completions", "OpenAI-compatible", "openai-chat"),
        ("/v1/completions", "Works with the OpenAI SDK", "openai-completions"),
        ("/v1/embeddings", "OpenAI-compatible", "openai-embeddings"),
        ("/v1/responses", "Compatible with OpenAI Responses API format.", "openai-responses"),
        ("/v1/messages", "Compatible with Anthropic Messages API format.", "anthropic-messages"),
    ],
)
def test_a_claimed_route_is_marked_with_its_wire(path: str, summary: str, wire: str) -> None:
    document = route(path, summary=summary)
    out, repairs = apply(compatibility, document)
    assert out["paths"][path]["post"][EXTENSION] == {"wire": wire}
    assert pointers(repairs) == [f"{op_pointer(path)}/{EXTENSION}"]
    assert located(document, repairs[0].pointer) == document["paths"][path]["post"]


def test_without_a_claim_nothing_is_marked_or_widened() -> None:
    closed = {"type": "object", "additionalProperties": False, "properties": {}}
    assert apply(compatibility, route(summary="Chat completions", request=closed))[1] == []


def test_the_wrong_vendor_is_no_claim() -> None:
    assert apply(compatibility, route("/v1/messages", summary="OpenAI-compatible"))[1] == []


def test_a_claim_on_one_route_of_a_vendor_covers_its_other_wire_routes() -> None:
    document = route(summary="Compatible with OpenAI Chat Completions API format.")
    document["paths"].update(route("/v1/embeddings", summary="Create embeddings")["paths"])
    document["paths"].update(route("/v1/messages", summary="Create a message")["paths"])
    out, repairs = apply(compatibility, document)
    assert out["paths"]["/v1/embeddings"]["post"][EXTENSION] == {"wire": "openai-embeddings"}
    assert EXTENSION not in out["paths"]["/v1/messages"]["post"]
    assert "its other OpenAI routes OpenAI-compatible" in repairs[1].why


def test_open_schemas_are_left_alone() -> None:
    _, repairs = apply(compatibility, route())
    assert widenings(repairs) == []


def test_a_null_assistant_content_and_a_tool_message_are_accepted() -> None:
    message = {
        "type": "object",
        "required": ["role", "content"],
        "properties": {
            "role": {"type": "string", "enum": ["system", "user", "assistant"]},
            "content": {"type": "string"},
        },
    }
    request = {"type": "object", "properties": {"messages": {"type": "array", "items": message}}}
    document = route(request=request)
    out, repairs = apply(compatibility, document)
    items = out["paths"][CHAT]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "messages"
    ]["items"]
    original, developer, tool = items["anyOf"]
    content = original["properties"]["content"]["anyOf"]
    assert {"type": "string"} in content and {"type": "null"} in content  # text, or null beside tool_calls
    assert any(branch.get("type") == "array" for branch in content)  # content parts
    assert original["properties"]["role"] == message["properties"]["role"]
    assert "developer" in developer["properties"]["role"]["enum"]
    assert tool["properties"]["role"] == {"const": "tool"}
    items_at = f"{request_at()}/properties/messages/items"
    assert widenings(repairs)[0] == items_at and len(widenings(repairs)) == 4
    assert all("OpenAI-compatible" in r.why for r in repairs)
    assert all_valid(out, {"$ref": f"#{request_at()}"}, "openai-chat", REQUEST_SAMPLES)


def test_a_closed_request_declares_the_official_fields() -> None:
    request = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"model": {"type": "string"}, "messages": {"type": "array"}},
    }
    out, repairs = apply(compatibility, route(request=request))
    properties = out["paths"][CHAT]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"
    ]
    assert list(properties) == [
        "model",
        "messages",
        "tools",
        "tool_choice",
        "response_format",
        "max_tokens",
        "n",
        "stop",
        "max_completion_tokens",
        "stream",
        "stream_options",
    ]
    assert properties["stop"] == CHAT_REQUEST["properties"]["stop"]
    assert all(r.change.startswith("declared the property") for r in repairs[1:])
    assert all_valid(out, {"$ref": f"#{request_at()}"}, "openai-chat", REQUEST_SAMPLES)


def test_token_id_lists_become_exclusive_one_of_branches() -> None:
    request = {
        "type": "object",
        "properties": {
            "input": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        },
    }
    out, repairs = apply(compatibility, route("/v1/embeddings", request=request))
    schema = out["paths"]["/v1/embeddings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    branches = schema["properties"]["input"]["oneOf"]
    assert branches[2] == {"type": "array", "minItems": 1, "items": {"type": "integer"}}
    assert branches[3]["items"]["items"] == {"type": "integer"}
    assert widenings(repairs) == [f"{request_at('/v1/embeddings')}/properties/input"] * 2


def test_a_string_only_input_accepts_the_official_item_list() -> None:
    request = {"type": "object", "properties": {"input": {"type": "string", "description": "Enter text"}}}
    out, repairs = apply(compatibility, route("/v1/responses", request=request))
    schema = out["paths"]["/v1/responses"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert list(schema["properties"]["input"]) == ["anyOf", "description"]
    assert schema["properties"]["input"]["anyOf"][0] == {"type": "string"}
    assert schema["properties"]["input"]["anyOf"][1]["type"] == "array"
    assert all_valid(out, schema, "openai-responses", REQUEST_SAMPLES)
    [widened] = widenings(repairs)
    assert widened == f"{request_at('/v1/responses')}/properties/input"


def test_an_unknown_content_block_becomes_an_alternative_and_the_vendor_fields_stop_being_required() -> None:
    response = {
        "type": "object",
        "required": ["content", "gateway_latency_ms"],
        "properties": {
            "content": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "text"],
                    "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
                },
            }
        },
    }
    document = route("/v1/messages", summary="Anthropic-compatible", response=response)
    out, repairs = apply(compatibility, document)
    schema = out["paths"]["/v1/messages"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["content"]
    kinds = [branch["properties"]["type"] for branch in schema["properties"]["content"]["items"]["anyOf"]]
    assert kinds == [{"const": "text"}, {"const": "tool_use"}, {"const": "thinking"}]
    at = response_at("/v1/messages")
    assert widenings(repairs) == [
        f"{at}/required",
        f"{at}/properties/content/items",
        f"{at}/properties/content/items/anyOf",
    ]
    assert all_valid(out, schema, "anthropic-messages", RESPONSE_SAMPLES)


def test_a_component_shared_with_other_operations_is_copied() -> None:
    reply = {"type": "object", "required": ["id", "meta"], "properties": {"id": {"type": "string"}}}
    ref = {"$ref": "#/components/schemas/Reply"}
    document = route(response=ref, components={"schemas": {"Reply": reply}})
    document["paths"]["/v1/history/{id}"] = {
        "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}}
    }
    out, repairs = apply(compatibility, document)
    assert out["components"]["schemas"]["Reply"] == reply
    assert out["components"]["schemas"]["ReplyCompatible"]["required"] == ["id"]
    assert out["paths"][CHAT]["post"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReplyCompatible"
    }
    assert widenings(repairs) == [
        "/components/schemas/ReplyCompatible",
        f"{response_at()}/$ref",
        "/components/schemas/ReplyCompatible/required",
    ]


def test_a_component_only_compatible_operations_use_is_widened_in_place() -> None:
    reply = {"type": "object", "required": ["id", "meta"], "properties": {"id": {"type": "string"}}}
    document = route(
        response={"$ref": "#/components/schemas/Reply"}, components={"schemas": {"Reply": reply}}
    )
    out, repairs = apply(compatibility, document)
    assert out["components"]["schemas"] == {"Reply": {**reply, "required": ["id"]}}
    assert widenings(repairs) == ["/components/schemas/Reply/required"]


def test_the_gateways_model_catalogue_is_not_widened() -> None:
    request = {"type": "object", "required": ["model"], "properties": {"model": {"enum": ["gw-large"]}}}
    _, repairs = apply(compatibility, route(request=request))
    assert widenings(repairs) == []


@pytest.mark.parametrize("wire", VENDOR_WIRES)
def test_the_official_schemas_accept_the_official_samples(wire: str) -> None:
    validators = DocumentValidators({})
    data = WIRES[wire].data
    assert data.request is not None and data.response is not None
    assert all(validators.is_valid(data.request, s.body) for s in data.request_samples)
    assert all(validators.is_valid(data.response.schema, s.body) for s in data.response_samples)
