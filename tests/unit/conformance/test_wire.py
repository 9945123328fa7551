"""Negative fuzzing: mutations that encoding turns back into valid data are not findings."""

from __future__ import annotations

from typing import Any

from gatewright.conformance.wire import BodyMutation, form_mutations_lost, multipart_fields, values_valid

DOC: dict[str, Any] = {
    "components": {
        "schemas": {
            "Upload": {
                "type": "object",
                "required": ["file", "model"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "model": {"type": "string"},
                    "prompt": {"type": "string"},
                    "size": {"type": "integer"},
                    "quality": {"type": "string", "enum": ["low", "high"]},
                    "metadata": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            }
        }
    }
}
BODY = {"$ref": "#/components/schemas/Upload"}
BOUNDARY = "b0undary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(*parts: tuple[str, str]) -> bytes:
    chunks = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts
    ]
    return ("".join(chunks) + f"--{BOUNDARY}--\r\n").encode()


def lost(mutations: list[BodyMutation], *parts: tuple[str, str]) -> bool:
    fields = multipart_fields(multipart(*parts), CONTENT_TYPE)
    assert fields is not None
    return form_mutations_lost(DOC, BODY, mutations, fields)


def test_multipart_fields_reads_every_part_by_name() -> None:
    body = multipart(("model", "m"), ("prompt", "null"), ("prompt", "{}"))
    assert multipart_fields(body, CONTENT_TYPE) == {"model": ["m"], "prompt": ["null", "{}"]}
    assert multipart_fields(b"not multipart", "application/json") is None


def test_type_mutation_of_a_string_field_is_valid_text_on_the_wire() -> None:
    # schemathesis: "violates `type` at /properties/prompt (was string, became null)"; the part reads "null"
    assert lost([BodyMutation("/properties/prompt", ("type",))], ("model", "m"), ("prompt", "null"))
    assert lost([BodyMutation("/properties/model", ("type",))], ("model", '{"a": 1}'))
    assert lost([BodyMutation("/properties/metadata/anyOf/1", ("type",))], ("model", "m"), ("metadata", "x"))
    assert lost([BodyMutation("/properties/file", ("type",))], ("model", "m"), ("file", "-208"))


def test_mutations_that_reach_the_server_stay_findings() -> None:
    assert not lost([BodyMutation("/properties/size", ("type",))], ("model", "m"), ("size", "abc"))
    assert not lost([BodyMutation("/properties/quality", ("type",))], ("model", "m"), ("quality", "5"))
    assert not lost([BodyMutation("/properties/model", ("type",))], ("prompt", "p"))  # required, missing
    assert not lost([BodyMutation("", ("required",))], ("prompt", "p"))
    assert not lost([BodyMutation("", ("additionalProperties",))], ("model", "m"), ("extra", "1"))
    assert not lost([], ("model", "m"))


def test_query_values_read_as_the_server_reads_them() -> None:
    array = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
    assert values_valid(DOC, array, ["true"])  # ?status=true is the one-element array ["true"]
    assert values_valid(DOC, {"type": "integer"}, ["5"])
    assert not values_valid(DOC, {"type": "integer", "maximum": 3}, ["5"])
    assert not values_valid(DOC, {"type": "string", "format": "date-time"}, ["yesterday"])
