"""What verify makes before a lifecycle's create, and deletes after it: the parent its path names
(``made_parents``) and the files its body names (``made_files``), both cleaned up by ``made_cleanup``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.made_cleanup import Cleanup
from gatewright.conformance.made_files import FileMaker, FilePlan, Made
from gatewright.conformance.made_parents import Parent, ParentMaker
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec

__all__ = ["Maker", "Plan"]


@dataclass(frozen=True, slots=True)
class Plan:
    """What one create request needs made: its files and its parents, drawn before the lifecycle runs."""

    files: FilePlan = field(default_factory=FilePlan)
    parents: tuple[tuple[Parent, Any], ...] = ()

    @property
    def unmade(self) -> str | None:
        """Why verify could not make some of the files (``FilePlan.unmade``)."""
        return self.files.unmade


class Maker:
    """Makes what ``operation``'s creates need, parents first, and deletes it all (``clean``)."""

    def __init__(self, spec: Spec, adapter: SchemathesisAdapter, operation: Operation) -> None:
        self.cleanup = Cleanup(spec, adapter)
        self.parents = ParentMaker(spec, adapter, operation, self.cleanup)
        self.files = FileMaker(spec, adapter, operation, self.cleanup)

    def plan(self, case: Any) -> Plan:
        return Plan(self.files.plan(case), self.parents.plan())

    def make(self, ctx: UnitContext, case: Any, plan: Plan, phase: str) -> Made:
        """Make ``plan``'s parents, then its files; the fields (and path parameters) now naming what
        verify made, or why making one failed."""
        parents = self.parents.make(ctx, case, plan.parents, phase)
        if parents.failed is not None:
            return parents
        files = self.files.make(ctx, case, plan.files, phase)
        return Made(parents.fields | files.fields, files.failed)

    def clean(self, ctx: UnitContext, phase: str) -> None:
        """Delete everything made for the unit (``Cleanup.clean``)."""
        self.cleanup.clean(ctx, phase)
