"""Every operation gets a unique, identifier-safe ``operationId``."""

from __future__ import annotations

import re

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORDS = re.compile(r"[A-Za-z0-9]+")
_VERSION = re.compile(r"^v\d+$")


def _camel(words: list[str]) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words)


def generated_id(method: str, path: str) -> str:
    """``GET /v1/files/{file_id}/content`` -> ``getFilesByFileIdContent``: stable and readable."""
    parts: list[str] = []
    for segment in path.strip("/").split("/"):
        if _VERSION.match(segment):
            continue
        if segment.startswith("{") and segment.endswith("}"):
            parts.append("By" + _camel(_WORDS.findall(segment)))
        else:
            parts.append(_camel(_WORDS.findall(segment)))
    return method.lower() + "".join(parts)


def sanitized_id(value: str) -> str:
    """Drop characters an identifier cannot hold, capitalizing the word after each (``a-b`` -> ``aB``)."""
    words = _WORDS.findall(value)
    if not words:
        return ""
    result = words[0] + _camel(words[1:])
    return result if IDENTIFIER.match(result) else "op" + _camel([result])


@repair_pass("operation_ids")
def assign_operation_ids(document: Document, context: Context, log: RepairLog) -> None:
    """Generate missing ids from method and path, sanitize unusable ones, and make all unique."""
    explicit: dict[str, str] = {}
    for _path, _method, op, pointer in operations(document):
        current = op.get("operationId")
        if isinstance(current, str) and IDENTIFIER.match(current):
            explicit.setdefault(current, pointer)
    seen: set[str] = set()
    for path, method, op, pointer in operations(document):
        current = op.get("operationId")
        if isinstance(current, str) and explicit.get(current) == pointer:
            seen.add(current)
            continue
        if not isinstance(current, str) or not current:
            candidate, why = generated_id(method, path), "the operation has no operationId"
        elif not IDENTIFIER.match(current):
            candidate = sanitized_id(current) or generated_id(method, path)
            why = "the operationId is not a valid identifier"
        else:
            candidate, why = current, ""

        def taken(name: str) -> bool:
            return name in seen or name in explicit

        if taken(candidate):
            base = generated_id(method, path)
            candidate = base if not taken(base) else f"{candidate}_{method}"
            why = why or "the operationId is used by another operation"
        index = 2
        unique = candidate
        while taken(unique):
            unique, index = f"{candidate}{index}", index + 1
        seen.add(unique)
        if unique != current:
            op["operationId"] = unique
            log.add(f"{pointer}/operationId", "set the operationId", why, before=current, after=unique)
