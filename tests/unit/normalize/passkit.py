"""The contract every repair pass keeps, checked in one place for the per-pass tests."""

from __future__ import annotations

import copy
from typing import Any

from gatewright.normalize.passes.base import Context, Document, RepairPass
from gatewright.normalize.repairs import Repair
from gatewright.spec.pointer import join, resolve, split

CONTEXT = Context(api_id="test")


def apply(
    repair_pass: RepairPass, document: Document, context: Context = CONTEXT
) -> tuple[Document, list[Repair]]:
    """Apply once, checking: input untouched, repairs well formed, nothing changed silently, idempotent."""
    original = copy.deepcopy(document)
    out, repairs = repair_pass.apply(document, context)
    assert document == original, "the pass mutated its input"
    for repair in repairs:
        assert repair.pass_name == repair_pass.name
        assert repair.pointer.startswith("/"), repair.pointer
        assert repair.change.strip()
        assert repair.why.strip()
    if not repairs:
        assert out == document, "the document changed but nothing was logged"
    again, more = repair_pass.apply(out, context)
    assert more == [], f"not idempotent: {more}"
    assert again == out
    return out, repairs


def located(document: Document, pointer: str) -> Any:
    """The node ``pointer`` names in the input, or for an addition the node it was added to."""
    try:
        return resolve(document, pointer)
    except KeyError:
        return resolve(document, join(*split(pointer)[:-1]))


def pointers(repairs: list[Repair]) -> list[str]:
    return [repair.pointer for repair in repairs]


def spec(**sections: Any) -> Document:
    """A minimal OpenAPI 3.1 document with the given top-level sections."""
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, **sections}
