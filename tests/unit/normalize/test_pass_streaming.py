from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.streaming import EVENT_SCHEMA, EXTENSION, declare_streams

STREAM_BODY = {"type": "object", "properties": {"stream": {"type": "boolean"}}}
SSE = "/paths/~1v1~1chat~1completions/post/responses/200/content/text~1event-stream"


def chat(
    body: dict[str, Any] | None, content: dict[str, Any], path: str = "/v1/chat/completions"
) -> dict[str, Any]:
    op: dict[str, Any] = {"responses": {"200": {"description": "ok", "content": content}}}
    if body is not None:
        op["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return spec(paths={path: {"post": op}})


def test_a_stream_flag_adds_a_named_event_stream() -> None:
    document = chat(STREAM_BODY, {"application/json": {"schema": {"type": "object"}}})
    out, repairs = apply(declare_streams, document)
    content = out["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert content["text/event-stream"] == {"schema": EVENT_SCHEMA, EXTENSION: {"format": "openai-chat"}}
    assert content["application/json"] == {"schema": {"type": "object"}}
    assert [r.pointer for r in repairs] == [SSE, f"{SSE}/{EXTENSION}"]
    located(document, repairs[0].pointer)


def test_an_existing_event_stream_gets_its_format() -> None:
    document = chat(None, {"text/event-stream": {"schema": {"type": "string"}}}, path="/v1/messages")
    out, repairs = apply(declare_streams, document)
    content = out["paths"]["/v1/messages"]["post"]["responses"]["200"]["content"]
    assert content["text/event-stream"][EXTENSION] == {"format": "anthropic-messages"}
    assert content["text/event-stream"]["schema"]["properties"]["data"] == {"type": "string"}
    described, named = repairs
    assert described.before == {"type": "string"}
    assert located(document, described.pointer) == {"type": "string"}
    assert located(document, named.pointer.rsplit("/", 1)[0]) == {"schema": {"type": "string"}}


def test_no_stream_flag_no_event_stream() -> None:
    document = chat({"type": "object"}, {"application/json": {"schema": {"type": "object"}}})
    assert apply(declare_streams, document)[1] == []


def test_other_routes_are_not_streams() -> None:
    document = chat(STREAM_BODY, {"application/json": {}}, path="/v1/files")
    assert apply(declare_streams, document)[1] == []


def test_a_compatibility_claim_adds_an_event_stream_without_a_stream_flag() -> None:
    document = chat(
        {"type": "object"}, {"application/json": {"schema": {"type": "object"}}}, path="/v1/messages"
    )
    document["paths"]["/v1/messages"]["post"]["summary"] = "Anthropic-compatible messages"
    out, repairs = apply(declare_streams, document)
    content = out["paths"]["/v1/messages"]["post"]["responses"]["200"]["content"]
    assert content["text/event-stream"] == {
        "schema": EVENT_SCHEMA,
        EXTENSION: {"format": "anthropic-messages"},
    }
    assert "Anthropic-compatible" in repairs[0].why


def test_a_claim_for_a_route_without_streams_adds_none() -> None:
    document = chat(
        {"type": "object"}, {"application/json": {"schema": {"type": "object"}}}, path="/v1/embeddings"
    )
    document["paths"]["/v1/embeddings"]["post"]["summary"] = "OpenAI-compatible embeddings"
    assert apply(declare_streams, document)[1] == []
