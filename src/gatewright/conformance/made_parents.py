"""The store a create's path names, made before its lifecycle through the spec's own create, then deleted.

A create under a parent (ipop's ``POST /v1/vector_stores/{vector_store_id}/files``, attaching a file to
a store) names, as generated, a store nobody made: a gateway keeping the contract answers its documented
404 and the lifecycle could not be driven (``unmade.not_there`` skipped it). So verify makes the parent
first, as a client would: a valid request (``adapter.valid_case``) to the ``POST`` of the collection the
parameter's path names (``POST /v1/vector_stores``), its answer's ``id`` in the path, and once the
lifecycle is over the parent is deleted (``made_cleanup``) with the files made for it.

Only a parent verify can delete again is made: one whose collection has a ``DELETE {collection}/{id}``,
and which is top-level (its collection's path names no parent of its own: ipop's project jobs, under a
project no operation creates, stay as generated). Nor one whose create is itself a lifecycle
(``x-gatewright-task``: empiriolabs's GPU instances, deployed and billed while they run): that is a
resource a run must not start on a paid gateway to reach another route, and it could not be used until
its lifecycle ends anyway. Where its create fails, the lifecycle is skipped with what the create
answered, and the attach is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.made_cleanup import Cleanup, delete_operation
from gatewright.conformance.made_files import Made, answered_id, refusal
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec
from gatewright.spec.model import TASK_EXTENSION

__all__ = ["Parent", "ParentMaker", "parents_of"]


@dataclass(frozen=True, slots=True)
class Parent:
    """A path parameter verify fills with a parent it makes: ``create`` (a POST on ``collection``)."""

    param: str
    create: Operation
    collection: str

    @property
    def what(self) -> str:
        """How the report names it: ``the vector store {vector_store_id} names``."""
        noun = self.param.removesuffix("_id").replace("_", " ")
        return f"the {noun} {{{self.param}}} names"


def parents_of(spec: Spec, operation: Operation) -> tuple[Parent, ...]:
    """The parents of ``operation``'s path verify can make and delete again (see the module docstring)."""
    segments = operation.path.split("/")
    found = []
    for index, segment in enumerate(segments):
        collection = "/".join(segments[:index])
        if not (segment.startswith("{") and segment.endswith("}")) or "{" in collection:
            continue
        create = next(
            (op for op in spec.operations if op.method == "POST" and op.path.rstrip("/") == collection), None
        )
        if create is None or TASK_EXTENSION in create.definition:  # none, or a deployment to wait for
            continue
        if delete_operation(spec, collection) is not None:
            found.append(Parent(segment[1:-1], create, collection))
    return tuple(found)


class ParentMaker:
    """Makes the parents ``operation``'s creates name in their path, and hands them to ``cleanup``."""

    def __init__(
        self, spec: Spec, adapter: SchemathesisAdapter, operation: Operation, cleanup: Cleanup
    ) -> None:
        self.adapter = adapter
        self.cleanup = cleanup
        self.parents = parents_of(spec, operation)

    def plan(self) -> tuple[tuple[Parent, Any], ...]:
        """A create request for each parent (drawn now, on the calling thread)."""
        drawn = ((parent, self.adapter.valid_case(parent.create.operation_id)) for parent in self.parents)
        return tuple((parent, case) for parent, case in drawn if case is not None)

    def make(self, ctx: UnitContext, case: Any, plan: tuple[tuple[Parent, Any], ...], phase: str) -> Made:
        """Create ``plan``'s parents and put their ids in ``case``'s path; stops at the first that fails."""
        made = Made()
        for parent, create in plan:
            run = self.adapter.send(create, phase=phase)
            ctx.record(run, operation=parent.create)
            made_id = answered_id(run)
            if made_id is None:
                said = run.error or refusal(run)
                made.failed = f"creating {parent.what} ({parent.create.label}) failed: {said}"
                return made
            self.cleanup.add(parent.what, made_id, parent.collection)
            case.path_parameters = {**(case.path_parameters or {}), parent.param: made_id}
            made.fields |= {parent.param}
        return made
