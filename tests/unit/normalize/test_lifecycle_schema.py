"""The lifecycle file's structure is its JSON Schema (spec/schemas/lifecycles.schema.json): the schema and
the model agree on every key, and any file broken in one place (an unknown key, a value of the wrong
type, a required key left out) is refused with a pointer to that place and what is wrong there."""

from __future__ import annotations

import itertools
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewright.normalize.lifecycle_model import BEHAVIOURS, Lifecycle
from gatewright.normalize.lifecycles import parse_lifecycles
from gatewright.spec.document_schemas import schema
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml
from gatewright.spec.pointer import child, split, walk
from gatewright.spec.schemas import schema_at
from gatewright.spec.tasks import STATE_KINDS

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted((ROOT / "specs" / "sources").glob("*.lifecycles.yaml"))
SCHEMA: dict[str, Any] = schema("lifecycles")
DEFS = SCHEMA["$defs"]


def bundled(path: Path) -> dict[str, Any]:
    """A shipped file as plain JSON data (its YAML aliases unshared, so one edit changes one place)."""
    data: dict[str, Any] = json.loads(json.dumps(parse_yaml(path.read_text(encoding="utf-8"), str(path))))
    return data


def place(pointer: str) -> dict[str, Any]:
    """What the schema says belongs at ``pointer``."""
    found = schema_at(SCHEMA, SCHEMA, split(pointer))
    assert found is not None, pointer
    return dict(found)


_FREE = {("field_default", "value"), ("parameter_default", "value")}


def described(pointer: str) -> bool:
    """Whether the schema describes the value at ``pointer``: not the inside of a declared JSON Schema (a
    shape's ``schema``, an MCP tool's ``inputSchema``), nor a ``field_default``'s or a ``parameter_default``'s
    value, which may be any JSON value (so no edit of it is refused)."""
    tokens = split(pointer)
    free = any(pair in _FREE for pair in itertools.pairwise(tokens))
    return not {"schema", "inputSchema"} & set(tokens[:-1]) and not free


def test_the_schema_and_the_model_name_the_same_keys() -> None:
    assert list(DEFS["states"]["required"]) == list(STATE_KINDS)
    assert list(DEFS["states"]["properties"]) == list(STATE_KINDS)
    assert set(DEFS["lifecycle"]["properties"]) == {field.name for field in fields(Lifecycle)}
    statement = DEFS["behaviour"]
    assert [branch["required"] for branch in statement["oneOf"]] == [[kind] for kind in BEHAVIOURS]
    assert set(statement["properties"]) == {*BEHAVIOURS, "operations", "why", "note", "reason"}
    assert f"exactly one kind ({', '.join(BEHAVIOURS)})" in statement["description"]  # what a refusal says


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_shipped_file_meets_the_schema(path: Path) -> None:
    parse_lifecycles(bundled(path), str(path))


# --- one place broken ---------------------------------------------------------------------------------


def _mappings(data: dict[str, Any]) -> list[str]:
    """The mappings whose keys the schema lists (a declared JSON Schema is free-form)."""
    return [
        pointer
        for pointer, node in walk(data)
        if isinstance(node, dict)
        and described(pointer)
        and place(pointer).get("additionalProperties") is False
    ]


def _values(data: dict[str, Any]) -> list[str]:
    return [pointer for pointer, _ in walk(data) if pointer and described(pointer)]


def _required_keys(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(pointer, key) for pointer in _mappings(data) for key in place(pointer).get("required", ())]


CANDIDATES = {path.name: bundled(path) for path in FILES}


def _set(data: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = split(pointer)
    holder: Any = data
    for token in parents:
        holder = holder[int(token)] if isinstance(holder, list) else holder[token]
    holder[int(last) if isinstance(holder, list) else last] = value


def _get(data: Any, pointer: str) -> Any:
    for token in split(pointer):
        data = data[int(token)] if isinstance(data, list) else data[token]
    return data


def _refusal(data: dict[str, Any]) -> SpecError:
    with pytest.raises(SpecError) as refused:
        parse_lifecycles(data, "api.lifecycles.yaml")
    error = refused.value
    assert error.source == "api.lifecycles.yaml"
    assert str(error).startswith(
        f"api.lifecycles.yaml ({error.pointer}): " if error.pointer else "api.lifecycles"
    )
    return error


_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.sampled_from(sorted(CANDIDATES)), st.data())
def test_an_unknown_key_is_refused_at_the_mapping_that_holds_it(name: str, data: st.DataObject) -> None:
    document = json.loads(json.dumps(CANDIDATES[name]))
    pointer = data.draw(st.sampled_from(_mappings(document)), label="mapping")
    key = data.draw(st.sampled_from(["zz", "Name", "states_", "why "]), label="key")
    _get(document, pointer)[key] = "x"
    error = _refusal(document)
    assert error.pointer == pointer
    assert f"Additional properties are not allowed ({key!r} was unexpected)" in error.message


def _wrong(value: Any) -> Any:
    """A value of another JSON type than ``value``."""
    if isinstance(value, str):
        return 12345
    if isinstance(value, (dict, int)):
        return ["x"]
    return "x"


@_SETTINGS
@given(st.sampled_from(sorted(CANDIDATES)), st.data())
def test_a_value_of_the_wrong_type_is_refused_where_it_is(name: str, data: st.DataObject) -> None:
    document = json.loads(json.dumps(CANDIDATES[name]))
    pointer = data.draw(st.sampled_from(_values(document)), label="value")
    wrong = _wrong(_get(document, pointer))
    _set(document, pointer, wrong)
    error = _refusal(document)
    assert error.pointer == pointer
    assert error.message.startswith(f"{wrong!r} is not ")  # of type ..., or one of the allowed values
    expected = place(pointer).get("description")
    if expected is not None:
        assert error.message.endswith(f"(expected {expected})")


@_SETTINGS
@given(st.sampled_from(sorted(CANDIDATES)), st.data())
def test_a_required_key_left_out_is_refused_at_the_mapping_that_lacks_it(
    name: str, data: st.DataObject
) -> None:
    document = json.loads(json.dumps(CANDIDATES[name]))
    pointer, key = data.draw(st.sampled_from(_required_keys(document)), label="required key")
    del _get(document, pointer)[key]
    error = _refusal(document)
    assert error.pointer == pointer
    assert error.message.startswith(f"{key!r} is a required property")


def test_a_pointer_names_each_place_once() -> None:
    """The places the properties draw from are distinct, so a refusal's pointer says where."""
    for name, document in CANDIDATES.items():
        values = _values(document)
        assert len(values) == len(set(values)) > 10, name
        assert child("", "lifecycles", 0) in values, name


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ("lifecycles: []\nbehaviours: !!binary aGk=\n", "/behaviours"),  # bytes: no JSON type
        ("lifecycles: !!set {a, b}\n", "/lifecycles"),  # a set: no JSON type either
    ],
)
def test_a_yaml_value_json_has_no_type_for_is_refused_where_it_is(text: str, pointer: str) -> None:
    error = _refusal(parse_yaml(text, "api.lifecycles.yaml"))
    assert error.pointer == pointer
    assert "is not of type 'array'" in error.message
