"""What verify made for a lifecycle is deleted afterwards, whatever the run's budget; what stays is named.

verify makes things on the gateway before a lifecycle (``made_files``: the files a create names;
``made_parents``: the store a create's path names), in the user's account, and the gateway makes things
for what verify started (a batch's output and error file: ``batch_output``). Once the lifecycle is over,
whatever its outcome, each is deleted through the spec's ``DELETE`` of it, newest first (a file
attached to a store goes before the store). These deletes go out even when ``--budget`` is spent: the
budget bounds what verify spends testing a paid gateway, and a run that stopped testing should not leave
files and stores behind for the user to find and pay to keep; at most one delete per thing made goes
past it, and only once it was made within the budget. What cannot be deleted (the spec has no delete
for it, the gateway refused the delete or did not answer, the run was stopped by Ctrl-C) is named by id
in the unit's notes, so the user can delete it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.limiter import GateClosed
from gatewright.conformance.units import UnitContext
from gatewright.spec import Operation, Spec

__all__ = ["LEFT_BEHIND", "Cleanup", "delete_operation"]

LEFT_BEHIND = "left on the gateway (made by verify, not deleted)"


@dataclass(frozen=True, slots=True)
class _Made:
    what: str  # "the batch file input_file_id names"
    made_id: str
    collection: str  # the path it was created under (``/v1/files``): its delete is ``{collection}/{id}``


class Cleanup:
    """The things made for one lifecycle unit, deleted by ``clean`` (see the module docstring)."""

    def __init__(self, spec: Spec, adapter: SchemathesisAdapter) -> None:
        self.spec = spec
        self.adapter = adapter
        self.made: list[_Made] = []

    def add(self, what: str, made_id: str, collection: str) -> None:
        self.made.append(_Made(what, made_id, collection))

    def clean(self, ctx: UnitContext, phase: str) -> None:
        """Delete everything made, newest first, past a spent budget; note by id what is left."""
        left: list[str] = []
        while self.made:
            made = self.made.pop()
            why = self._delete(ctx, made, phase)
            if why is not None:
                left.append(f"{made.what}: {made.made_id} ({why})")
        if left:
            ctx.result.notes.append(f"{LEFT_BEHIND}: {'; '.join(left)}")

    def _delete(self, ctx: UnitContext, made: _Made, phase: str) -> str | None:
        """Why ``made`` could not be deleted, or None once it is."""
        delete = delete_operation(self.spec, made.collection)
        if delete is None:
            return f"the spec has no DELETE {made.collection.rstrip('/')}/{{id}}"
        case = self.adapter.case_for_id(delete, made.made_id)
        try:
            run = self.adapter.send(case, phase=phase, past_budget=True)
        except GateClosed as exc:  # the run is stopping: nothing more goes out
            return str(exc)
        ctx.record(run, operation=delete)
        if run.status is not None and 200 <= run.status < 300:
            return None
        return f"{delete.label} answered {run.status or run.error}"


def delete_operation(spec: Spec, collection: str) -> Operation | None:
    """The DELETE of one item created under ``collection``: ``{collection}/{id}``, or None where the
    spec has none."""
    for operation in spec.operations:
        head, _, last = operation.path.rpartition("/")
        if operation.method == "DELETE" and head == collection.rstrip("/") and last.startswith("{"):
            return operation
    return None
