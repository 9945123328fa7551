"""The echo rule over bodies and requests of any shape (hypothesis), judged by a JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from gatewright.mock.echo import SERVER_OWNED, echo, echoable, request_fields_of
from gatewright.mock.tasks.asked import as_asked

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


FINE_TUNE_REQUEST = {
    "type": "object",
    "properties": {
        "model": {"type": "string", "description": "Base model catalog id. Must be active and trainable."},
        "prompt": {"type": "string", "description": "The prompt to answer."},
        "validation_file": {"type": ["string", "null"], "description": "Optional held-out file."},
        "result_visibility": {"enum": ["user", "project"], "type": "string", "default": "user"},
        "metadata": {"type": "object"},
    },
}


FINE_TUNE_ECHO_AS = {"base_model_id": "model"}  # ipop's fine-tune create's x-gatewright-echo-as


def test_an_answer_field_restates_the_request_field_the_operation_states() -> None:
    """ipop's fine-tune create states (``x-gatewright-echo-as``) that its job's ``base_model_id`` restates
    the ``model`` sent; ``result_model_id`` and a ``base_model`` it does not name keep their values."""
    fields = request_fields_of(FINE_TUNE_REQUEST, FINE_TUNE_REQUEST, FINE_TUNE_ECHO_AS)
    assert fields.stated == {"base_model_id": "model"}
    assert fields.strings == {"model", "prompt", "validation_file", "result_visibility"}
    assert fields.defaults == {"result_visibility": "user"}
    body = {"base_model_id": "base_model_1f", "result_model_id": "ft:x", "base_model": "gen", "model": "gen"}
    echoed = echo(body, {"model": "llama-3"}, _accept_all, fields=fields)
    assert echoed == {**body, "base_model_id": "llama-3", "model": "llama-3"}


def test_a_description_states_nothing() -> None:
    """Without a statement, a request field's description that opens with an answer field's words ("Base
    model catalog id." of ``model``) copies nothing into ``base_model_id``: prose is no echo rule."""
    fields = request_fields_of(FINE_TUNE_REQUEST, FINE_TUNE_REQUEST)
    assert fields.stated == {}
    body = {"base_model_id": "base_model_1f", "base_model": "gen", "model": "gen"}
    assert echo(body, {"model": "llama-3"}, _accept_all, fields=fields) == {**body, "model": "llama-3"}


def test_a_malformed_or_server_owned_statement_states_nothing() -> None:
    """A hand-written ``x-gatewright-echo-as`` that is no mapping of names, or names a field the server
    owns (``id``: the task's own), is read as no statement."""
    for echo_as in (["base_model_id", "model"], {"base_model_id": 1}, {"id": "model"}):
        assert request_fields_of(FINE_TUNE_REQUEST, FINE_TUNE_REQUEST, echo_as).stated == {}
    fields = request_fields_of(FINE_TUNE_REQUEST, FINE_TUNE_REQUEST, {"id": "model", "status": "prompt"})
    assert echo(
        {"id": "job_1", "status": "queued"}, {"model": "m", "prompt": "p"}, _accept_all, fields=fields
    ) == {
        "id": "job_1",
        "status": "queued",
    }


def test_what_a_task_was_not_asked_is_the_declared_default_else_null() -> None:
    """A fine-tune created with only a model: no ``validation_file`` is a null ``validation_file_id``
    (it was a generated id), no ``result_visibility`` its declared default; ``kept`` fields stay."""
    fields = request_fields_of(FINE_TUNE_REQUEST, FINE_TUNE_REQUEST, FINE_TUNE_ECHO_AS)
    body = {
        "validation_file_id": "validation_f_9a",
        "result_visibility": "project",
        "metadata": {"k": "v"},
        "prompt": "the task's own",
        "base_model_id": "llama-3",
    }
    asked = as_asked(
        body,
        {"model": "llama-3"},
        ["model"],
        FINE_TUNE_REQUEST["properties"],
        _accept_all,
        called_back=False,
        fields=fields,
        kept={"prompt"},
    )
    assert asked == {
        "validation_file_id": None,
        "result_visibility": "user",
        "metadata": None,
        "prompt": "the task's own",
        "base_model_id": "llama-3",
    }
