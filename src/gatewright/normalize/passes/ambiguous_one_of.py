"""A ``oneOf`` whose branches overlap becomes ``anyOf``.

``oneOf`` fails a value that matches two branches, so overlapping branches make
valid-looking payloads invalid and let a mock that picks one branch produce bodies
the spec rejects. A branch overlap is proven by a witness: a value that validates
against two branches (each branch's examples, a minimal instance, and a few probes).
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, all_schemas, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref
from gatewright.spec.validation import DocumentValidators

PROBES: tuple[Any, ...] = ({}, "", "https://example.com/x.png", 0, 1.5, True, [], None)


def _minimal(document: Document, schema: Any, depth: int = 0) -> Any:
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > 4:
        return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {
            name: _minimal(document, props.get(name, {}), depth + 1) for name in schema.get("required", [])
        }
    return {"string": "", "integer": 0, "number": 0, "boolean": False, "array": []}.get(str(kind))


def witness(
    document: Document, validators: DocumentValidators, branches: list[Any]
) -> tuple[Any, list[int]] | None:
    candidates: list[Any] = list(PROBES)
    for branch in branches:
        target = deref(document, branch)
        if isinstance(target, dict):
            candidates.extend(target.get("examples", []) if isinstance(target.get("examples"), list) else [])
        candidates.append(_minimal(document, branch))
    for value in candidates:
        matched = [i for i, branch in enumerate(branches) if validators.is_valid(branch, value)]
        if len(matched) > 1:
            return value, matched
    return None


@repair_pass("ambiguous_one_of")
def ambiguous_one_of(document: Document, context: Context, log: RepairLog) -> None:
    """Turn overlapping ``oneOf`` into ``anyOf`` (kept as ``oneOf`` when branches are exclusive)."""
    validators = DocumentValidators(document)
    for pointer, schema in list(all_schemas(document)):
        branches = schema.get("oneOf")
        if not isinstance(branches, list) or len(branches) < 2:
            continue
        found = witness(document, validators, branches)
        if found is None:
            continue
        value, matched = found
        if "anyOf" in schema:
            schema.setdefault("allOf", []).append({"anyOf": schema.pop("oneOf")})
        else:
            schema["anyOf"] = schema.pop("oneOf")
        log.add(
            pointer + "/oneOf",
            "oneOf -> anyOf",
            f"branches {matched} overlap: {value!r} validates against both, so oneOf would reject it",
        )
