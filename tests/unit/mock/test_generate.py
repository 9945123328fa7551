from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewright.mock.generate import Generator
from gatewright.mock.regex import sample_regex
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.pointer import child


def _generator(schema: dict[str, Any], seed: int = 1) -> tuple[Generator, SchemaSet]:
    schemas = SchemaSet({"components": {"schemas": {"S": schema}}})
    return Generator(schemas, seed=seed), schemas


POINTER = "/components/schemas/S"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "uuid"},
        {"type": "string", "pattern": "^file-[a-f0-9]{8}$", "maxLength": 13},
        {"type": "integer", "minimum": 5, "maximum": 9, "multipleOf": 3},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3, "uniqueItems": True},
        {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["a"],
                    "properties": {"a": {"const": 1}},
                    "additionalProperties": False,
                },
                {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}},
            ]
        },
        {
            "allOf": [
                {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                {"type": "object", "required": ["created"], "properties": {"created": {"type": "integer"}}},
            ]
        },
        {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 4}]},
        {"type": "object", "minProperties": 2, "additionalProperties": {"type": "boolean"}},
    ],
)
def test_generated_values_validate(schema: dict[str, Any]) -> None:
    generator, schemas = _generator(schema)
    value = generator.generate(POINTER)
    assert schemas.is_valid(POINTER, value, formats=True), value


def test_seed_makes_generation_reproducible() -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "u": {"type": "string", "format": "uuid"}},
    }
    first, _ = _generator(schema, seed=3)
    second, _ = _generator(schema, seed=3)
    assert first.generate(POINTER, salt="x") == second.generate(POINTER, salt="x")


def test_model_is_echoed_from_the_request() -> None:
    generator, _ = _generator({"type": "object", "properties": {"model": {"type": "string"}}})
    assert generator.generate(POINTER, request={"model": "gpt-x"}) == {"model": "gpt-x"}


def test_a_new_object_has_not_ended_and_expires_later() -> None:
    """What the mock makes has just begun: a nullable time of an ending is null, an expiry is ahead."""
    time = {"type": "string", "format": "date-time"}
    schema = {
        "type": "object",
        "properties": {
            "created_at": time,
            "expires_at": time,
            "deadline_at": {"type": "integer"},
            "cancel_requested_at": {**time, "type": ["string", "null"]},
            "failed_at": {"type": ["integer", "null"]},
            "started_at": {**time, "type": ["string", "null"]},  # not an ending: a time
            "last_error": {"type": ["string", "null"]},
            "error": {"type": ["object", "null"], "properties": {"message": {"type": "string"}}},
        },
        "required": [
            "created_at",
            "expires_at",
            "deadline_at",
            "cancel_requested_at",
            "failed_at",
            "started_at",
        ],
    }
    generator, schemas = _generator(schema)
    value = generator.generate(POINTER)
    assert schemas.is_valid(POINTER, value, formats=True)
    assert value["cancel_requested_at"] is None and value["failed_at"] is None
    assert value["last_error"] is None and value["error"] is None  # nor has it failed
    assert value["started_at"] is not None
    assert value["expires_at"] > value["created_at"]  # ISO 8601 in UTC: later sorts after
    assert value["deadline_at"] > generator.now() + 86_400  # the generator's now (fixed under a seed)


def test_an_optional_error_message_or_ending_that_cannot_be_null_is_left_out() -> None:
    """ipop's new media asset carried ``error: "mock-error"``; an error envelope keeps its ``error``
    object, and what the schema requires stays."""
    schema = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},  # at the top: maybe an error envelope's message
            "asset": {
                "type": "object",
                "properties": {"error": {"type": "string"}, "id": {"type": "string"}},
            },
            "completed_at": {"type": "integer"},
            "failure_reason": {"type": "string"},
            "status": {"type": "string"},
            "cancelled_at": {"type": "string", "format": "date-time"},
            "envelope": {
                "type": "object",
                "properties": {"error": {"type": "object", "properties": {"message": {"type": "string"}}}},
            },
        },
        "required": ["cancelled_at"],
    }
    generator, schemas = _generator(schema)
    value = generator.generate(POINTER)
    assert schemas.is_valid(POINTER, value, formats=True)
    assert "error" not in value["asset"] and value["asset"]["id"]
    assert isinstance(value["error"], str)  # a flat error envelope keeps its message
    assert "completed_at" not in value
    assert value["status"] and value["cancelled_at"]  # not an ending; required
    assert isinstance(value["envelope"]["error"], dict)


def test_a_new_objects_warnings_are_none_unless_the_schema_asks_for_some() -> None:
    item = {"type": "object", "properties": {"code": {"type": "string"}}}
    schema = {
        "type": "object",
        "properties": {
            "warnings": {"type": "array", "items": item},
            "inner": {
                "type": "object",
                "properties": {"warnings": {"type": "array", "items": item, "minItems": 1}},
                "required": ["warnings"],
            },
            "data": {"type": "array", "items": item},
        },
        "required": ["warnings", "inner", "data"],
    }
    generator, schemas = _generator(schema)
    value = generator.generate(POINTER)
    assert schemas.is_valid(POINTER, value, formats=True)
    assert value["warnings"] == [] and len(value["inner"]["warnings"]) == 1 and len(value["data"]) == 1


_SIMPLE_SCHEMAS = st.deferred(
    lambda: st.one_of(
        st.just({"type": "string"}),
        st.builds(
            lambda lo, hi: {"type": "integer", "minimum": lo, "maximum": lo + hi},
            st.integers(-50, 50),
            st.integers(0, 20),
        ),
        st.builds(lambda n: {"type": "string", "minLength": n, "maxLength": n + 3}, st.integers(0, 10)),
        st.sampled_from(
            [
                {"type": "boolean"},
                {"type": "null"},
                {"enum": ["x", 2, None]},
                {"type": "string", "format": "email"},
                {"type": "string", "pattern": r"^[A-Z]{2}\d{3}$"},
            ]
        ),
        st.builds(
            lambda items, n: {"type": "array", "items": items, "minItems": n},
            _SIMPLE_SCHEMAS,
            st.integers(0, 3),
        ),
        st.builds(
            lambda props: {"type": "object", "properties": props, "required": sorted(props)[:1]},
            st.dictionaries(
                st.sampled_from(["id", "name", "created_at", "model", "n"]), _SIMPLE_SCHEMAS, max_size=3
            ),
        ),
        st.builds(lambda a, b: {"anyOf": [a, b]}, _SIMPLE_SCHEMAS, _SIMPLE_SCHEMAS),
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SIMPLE_SCHEMAS, st.integers(0, 5))
def test_property_generated_data_validates(schema: dict[str, Any], seed: int) -> None:
    generator, schemas = _generator(schema, seed)
    value = generator.generate(POINTER)
    assert schemas.is_valid(POINTER, value, formats=True), (schema, value)


@given(
    st.sampled_from([r"^[a-z]{2,5}$", r"^(ab|cd)+-\d{2}$", r"^sk-[A-Za-z0-9_]{4}$", r"[^/]+\.json"]),
    st.integers(0, 1000),
)
def test_regex_samples_match(pattern: str, seed: int) -> None:
    import random

    assert re.search(pattern, sample_regex(pattern, random.Random(seed)))


@given(
    st.sampled_from(
        [
            (r"^[a-f0-9]+$", 1, None),  # a commit hash: pydantic's constr(pattern, min_length, max_length)
            (r"^[a-z]{2,5}$", 2, 5),
            (r"^(ab|cde)+-\d{2}$", 5, None),
            (r"^sk-[A-Za-z0-9_]+$", 4, None),
            (r"^[A-Z][a-z]*( [A-Z][a-z]*)*$", 1, None),
        ]
    ),
    st.integers(0, 60),
    st.integers(0, 1000),
)
def test_regex_samples_have_the_length_asked_for(
    case: tuple[str, int, int | None], length: int, seed: int
) -> None:
    """A length inside what the pattern can match is met exactly, by the pattern's own characters."""
    import random

    pattern, shortest, longest = case
    wanted = max(shortest, length if longest is None else min(length, longest))
    sample = sample_regex(pattern, random.Random(seed), min_length=wanted, max_length=wanted)
    assert len(sample) == wanted and re.fullmatch(pattern, sample), sample


def test_regex_sample_refuses_a_length_the_pattern_cannot_reach() -> None:
    import random

    with pytest.raises(ValueError, match="no match"):
        sample_regex(r"^abc$", random.Random(1), min_length=10)


@pytest.mark.parametrize("api", API_IDS)
def test_every_documented_success_body_generates_valid(api: str) -> None:
    spec = load_spec(api)
    schemas = SchemaSet(spec.document)
    generator = Generator(schemas, seed=1)
    invalid = []
    for op in spec.operations:
        for status, response in op.definition.get("responses", {}).items():
            if not str(status).startswith("2"):
                continue
            resolved, base = schemas.deref(response, f"{op.pointer}/responses/{status}")
            for media, entry in (resolved.get("content") or {}).items():
                if "schema" in entry and media.endswith("json") and base is not None:
                    pointer = child(base, "content", media, "schema")
                    if not schemas.is_valid(pointer, generator.generate(pointer), formats=True):
                        invalid.append(f"{op.label} {status}")
    # A handful of spec schemas are unsatisfiable as written (overlapping oneOf); see the mock's notes.
    assert len(invalid) <= 3, invalid
