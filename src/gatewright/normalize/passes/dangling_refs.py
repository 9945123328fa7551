"""Point dangling ``$ref``s at the component they evidently meant.

A ref is repaired only when exactly one unreferenced component of the same kind
ends with the same name after the dangling ref's last non-identifier character
(voxvey's `provider-nativeFileUploadRequest` -> `BytePlusFileUploadRequest`:
a search-and-replace renamed the refs but not the components). Anything else
stays dangling and fails the canonical checks loudly.
"""

from __future__ import annotations

import re
from typing import Any

from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import resolve, walk

_PREFIX = re.compile(r"^#/components/([^/]+)/(.+)$")


def _refs(document: Document) -> list[tuple[str, dict[str, Any]]]:
    return [(p, n) for p, n in walk(document) if isinstance(n, dict) and isinstance(n.get("$ref"), str)]


def _resolves(document: Document, ref: str) -> bool:
    try:
        resolve(document, ref)
    except (KeyError, ValueError):
        return False
    return True


def _stem(name: str) -> str:
    """The trailing identifier part shared by the intended target (`provider-nativeX` -> `X`)."""
    tail = re.split(r"[^A-Za-z0-9_]", name)[-1]
    match = re.search(r"[A-Z][A-Za-z0-9_]*$", tail)
    return match.group(0) if match else tail


@repair_pass("dangling_refs")
def repair_dangling_refs(document: Document, context: Context, log: RepairLog) -> None:
    """Rename dangling component refs to the one unreferenced component they match."""
    refs = _refs(document)
    referenced = {node["$ref"] for _, node in refs}
    for pointer, node in refs:
        ref = node["$ref"]
        match = _PREFIX.match(ref)
        if match is None or _resolves(document, ref):
            continue
        kind, name = match.groups()
        stem = _stem(name)
        pool = document.get("components", {}).get(kind, {})
        candidates = [
            key
            for key in pool
            if f"#/components/{kind}/{key}" not in referenced and key.endswith(stem) and key != name
        ]
        # Prefer the candidate that shares the longest suffix with the dangling name.
        candidates.sort(key=lambda key: -_common_suffix(key, name))
        if len(candidates) == 1 or (
            candidates and _common_suffix(candidates[0], name) > _common_suffix(candidates[1], name)
        ):
            target = f"#/components/{kind}/{candidates[0]}"
            node["$ref"] = target
            log.add(
                pointer + "/$ref",
                "pointed the dangling $ref at the matching unreferenced component",
                f"{ref} does not exist; {target} is the only unreferenced {kind} component with that name "
                "(the source renamed refs but not the components)",
                before=ref,
                after=target,
            )


def _common_suffix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        count += 1
    return count
