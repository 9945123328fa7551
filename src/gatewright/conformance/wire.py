"""What reached the server: negative body mutations that form encoding turns back into valid data.

A ``multipart/form-data`` part is text. A ``type`` mutation of a ``string`` property (``null``,
``false``, ``{"a": 1}``) is sent as that text, which is a perfectly valid string, so a server that
accepts it is right. schemathesis's ``negative_data_rejection`` does not see this for multipart
bodies, nor for a query array or string sent as one text value; the adapter asks
:func:`form_mutations_lost` / :func:`values_valid` before reporting such a failure.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from gatewright.spec.pointer import deref, split


@dataclass(frozen=True, slots=True)
class BodyMutation:
    """One change schemathesis made to a body: where (a pointer into the body schema) and which keywords."""

    schema_pointer: str
    keywords: tuple[str, ...]


def multipart_fields(body: bytes, content_type: str) -> dict[str, list[str]] | None:
    """The text value of every part, by field name; None when the body is not readable multipart."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    try:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    except Exception:
        return None
    if not message.is_multipart():
        return None
    fields: dict[str, list[str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        fields.setdefault(name, []).append(payload.decode("utf-8", "replace"))
    return fields


def form_mutations_lost(
    document: dict[str, Any],
    body_schema: Any,
    mutations: Sequence[BodyMutation],
    fields: dict[str, list[str]],
) -> bool:
    """True when every mutation is inside one top-level property and every value sent for that
    property, read as a form field, is valid for it (a required one still being present)."""
    if not mutations:
        return False
    schema = deref(document, body_schema)
    if not isinstance(schema, dict):
        return False
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    for mutation in mutations:
        tokens = split(mutation.schema_pointer) if mutation.schema_pointer.startswith("/") else []
        if len(tokens) < 2 or tokens[0] != "properties" or tokens[1] not in properties:
            return False
        name = tokens[1]
        sent = fields.get(name, [])
        if not sent and name in required:
            return False
        if not values_valid(document, properties[name], sent):
            return False
    return True


def values_valid(document: dict[str, Any], schema: Any, sent: Sequence[str]) -> bool:
    """Whether text values sent for one parameter or form field are valid under ``schema`` as a server
    reads them: as the text itself, as JSON, or (for an array) as the list of repeated values."""
    prop = deref(document, schema)
    if not isinstance(prop, dict) or "$ref" in str(prop):
        return False
    if not sent:
        return True
    if prop.get("format") == "binary":
        return True
    validator = Draft202012Validator(prop, format_checker=FormatChecker())
    if validator.is_valid(list(sent)) or validator.is_valid([_json(v) for v in sent]):
        return True
    return all(validator.is_valid(v) or validator.is_valid(_json(v)) for v in sent)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
