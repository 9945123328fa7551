from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.base import Context
from gatewright.normalize.passes.compatible_shapes import compatible_shapes
from gatewright.spec.wires import WIRES

FREE_FORM = {"type": "object", "additionalProperties": True}
SCHEMA = "/paths/~1v1~1chat~1completions/post/responses/200/content/application~1json/schema"


def chat(summary: str, schema: dict[str, Any] = FREE_FORM, **sections: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    op = {"summary": summary, "responses": {"200": {"description": "ok", "content": content}}}
    return spec(paths={"/v1/chat/completions": {"post": op}}, **sections)


def test_declares_the_openai_shape_where_the_route_claims_compatibility() -> None:
    document = chat("OpenAI-compatible chat completions", components={"schemas": {}})
    out, repairs = apply(compatible_shapes, document)
    assert out["components"]["schemas"]["OpenAIChatCompletion"] == WIRES["openai-chat"].data.response.schema
    response = out["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OpenAIChatCompletion"
    }
    [repair] = repairs
    assert repair.pointer == SCHEMA
    assert located(document, repair.pointer) == FREE_FORM


def test_without_a_claim_the_body_stays_free_form() -> None:
    assert apply(compatible_shapes, chat("Chat completions", components={"schemas": {}}))[1] == []


def test_a_declared_shape_is_kept() -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string"}}}
    assert apply(compatible_shapes, chat("OpenAI-compatible", schema, components={"schemas": {}}))[1] == []


def test_nothing_to_repair_adds_nothing() -> None:
    assert apply(compatible_shapes, chat("Chat completions"))[1] == []


def test_declares_the_anthropic_error_envelope_the_prose_names() -> None:
    document = spec(paths={"/v1/messages": {"post": {"responses": {"200": {"description": "ok"}}}}})
    context = Context(api_id="test", prose="Errors use the Anthropic envelope on `/v1/messages`.")
    out, repairs = apply(compatible_shapes, document, context)
    responses = out["paths"]["/v1/messages"]["post"]["responses"]
    assert out["components"]["schemas"]["AnthropicError"] == WIRES["anthropic-messages"].data.error.schema
    assert responses["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AnthropicError"
    }
    assert sorted(r.pointer for r in repairs) == [
        "/paths/~1v1~1messages/post/responses/400",
        "/paths/~1v1~1messages/post/responses/401",
    ]
