"""Properties of the whole pass pipeline over small generated documents."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewright.normalize.passes.base import Context
from gatewright.normalize.pipeline import run_passes
from gatewright.spec.pointer import walk

CONTEXT = Context(api_id="generated", source_version="3.0.3")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
types = st.sampled_from(["string", "integer", "number", "boolean", "object", "array"])


@st.composite
def schemas(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": draw(types)}
    if draw(st.booleans()):
        schema["nullable"] = draw(st.booleans())
    if draw(st.booleans()):
        schema["example"] = draw(json_values)
    if draw(st.booleans()):
        schema["enum"] = draw(st.lists(json_values, min_size=1, max_size=3, unique_by=repr))
    if depth < 2 and schema["type"] == "object" and draw(st.booleans()):
        names = draw(st.lists(st.sampled_from("abc"), max_size=2, unique=True))
        schema["properties"] = {name: draw(schemas(depth + 1)) for name in names}
    if depth < 2 and schema["type"] == "array" and draw(st.booleans()):
        schema["items"] = draw(schemas(depth + 1))
    return schema


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    named = {f"S{i}": draw(schemas()) for i in range(draw(st.integers(1, 3)))}
    content: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/S0"}}
    if draw(st.booleans()):
        content["example"] = draw(json_values)
    return {
        "openapi": "3.0.3",
        "info": {"title": "generated", "version": "1"},
        "paths": {
            "/items/{id}": {
                "get": {"responses": {"200": {"description": "ok", "content": {"application/json": content}}}}
            }
        },
        "components": {"schemas": named},
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_pipeline_is_idempotent_and_leaves_its_input_alone(document: dict[str, Any]) -> None:
    original = copy.deepcopy(document)
    out, _ = run_passes(document, CONTEXT)
    assert document == original
    again, repairs = run_passes(out, CONTEXT)
    assert repairs == []
    assert again == out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_no_3_0_schema_keywords_survive(document: dict[str, Any]) -> None:
    out, _ = run_passes(document, CONTEXT)
    for _pointer, node in walk(out["components"]["schemas"]):
        if isinstance(node, dict) and "type" in node:
            assert "nullable" not in node
            assert "example" not in node
