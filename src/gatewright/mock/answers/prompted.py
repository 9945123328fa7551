"""The JSON Schema a JSON-mode prompt states in its text: the shape the answer must have.

Libraries that ask for JSON mode (``response_format: {"type": "json_object"}``) without a schema in the
request write the schema into the prompt instead, and validate the answer against it: instructor's
``Mode.JSON`` ("...provide the parsed objects in json that match the following json_schema:\\n\\n{schema}
\\n\\nMake sure to return an instance of the JSON, not the schema itself", in the system message),
pydantic-ai's ``PromptedOutput`` ("Always respond with a JSON object that's compatible with this
schema:\\n\\n{schema}"), langchain's format instructions (an example schema in the prose, then the real one
inside a ``` fence). An answer that is any other object fails their validation and they ask again until
they give up, so the mock answers an instance of the stated schema, as it answers a ``json_schema``
response format (``Composer``, ``SchemaValues``).

Which object is the schema: in one text, the last object schema inside a ``` fence, else the last one in
the prose (an example schema comes before the real one); an object schema is a JSON object that
describes objects (``type: object``, or ``properties`` with no other ``type``; a root ``$ref`` into its own
``$defs``/``definitions`` to one, as pydantic writes a recursive model). Texts are scanned only in JSON
mode or where the prompt names instructor's ``json_schema`` (``names_json_schema``), and a text of up to
``_CACHED_CHARS`` once (cached by its value: a library sends the same system message every call; a longer
one is scanned each time, so the cache holds at most 256 such texts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from gatewright.mock.answers.content import text_of

__all__ = ["names_json_schema", "schema_in", "stated_schema"]

_DECODER = json.JSONDecoder()
_FENCE = re.compile(r"```[\w-]*[ \t]*\n?(.*?)```", re.DOTALL)
_CACHE_SIZE = 256
_CACHED_CHARS = 65_536
_ATTEMPTS = 256  # braces that open no JSON value, tried per text before the rest is taken for prose
_INSTRUCTING = ("system", "developer", "user")  # the roles whose text may state the answer's schema


def names_json_schema(text: str) -> bool:
    """Whether a prompt without JSON mode is read for a schema: where it names instructor's
    ``json_schema``. Each of instructor's JSON modes says "...provide the parsed objects in json that match
    the following json_schema:", those without a JSON mode of the API too (``MD_JSON``, which adds "Return
    the correct JSON response within a ```json codeblock. not the JSON_SCHEMA"; Anthropic's, whose older
    releases put the schema between ``<JSON_SCHEMA>`` tags). Two substring searches on the plain chat's hot
    path (issue 22); a prompt that names it and quotes an object schema asks for an instance of it."""
    return "json_schema" in text or "JSON_SCHEMA" in text


def stated_schema(messages: list[Any], instructions: str | None = None) -> dict[str, Any] | None:
    """The object schema the latest system, developer or user message that states one states, else a
    Responses request's ``instructions`` (which come before its input), or None."""
    for message in reversed(messages):
        if not isinstance(message, Mapping) or message.get("role") not in _INSTRUCTING:
            continue
        if (schema := schema_in(text_of(message.get("content")))) is not None:
            return schema
    return schema_in(instructions) if instructions else None


def schema_in(text: str) -> dict[str, Any] | None:
    """The object schema ``text`` states (see the module's docstring), or None. Shared by every request
    that sends the same text: the caller reads it, never changes it."""
    if "{" not in text:
        return None
    return _cached(text) if len(text) <= _CACHED_CHARS else _scanned(text)


@lru_cache(maxsize=_CACHE_SIZE)
def _cached(text: str) -> dict[str, Any] | None:
    return _scanned(text)


def _scanned(text: str) -> dict[str, Any] | None:
    if "```" in text:
        fenced = [found for block in _FENCE.findall(text) if (found := _last_schema(block)) is not None]
        if fenced:
            return fenced[-1]
    return _last_schema(text)


def _last_schema(text: str) -> dict[str, Any] | None:
    """The last object schema among the JSON objects written in ``text``. Each ``{`` that does not open
    a JSON value (prose, a template's placeholder) is passed over, up to ``_ATTEMPTS`` of them; an object
    that parses is skipped whole, so a schema's own subschemas are never taken for it."""
    found, failed = None, 0
    at = text.find("{")
    while at >= 0:
        try:
            value, end = _DECODER.raw_decode(text, at)
        except (ValueError, RecursionError):  # not JSON here, or nested past the decoder's depth
            failed += 1
            if failed > _ATTEMPTS:  # a text made of broken JSON: each try may read to its end
                return found
            at = text.find("{", at + 1)
            continue
        if _is_object_schema(value):
            found = value
        at = text.find("{", end)
    return found


def _is_object_schema(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    ref = value.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref.count("/") == 2:
        holder, _, name = ref[2:].partition("/")
        defs = value.get(holder) if holder in ("$defs", "definitions") else None
        return isinstance(defs, Mapping) and _describes_objects(defs.get(name))
    return _describes_objects(value)


def _describes_objects(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    if kind is None:
        return isinstance(schema.get("properties"), Mapping)
    return kind in ("object", ["object"])
