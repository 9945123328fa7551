"""Mark trailing path parameters that must match ``/`` (forwarded paths, object keys)."""

from __future__ import annotations

import re
from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import GREEDY_EXTENSION
from gatewright.spec.pointer import deref, escape

EVIDENCE = re.compile(
    r"nested path|forwarded path|path and query string after|path-style|"
    r"path on your|object key",
    re.IGNORECASE,
)


def _evidence(param: dict[str, Any], op: dict[str, Any]) -> str | None:
    examples = [
        param.get("example"),
        *[e.get("value") for e in param.get("examples", {}).values() if isinstance(e, dict)],
    ]
    if any(isinstance(e, str) and "/" in e for e in examples):
        return "its example contains '/'"
    for text in (param.get("description"), op.get("summary"), op.get("description")):
        if isinstance(text, str) and (match := EVIDENCE.search(text)):
            return f"the document says {match.group(0)!r}"
    return None


@repair_pass("catch_all_parameters")
def mark_catch_all_parameters(document: Document, context: Context, log: RepairLog) -> None:
    """Flag a last-segment parameter as greedy when the document says its value spans segments."""
    for path, _method, op, pointer in operations(document):
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if not (last.startswith("{") and last.endswith("}")):
            continue
        name = last[1:-1]
        holders = [
            (f"/paths/{escape(path)}/parameters", document["paths"][path].get("parameters", [])),
            (f"{pointer}/parameters", op.get("parameters", [])),
        ]
        for base, params in holders:
            for index, param in enumerate(params):
                target = deref(document, param)
                if target.get("in") != "path" or target.get("name") != name or target.get(GREEDY_EXTENSION):
                    continue
                reason = _evidence(target, op)
                if reason is None:
                    continue
                target[GREEDY_EXTENSION] = True
                ref = param.get("$ref") if isinstance(param, dict) else None
                log.add(
                    (ref.removeprefix("#") if isinstance(ref, str) else f"{base}/{index}")
                    + f"/{escape(GREEDY_EXTENSION)}",
                    "marked as a catch-all parameter",
                    f"{reason}, so values contain '/'; OpenAPI templates cannot match '/', "
                    "the mock routes it greedily",
                    after=True,
                )
