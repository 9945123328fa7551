"""The mock's JSON parser: orjson (the standard library where orjson refuses a text), bounded in depth.

``loads`` refuses nesting deeper than ``MAX_JSON_DEPTH`` (a ``ValueError``, so a malformed-body
4xx): Python's parser raises ``RecursionError`` near 1,000 levels and the schema validator gives
up reporting on instances deeper than 255, so a deeper body would otherwise end in a 500.

orjson parses a request body about five times faster; a text it refuses (``NaN``, UTF-16, a lone
surrogate escape, nesting past its own limit, or plain bad JSON), or one with a number of 19 digits or
more (an integer past 64 bits, which orjson would read as a float), goes to ``json.loads``, so what
parsed before parses the same and a bad body gets the same message.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["MAX_JSON_DEPTH", "JsonTooDeep", "loads"]

# 19 digits in a row: maybe an integer past 64 bits, which the standard library reads as an int and
# orjson as a float (a long fraction matches too, and is parsed the slower way, the same). Found as a
# run of zeros once every digit reads as one; the same copy has every ``[`` read as ``{``, so one count
# says how many arrays and objects open. Three passes in C, where a regex (``\d{19}``) tried every
# position of the body (a tenth of a chat request's cost in the handler, counted in instructions).
_LONG_NUMBER = b"0" * 19
_SCANNED = bytes.maketrans(b"123456789[", b"000000000{")
MAX_JSON_DEPTH = 128  # arrays and objects inside each other (jsonschema-rs cannot report past 255)


class JsonTooDeep(ValueError):
    """A JSON text nested deeper than ``MAX_JSON_DEPTH``."""

    def __init__(self) -> None:
        super().__init__(f"nested deeper than {MAX_JSON_DEPTH} levels")


def loads(text: bytes | str) -> Any:
    """``json.loads`` that refuses nesting deeper than ``MAX_JSON_DEPTH`` (``JsonTooDeep``).

    orjson reads the text unless it refuses it or would read it otherwise (a long number), then the
    standard library does, and its error is the one a bad text gets; the parser's own
    ``RecursionError`` (near 1,000 levels) is caught. The depth is measured only when the text holds
    more than ``MAX_JSON_DEPTH`` opening brackets, so an ordinary body pays well under a microsecond
    for the bound (it runs on every JSON request).
    """
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    scanned = raw.translate(_SCANNED)
    value: Any
    try:
        if _LONG_NUMBER in scanned:
            raise orjson.JSONDecodeError("a long number", "", 0)
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:  # the standard library's reading, and its error for a bad text
        try:
            value = json.loads(text)
        except RecursionError:
            raise JsonTooDeep() from None
    if scanned.count(b"{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise JsonTooDeep()
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays/objects nest more than ``limit`` levels in ``value`` (level by level, no recursion)."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 1
    while level:
        deeper: list[Any] = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        if deeper and depth >= limit:
            return True
        level = deeper
        depth += 1
    return False
