"""prose_patterns applies the lifecycle file's field_default statements: a default the prose states for a
field whose schema declares none becomes the field's ``default`` (the mock reports it for a field not
sent), only when the spec says what the statement quotes, the field has no other default and its own
schema takes the value; no API is named in the pass."""

from __future__ import annotations

import re
from typing import Any

import pytest
from passkit import apply, spec

from gatewright.normalize.lifecycles import parse_lifecycles
from gatewright.normalize.passes.base import Context
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.prose_patterns import prose_patterns
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml

QUOTE = "Adam learning rate. Default 1e-4."
STATEMENT = f"""\
lifecycles: []
behaviours:
  - field_default: {{schema: Hyperparameters, field: learning_rate, value: 0.0001}}
    why: {QUOTE}
    note: the rate a job runs with when none is sent
"""
RATE = {"description": QUOTE, "minimum": 0, "type": "number"}
POINTER = "/components/schemas/Hyperparameters/properties/learning_rate"


def document(rate: dict[str, Any] | None = None, **schemas: Any) -> dict[str, Any]:
    hyperparameters = {
        "type": "object",
        "properties": {"learning_rate": dict(RATE) if rate is None else rate, "n_epochs": {"default": 3}},
    }
    return spec(
        info={"title": "t", "version": "1"},
        components={"schemas": {"Hyperparameters": hyperparameters, **schemas}},
    )


def context(text: str = STATEMENT) -> Context:
    source = "api.lifecycles.yaml"
    return Context(api_id="test", lifecycles=parse_lifecycles(parse_yaml(text, source), source, text))


def rate(out: dict[str, Any]) -> Any:
    return out["components"]["schemas"]["Hyperparameters"]["properties"]["learning_rate"]


def test_a_default_the_prose_states_becomes_the_fields_default_logged_with_the_quote() -> None:
    """ipop's ``learning_rate`` said "Default 1e-4." in its description only: the mock, which reports
    the declared default of every hyperparameter not sent, reported no learning rate."""
    out, repairs = apply(prose_patterns, document(), context())
    assert rate(out) == {**RATE, "default": 0.0001}
    assert [(r.pointer, r.after) for r in repairs] == [(f"{POINTER}/default", 0.0001)]
    assert repairs[0].change == "gave `learning_rate` the default the prose states"
    assert QUOTE in repairs[0].why and "the rate a job runs with when none is sent" in repairs[0].why


def test_a_field_that_has_the_stated_default_already_is_left_as_it_is() -> None:
    out, repairs = apply(prose_patterns, document({**RATE, "default": 0.0001}), context())
    assert (out, repairs) == (document({**RATE, "default": 0.0001}), [])


def test_the_value_is_judged_against_the_field_with_its_refs_resolved() -> None:
    field = {"description": QUOTE, "anyOf": [{"$ref": "#/components/schemas/Rate"}, {"type": "null"}]}
    out, _ = apply(prose_patterns, document(field, Rate={"type": "number", "minimum": 0}), context())
    assert rate(out)["default"] == 0.0001
    with pytest.raises(BehaviourError, match=re.escape("does not take -1")):
        prose_patterns.apply(
            document(field, Rate={"type": "number", "minimum": 0}),
            context(STATEMENT.replace("value: 0.0001", "value: -1")),
        )


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            STATEMENT,
            {**RATE, "default": 0.001},
            "Hyperparameters.learning_rate has the default 0.001 already",
        ),
        (STATEMENT, {**RATE, "default": "0.0001"}, "has the default '0.0001' already"),
        (
            STATEMENT.replace("value: 0.0001", "value: -0.5"),
            None,
            "Hyperparameters.learning_rate does not take -0.5: minimum at /",
        ),
        (
            STATEMENT.replace("value: 0.0001", "value: '1e-4'"),
            None,
            "Hyperparameters.learning_rate does not take '1e-4': type at /",
        ),
        (
            STATEMENT.replace(f"why: {QUOTE}", "why: Default 1e-3."),
            None,
            "the spec does not say 'Default 1e-3.'",
        ),
        (STATEMENT.replace("schema: Hyperparameters", "schema: Missing"), None, "schema Missing"),
        (STATEMENT.replace("field: learning_rate", "field: rate"), None, "declares no inline property rate"),
    ],
    ids=["another default", "a string default", "below the minimum", "a string", "quote", "schema", "field"],
)
def test_a_statement_the_document_disagrees_with_is_an_error_naming_its_line(
    text: str, field: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(BehaviourError) as refused:
        prose_patterns.apply(document(field), context(text))
    assert message in refused.value.message
    assert refused.value.message.startswith("field_default: ")
    assert refused.value.source == "api.lifecycles.yaml" and refused.value.line == 3


def test_a_field_is_given_one_default_statement_and_it_names_no_operations() -> None:
    twice = STATEMENT + "  - field_default: {schema: Hyperparameters, field: learning_rate, value: 0.001}\n"
    twice += f"    why: {QUOTE}\n"
    with pytest.raises(SpecError, match=r"field_default of Hyperparameters\.learning_rate is stated twice"):
        context(twice)
    with pytest.raises(SpecError, match="/behaviours/0"):
        context(STATEMENT.replace("    why:", "    operations: [POST /v1/jobs]\n    why:", 1))
    with pytest.raises(SpecError, match=r"/behaviours/0/field_default"):
        context(STATEMENT.replace(", value: 0.0001", ""))


def test_a_number_equal_to_the_existing_default_is_that_default_and_a_ref_to_nowhere_is_an_error() -> None:
    """``3`` and ``3.0`` are one JSON Schema value (a statement restating a default changes nothing); a field
    whose schema cannot be resolved cannot be judged, and says so with the statement's line (it raised the
    reference library's own error)."""
    as_float = STATEMENT.replace("value: 0.0001", "value: 2.0")
    out, repairs = apply(prose_patterns, document({**RATE, "default": 2}), context(as_float))
    assert (rate(out)["default"], repairs) == (2, [])
    nowhere = {"description": QUOTE, "allOf": [{"$ref": "#/components/schemas/Nowhere"}]}
    with pytest.raises(BehaviourError) as refused:
        prose_patterns.apply(document(nowhere), context())
    assert "Hyperparameters.learning_rate cannot be judged" in refused.value.message
    assert refused.value.line == 3
