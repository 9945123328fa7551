"""prose_patterns applies the lifecycle file's parameter_default statements: a default the prose states for
a parameter whose schema declares none becomes the parameter's ``default`` (the mock's lists read it when
the parameter is not sent), on each operation named, only where the spec says what the statement quotes,
the operation declares the parameter with an inline schema, it has no other default and takes the value."""

from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, spec

from gatewright.normalize.lifecycles import parse_lifecycles
from gatewright.normalize.passes.base import Context
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.prose_patterns import prose_patterns
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml

QUOTE = "Use the `limit` query param to cap the page size (default 20, max 100)."
STATEMENT = f"""\
lifecycles: []
behaviours:
  - parameter_default: {{name: limit, value: 20}}
    operations: [GET /v1/stores]
    why: {QUOTE}
"""
LIMIT = {"maximum": 100, "minimum": 1, "type": "integer"}


def document(limit: dict[str, Any] | None = None) -> dict[str, Any]:
    parameter = {
        "in": "query",
        "name": "limit",
        "required": False,
        "schema": dict(LIMIT) if limit is None else limit,
    }
    listing = {"operationId": "listStores", "description": QUOTE, "parameters": [parameter], "responses": {}}
    return spec(info={"title": "t", "version": "1"}, paths={"/v1/stores": {"get": listing}})


def context(text: str = STATEMENT) -> Context:
    source = "api.lifecycles.yaml"
    return Context(api_id="test", lifecycles=parse_lifecycles(parse_yaml(text, source), source, text))


def limit(out: dict[str, Any]) -> Any:
    return out["paths"]["/v1/stores"]["get"]["parameters"][0]["schema"]


def test_a_default_the_prose_states_becomes_the_parameters_default_logged_with_the_quote() -> None:
    out, repairs = apply(prose_patterns, document(), context())
    assert limit(out) == {**LIMIT, "default": 20}
    assert [(r.pointer, r.after, r.change) for r in repairs] == [
        (
            "/paths/~1v1~1stores/get/parameters/0/schema/default",
            20,
            "gave `limit` the default the prose states",
        )
    ]
    assert QUOTE in repairs[0].why
    again, relog = apply(prose_patterns, out, context())
    assert (again, relog) == (out, [])


@pytest.mark.parametrize(
    ("text", "schema", "message"),
    [
        (STATEMENT, {**LIMIT, "default": 50}, "GET /v1/stores limit has the default 50 already"),
        (
            STATEMENT.replace("value: 20", "value: 500"),
            None,
            "GET /v1/stores limit does not take 500: maximum",
        ),
        (STATEMENT.replace("name: limit", "name: page_size"), None, "declares no parameter page_size"),
        (STATEMENT.replace("GET /v1/stores", "GET /v1/shops"), None, "GET /v1/shops is not in the document"),
        (
            STATEMENT.replace(f"why: {QUOTE}", "why: twenty a page"),
            None,
            "the spec does not say 'twenty a page'",
        ),
    ],
    ids=["another default", "above the maximum", "no such parameter", "no such operation", "quote"],
)
def test_a_statement_the_document_disagrees_with_is_an_error_naming_its_line(
    text: str, schema: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(BehaviourError) as refused:
        prose_patterns.apply(document(schema), context(text))
    assert message in refused.value.message
    assert refused.value.message.startswith("parameter_default: ")
    assert refused.value.source == "api.lifecycles.yaml" and refused.value.line == 3


def test_a_parameter_is_given_one_default_per_operation_and_the_statement_names_operations() -> None:
    twice = STATEMENT + "  - parameter_default: {name: limit, value: 10}\n    operations: [GET /v1/stores]\n"
    twice += f"    why: {QUOTE}\n"
    with pytest.raises(SpecError, match="parameter_default limit of GET /v1/stores is stated twice"):
        context(twice)
    with pytest.raises(SpecError, match="/behaviours/0"):
        context(STATEMENT.replace("    operations: [GET /v1/stores]\n", ""))
