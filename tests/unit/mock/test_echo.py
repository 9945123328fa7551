"""The echo rule over bodies and requests of any shape (hypothesis), judged by a JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from gatewright.mock.echo import SERVER_OWNED, echo, echoable

NAMES = st.sampled_from(["model", "prompt", "suffix", "metadata", "input_file_id", "seed", "id", "status"])
SCALARS = st.one_of(st.text(max_size=20), st.integers(-5, 5), st.booleans())
VALUES = st.one_of(SCALARS, st.dictionaries(st.text(max_size=5), SCALARS, max_size=3))


def _accept_all(_: Any) -> bool:
    return True


@given(request=st.dictionaries(NAMES, VALUES), body=st.dictionaries(NAMES, VALUES))
def test_every_field_the_request_restates_is_echoed_and_nothing_else_changes(
    request: dict[str, Any], body: dict[str, Any]
) -> None:
    before = json.loads(json.dumps(body))
    echoed = echo(body, request, _accept_all)
    assert body == before  # never mutated

    def restated(name: str, current: Any) -> Any:
        return request[name] if name in request and name not in SERVER_OWNED else current

    for name, value in echoed.items():
        if name in request and name not in SERVER_OWNED:
            assert value == request[name]  # restated whole, not written into
        elif isinstance(body[name], dict):  # an object directly under the body is echoed into
            assert value == {key: restated(key, inner) for key, inner in body[name].items()}
        else:
            assert value == body[name]
    assert set(echoed) == set(body)  # no field added


@given(request=st.dictionaries(NAMES, VALUES), inner=st.dictionaries(NAMES, VALUES))
def test_an_object_directly_under_the_body_is_echoed_into_too(
    request: dict[str, Any], inner: dict[str, Any]
) -> None:
    echoed = echo({"task": inner}, request, _accept_all)
    for name, value in echoed["task"].items():
        expected = request[name] if name in request and name not in SERVER_OWNED else inner[name]
        assert value == expected


@given(model=st.text(min_size=1, max_size=20), prompt=st.text(max_size=30))
def test_an_edit_the_schema_refuses_is_not_made(model: str, prompt: str) -> None:
    schema = {"type": "object", "properties": {"model": {"enum": ["fixed"]}, "prompt": {"type": "string"}}}

    def valid(value: Any) -> bool:
        return jsonschema.Draft202012Validator(schema).is_valid(value)

    echoed = echo({"model": "fixed", "prompt": "generated"}, {"model": model, "prompt": prompt}, valid)
    assert echoed == {"model": "fixed" if model != "fixed" else model, "prompt": prompt}


def test_an_id_field_restates_the_request_field_it_names() -> None:
    echoed = echo({"training_file_id": "gen"}, {"training_file": "file-abc"}, _accept_all)
    assert echoed == {"training_file_id": "file-abc"}


def test_a_null_sent_is_restated_where_the_schema_allows_it() -> None:
    def nullable_value(body: object) -> bool:  # ``value`` may be anything, ``model`` only a string
        return isinstance(body, dict) and isinstance(body.get("model"), str)

    echoed = echo({"value": "gen", "model": "gen"}, {"value": None, "model": None}, nullable_value)
    assert echoed == {"value": None, "model": "gen"}


def test_echoable_keeps_small_values_only() -> None:
    kept = echoable(
        {"prompt": "x" * 5000, "model": "m", "metadata": {"k": "v"}, "blob": ["y" * 5000], "id": "i"}
    )
    assert kept == {"model": "m", "metadata": {"k": "v"}}


def test_fields_a_task_owns_keep_their_value() -> None:
    body = {"metadata": {"url": "https://result"}, "status": "done", "model": "gen"}
    request = {"metadata": {"k": "v"}, "model": "m"}
    echoed = echo(body, request, _accept_all, owned=[("metadata", "url")])
    assert echoed == {"metadata": {"url": "https://result"}, "status": "done", "model": "m"}


def test_an_object_the_request_restates_whole_is_not_also_written_into() -> None:
    """``seed`` restated at the top replaces the object there; its own ``seed`` is not echoed into it
    afterwards (which left ``{"seed": ""}`` where the request sent ``""``; found by hypothesis)."""
    assert echo({"seed": {"seed": "0"}}, {"seed": ""}, _accept_all) == {"seed": ""}
