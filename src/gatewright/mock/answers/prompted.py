"""The JSON Schema a prompt states in its text: the shape the answer must have.

Libraries that want JSON of a shape write the shape as a JSON Schema into the prompt, with or without
JSON mode (``response_format: {"type": "json_object"}``), and validate the answer against it: instructor
("...provide the parsed objects in json that match the following json_schema:\\n\\n{schema}..."),
pydantic-ai's ``PromptedOutput`` ("Always respond with a JSON object that's compatible with this
schema:\\n\\n{schema}"), langchain's ``PydanticOutputParser`` ("The output should be formatted as a JSON
instance that conforms to the JSON schema below", an example schema in the prose, then the real one inside
a ``` fence), llama-index's ("Here's a JSON schema to follow:\\n{schema}"). An answer that is any other
object, or prose, fails their validation and they ask again until they give up, so the mock answers an
instance of the stated schema, as it answers a ``json_schema`` response format (``Composer``,
``SchemaValues``).

When a prompt is read for a schema: always in JSON mode; without it, where the prompt asks for JSON of a
schema in words (``asks_for_schema``): its prose, the text outside the JSON values it quotes and the
fences' language tags, names both JSON and a schema, in any case ("JSON schema", "json_schema", "a JSON
object that's compatible with this schema"). A prompt that quotes a schema or some JSON without those
words in its prose is answered in prose, as is one whose only such words are inside the JSON it quotes
(a ``$schema`` URL, a title).

Which object is the schema: in one text, the last object schema inside a ``` fenced block, else the
last one in the prose (an example schema comes before the real one); an object schema is a JSON object that
describes objects (``type: object``, or ``properties`` with no other ``type``; a root ``$ref`` into its own
``$defs``/``definitions`` to one, as pydantic writes a recursive model). A text of up to
``_CACHED_CHARS`` is scanned once (cached by its value: a library sends the same system message every
call; a longer one is scanned each time, so the cache holds at most 256 such texts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from gatewright.mock.answers.content import text_of

__all__ = ["asks_for_schema", "schema_in", "stated_schema"]

_DECODER = json.JSONDecoder()
# A fenced block: its fences each begin a line (as Markdown's do), so the ``` a sentence quotes inline
# ("no ``` or ```json" in langchain's JsonOutputParser instructions) opens none.
_FENCE = re.compile(r"^[ ]{0,3}```[\w-]*[ \t]*\n(.*?)^[ ]{0,3}```", re.DOTALL | re.MULTILINE)
_FENCE_TAG = re.compile(r"```[\w-]*")  # an opening fence and its language tag: markup, not the prose's words
_CACHE_SIZE = 256
_CACHED_CHARS = 65_536
_ATTEMPTS = 256  # braces that open no JSON value, tried per text before the rest is taken for prose
_INSTRUCTING = ("system", "developer", "user")  # the roles whose text may state the answer's schema


def asks_for_schema(text: str) -> bool:
    """Whether a prompt without JSON mode asks for JSON of a schema it states: its prose names both JSON
    and a schema, in any case (see the module's docstring). On the plain chat's hot path (issue 22): a
    prompt without a ``{`` passes at once, one without both words after one lowering (a tenth of the cost of
    case-blind regex searches); only a prompt that has all three is split into its JSON and its prose, so a
    ``$schema`` URL or a title inside the JSON it quotes asks for nothing."""
    if "{" not in text or not _names_json_and_schema(text):
        return False
    prose, done = [], 0
    for start, end, _ in _values(text):
        prose.append(text[done:start])
        done = end
    prose.append(text[done:])
    return _names_json_and_schema(_FENCE_TAG.sub(" ", "".join(prose)))


def _names_json_and_schema(text: str) -> bool:
    lowered = text.lower()
    return "json" in lowered and "schema" in lowered


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
    """The last object schema among the JSON objects written in ``text``."""
    found = None
    for _, _, value in _values(text):
        if _is_object_schema(value):
            found = value
    return found


def _values(text: str) -> Iterator[tuple[int, int, Any]]:
    """The JSON objects written in ``text``: (start, end, value) of each, in order. Each ``{`` that does
    not open a JSON value (prose, a template's placeholder) is passed over, up to ``_ATTEMPTS`` of them
    (then the rest is taken for prose); an object that parses is skipped whole, so a schema's own
    subschemas are never taken for it."""
    failed = 0
    at = text.find("{")
    while at >= 0:
        try:
            value, end = _DECODER.raw_decode(text, at)
        except (ValueError, RecursionError):  # not JSON here, or nested past the decoder's depth
            failed += 1
            if failed > _ATTEMPTS:  # a text made of broken JSON: each try may read to its end
                return
            at = text.find("{", at + 1)
            continue
        yield at, end, value
        at = text.find("{", end)


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
