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

When a prompt is read for a schema: always in JSON mode; without it, only a message (or Responses
``instructions``) whose own prose asks for JSON of a schema in one of the words these libraries use
(``asks_for_schema``, ``_ASKING``): instructor's ``json_schema``, langchain's "conforms to the JSON schema",
pydantic-ai's "compatible with this schema", llama-index's "JSON schema to follow", and "the following JSON
schema". Prose is the text outside the JSON values it quotes and the fences' language tags, so a ``$schema``
URL or a title inside the quoted JSON asks for nothing. The words are few on purpose: agent prompts talk of
JSON and schemas all the time ("a JSON object following the tool's input schema", "the pydantic model json
schema for each tool call") and quote tool schemas, and they want prose or tool calls, not an instance of
the last schema quoted; a prompt worded otherwise asks with JSON mode or a ``json_schema`` format.

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

__all__ = ["asks_for_schema", "may_ask_for_schema", "schema_in", "stated_schema"]

_DECODER = json.JSONDecoder()
# A fenced block: its fences each begin a line (as Markdown's do), so the ``` a sentence quotes inline
# ("no ``` or ```json" in langchain's JsonOutputParser instructions) opens none.
_FENCE = re.compile(r"^[ ]{0,3}```[\w-]*[ \t]*\n(.*?)^[ ]{0,3}```", re.DOTALL | re.MULTILINE)
_FENCE_TAG = re.compile(r"```[\w-]*")  # an opening fence and its language tag: markup, not the prose's words
_CACHE_SIZE = 256
_CACHED_CHARS = 65_536
_ATTEMPTS = 256  # braces that open no JSON value, tried per text before the rest is taken for prose
_INSTRUCTING = ("system", "developer", "user")  # the roles whose text may state the answer's schema
# Words that ask for JSON of a stated schema without JSON mode (lower case; see the module's docstring).
_ASKING = (
    "json_schema",  # instructor, each of its JSON modes ("...match the following json_schema:")
    "to the json schema",  # langchain output parsers ("...a JSON instance that conforms to the JSON schema")
    "compatible with this schema",  # pydantic-ai PromptedOutput ("a JSON object that's compatible with")
    "json schema to follow",  # llama-index's output parsers ("Here's a JSON schema to follow:")
    "following json schema",  # "...match the following JSON schema"
)


def may_ask_for_schema(text: str) -> bool:
    """The first look at a whole prompt without JSON mode, on the plain chat's hot path (issue 22): a text
    without a ``{`` passes at once, one without ``_ASKING``'s words after one lowering. Only where it may
    ask is each message read (``stated_schema(asked_in_words=True)``: each by ``asks_for_schema``)."""
    return "{" in text and _asking(text)


def asks_for_schema(text: str) -> bool:
    """Whether one text asks for JSON of a schema it states: its prose holds one of ``_ASKING``, in any
    case (see the module's docstring). Only a text that may ask (``may_ask_for_schema``) is split into its
    JSON and its prose, so words inside the JSON it quotes ask for nothing."""
    if not may_ask_for_schema(text):
        return False
    prose, done = [], 0
    for start, end, _ in _values(text):
        prose.append(text[done:start])
        done = end
    prose.append(text[done:])
    return _asking(_FENCE_TAG.sub(" ", "".join(prose)))


def _asking(text: str) -> bool:
    lowered = text.lower()
    return any(words in lowered for words in _ASKING)


def stated_schema(
    messages: list[Any], instructions: str | None = None, *, asked_in_words: bool = False
) -> dict[str, Any] | None:
    """The object schema the latest system, developer or user message that states one states, else a
    Responses request's ``instructions`` (which come before its input), or None. ``asked_in_words`` (no
    JSON mode): only a text that itself asks for it (``asks_for_schema``), so the words of one message never
    make a schema another one quotes (a tool's, a document's) the answer's."""
    for message in reversed(messages):
        if not isinstance(message, Mapping) or message.get("role") not in _INSTRUCTING:
            continue
        text = text_of(message.get("content"))
        if asked_in_words and not asks_for_schema(text):
            continue
        if (schema := schema_in(text)) is not None:
            return schema
    if not instructions or (asked_in_words and not asks_for_schema(instructions)):
        return None
    return schema_in(instructions)


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
