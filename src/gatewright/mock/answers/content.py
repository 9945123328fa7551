"""The text of a request's content: a message's (a string, or the text parts of a content list), a
prompt's or an embeddings input's. One reader, so the prompt's text, the schema a JSON-mode prompt states
(``prompted.py``) and an embedding's input are read alike."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["text_of", "texts_of"]


def text_of(content: Any) -> str:
    """The text in a message's content: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping):
                for key in ("text", "content", "output", "input_text"):
                    value = part.get(key)
                    if isinstance(value, str):
                        parts.append(value)
                        break
                    if key == "content" and isinstance(value, list):
                        parts.append(text_of(value))
                        break
        return " ".join(p for p in parts if p)
    if content is None:
        return ""
    return json.dumps(content, ensure_ascii=False) if isinstance(content, Mapping | list) else str(content)


def texts_of(value: Any) -> list[str]:
    """The texts of a prompt or an embeddings input, in order: a string, strings, a token array
    (one text), or token arrays; a token array reads as its token ids, one word each."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        return [""] if value is None else [str(value)]
    if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return [" ".join(map(str, value))]
    return [
        item if isinstance(item, str) else " ".join(map(str, item)) if isinstance(item, list) else str(item)
        for item in value
    ]
