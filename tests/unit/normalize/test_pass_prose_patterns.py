"""prose_patterns applies the lifecycle file's field_pattern statements: a form the prose gives a free
string becomes its pattern, a form the prose adds to an enum widens it (every value valid before stays
valid), each only when the spec says what the statement quotes; no API is named in the pass."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from passkit import apply, spec

from gatewright.normalize.lifecycles import parse_lifecycles
from gatewright.normalize.passes.base import Context
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.prose_patterns import prose_patterns
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml

WINDOW = "^[1-9][0-9]*[smhd]$"
FINE_TUNE = "^ft:[^:]+:u_[^:]+$"
STATEMENTS = f"""\
lifecycles: []
behaviours:
  - field_pattern: {{schema: CreateBatch, field: window, pattern: '{WINDOW}'}}
    why: "e.g. '24h', '30m'"
  - field_pattern:
      schema: Chat
      field: model
      pattern: '{FINE_TUNE}'
      widens: true
      description: A fine-tune's id.
    why: invokable through /v1/chat using the returned id
    note: a fine-tune's id is a chat model
"""
CHAT_MODEL = {
    "description": "A catalog id.",
    "enum": ["small", "large"],
    "type": "string",
    "examples": ["small"],
}


def document(window: dict[str, Any] | None = None, model: dict[str, Any] | None = None) -> dict[str, Any]:
    schemas = {
        "CreateBatch": {
            "type": "object",
            "properties": {
                "window": window
                or {"type": "string", "default": "24h", "description": "How long it may run."}
            },
        },
        "Chat": {"type": "object", "properties": {"model": model or dict(CHAT_MODEL)}},
    }
    prose = "Batches run for a window, e.g. '24h', '30m'. "
    prose += "A fine-tune is invokable through /v1/chat using the returned id."
    return spec(info={"title": "t", "version": "1", "description": prose}, components={"schemas": schemas})


def context(text: str = STATEMENTS) -> Context:
    source = "api.lifecycles.yaml"
    return Context(api_id="test", lifecycles=parse_lifecycles(parse_yaml(text, source), source, text))


def valid(schema: dict[str, Any], value: Any) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def test_a_form_the_prose_gives_a_free_string_becomes_its_pattern() -> None:
    out, repairs = apply(prose_patterns, document(), context())
    window = out["components"]["schemas"]["CreateBatch"]["properties"]["window"]
    assert window["pattern"] == WINDOW
    assert repairs[0].pointer == "/components/schemas/CreateBatch/properties/window/pattern"
    assert "e.g. '24h', '30m'" in repairs[0].why
    assert valid(window, "30m") and valid(window, "24h")
    assert not valid(window, "1w") and not valid(window, "24 hours")


def test_a_form_the_prose_adds_widens_the_field_and_keeps_every_value_it_listed() -> None:
    out, repairs = apply(prose_patterns, document(), context())
    model = out["components"]["schemas"]["Chat"]["properties"]["model"]
    assert (model["description"], model["examples"]) == (CHAT_MODEL["description"], CHAT_MODEL["examples"])
    assert model["anyOf"] == [
        {"enum": ["small", "large"], "type": "string"},
        {
            "type": "string",
            "pattern": FINE_TUNE,
            "x-gatewright-widened": True,
            "description": "A fine-tune's id.",
        },
    ]
    for before in ("small", "large"):
        assert valid(CHAT_MODEL, before) and valid(model, before)
    assert valid(model, "ft:small:u_42") and not valid(CHAT_MODEL, "ft:small:u_42")
    assert not valid(model, "medium") and not valid(model, "ft:small")
    widened = next(r for r in repairs if r.pointer == "/components/schemas/Chat/properties/model")
    assert "invokable through /v1/chat" in widened.why and "a fine-tune's id is a chat model" in widened.why
    assert widened.before == CHAT_MODEL


def test_without_statements_nothing_changes() -> None:
    out, repairs = apply(prose_patterns, document(), Context(api_id="test"))
    assert (out, repairs) == (document(), [])


@pytest.mark.parametrize(
    ("text", "window", "model", "message"),
    [
        (STATEMENTS.replace("e.g. '24h', '30m'\"", "e.g. '1w'\""), None, None, "the spec does not say"),
        (STATEMENTS.replace("schema: CreateBatch", "schema: Missing"), None, None, "schema Missing"),
        (STATEMENTS.replace("field: window", "field: size"), None, None, "declares no inline property size"),
        (STATEMENTS, {"type": "string", "default": "1 day"}, None, "the default '1 day' does not match"),
        (STATEMENTS, {"type": "string", "pattern": "^x$"}, None, "has a pattern already"),
        (STATEMENTS, None, {"type": "string", "description": "any"}, "takes any string already"),
        (STATEMENTS, None, {"type": ["string", "null"]}, "takes any string already"),
    ],
    ids=["quote", "schema", "field", "default", "pattern", "free", "free or null"],
)
def test_a_statement_that_does_not_fit_the_document_is_an_error_naming_its_line(
    text: str, window: dict[str, Any] | None, model: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(BehaviourError) as refused:
        prose_patterns.apply(document(window, model), context(text))
    assert message in refused.value.message
    assert refused.value.source == "api.lifecycles.yaml" and refused.value.line is not None


def test_a_field_is_given_one_pattern_statement() -> None:
    twice = STATEMENTS + f"  - field_pattern: {{schema: CreateBatch, field: window, pattern: '{WINDOW}'}}\n"
    twice += "    why: \"e.g. '24h', '30m'\"\n"
    with pytest.raises(SpecError, match=r"field_pattern of CreateBatch\.window is stated twice"):
        context(twice)


def test_a_pattern_statement_names_no_operations() -> None:
    text = STATEMENTS.replace('    why: "e.g.', '    operations: [POST /v1/batches]\n    why: "e.g.', 1)
    with pytest.raises(SpecError, match="/behaviours/0"):
        context(text)


PARAMETERS = STATEMENTS.replace(
    "      description: A fine-tune's id.\n",
    "      description: A fine-tune's id.\n"
    '      parameters: [{operation: "GET /v1/models/{model_id}", name: model_id}]\n',
)
MODEL_PARAMETER = {"in": "path", "name": "model_id", "required": True, "schema": dict(CHAT_MODEL)}


def with_models_route(parameter: dict[str, Any]) -> dict[str, Any]:
    doc = document()
    doc["paths"] = {"/v1/models/{model_id}": {"get": {"parameters": [parameter], "responses": {}}}}
    return doc


def test_a_parameter_that_names_the_same_values_takes_the_form_too() -> None:
    """ipop's ``GET /v1/models/{model_id}`` is an enum of its catalog: a fine-tune's id, which chat takes,
    was refused there."""
    out, repairs = apply(prose_patterns, with_models_route(dict(MODEL_PARAMETER)), context(PARAMETERS))
    schema = out["paths"]["/v1/models/{model_id}"]["get"]["parameters"][0]["schema"]
    assert schema == out["components"]["schemas"]["Chat"]["properties"]["model"]
    assert valid(schema, "small") and valid(schema, "ft:small:u_42") and not valid(schema, "medium")
    logged = next(
        r for r in repairs if r.pointer == "/paths/~1v1~1models~1{model_id}/get/parameters/0/schema"
    )
    assert "`model_id`" in logged.change and "invokable through /v1/chat" in logged.why


@pytest.mark.parametrize(
    ("parameter", "message"),
    [
        ({**MODEL_PARAMETER, "name": "id"}, "declares no parameter model_id"),
        (
            {**MODEL_PARAMETER, "schema": {"$ref": "#/components/schemas/Chat"}},
            "declares no parameter model_id",
        ),
        (
            {**MODEL_PARAMETER, "schema": {"type": "string"}},
            "GET /v1/models/{model_id} model_id takes any string",
        ),
    ],
    ids=["name", "ref", "free"],
)
def test_a_parameter_the_operation_does_not_declare_fit_is_an_error(
    parameter: dict[str, Any], message: str
) -> None:
    with pytest.raises(BehaviourError, match=re.escape(message)):
        prose_patterns.apply(with_models_route(parameter), context(PARAMETERS))


def test_a_parameter_of_an_operation_not_in_the_document_is_an_error() -> None:
    with pytest.raises(BehaviourError, match=re.escape("GET /v1/models/{model_id} is not in the document")):
        prose_patterns.apply(document(), context(PARAMETERS))


VALUES = """\
lifecycles: []
behaviours:
  - field_values: {parameter: purpose, schema: File, field: purpose}
    operations: [POST /v1/files]
    why: The purpose query parameter selects the storage purpose
"""
FILE_PURPOSE = {"type": "string", "enum": ["batch", "fine-tune"], "description": "What the file is for."}


def upload_document(purpose: dict[str, Any] | None = None) -> dict[str, Any]:
    parameter = {
        "in": "query",
        "name": "purpose",
        "schema": purpose or {"type": "string", "description": "d"},
    }
    doc = spec(
        info={
            "title": "t",
            "version": "1",
            "description": "The purpose query parameter selects the storage purpose.",
        },
        components={"schemas": {"File": {"type": "object", "properties": {"purpose": dict(FILE_PURPOSE)}}}},
    )
    doc["paths"] = {"/v1/files": {"post": {"parameters": [parameter], "responses": {}}}}
    return doc


def test_a_parameter_takes_the_values_of_the_field_it_fills() -> None:
    """ipop's upload ``purpose`` was any string, its file object's a list: a word outside it was kept and
    stated as another."""
    out, repairs = apply(prose_patterns, upload_document(), context(VALUES))
    schema = out["paths"]["/v1/files"]["post"]["parameters"][0]["schema"]
    assert schema == {"type": "string", "enum": ["batch", "fine-tune"], "description": "d"}
    assert [r.pointer for r in repairs] == ["/paths/~1v1~1files/post/parameters/0/schema"]
    assert (
        repairs[0].change == "gave `purpose` the values of File.purpose"
        and "storage purpose" in repairs[0].why
    )
    again, more = apply(prose_patterns, out, context(VALUES))
    assert (again, more) == (out, [])


def test_a_parameter_that_limits_its_values_already_is_an_error() -> None:
    with pytest.raises(BehaviourError, match=re.escape("POST /v1/files purpose limits its values already")):
        prose_patterns.apply(upload_document({"type": "string", "maxLength": 9}), context(VALUES))
