"""What an extension that starts a task knows of it beyond its lifecycle: its ``facts``.

A batch knows its input file, request counts and output files; a vector-store attachment its file,
store, bytes and chunk count. The task's bodies state them beside its status (``render.render_task``,
keep-if-valid). A task keeps them as data, never code, so replicas can share it (``mock.shared``):
its context holds ``{"name": ..., "args": {...}}`` (``FactsRef.as_context``, JSON), and the extension
registers under that name (``Facts.register``) a function of the args and the task as it stands,
which every replica runs alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gatewright.mock.tasks.models import Task

__all__ = ["CONTEXT_KEY", "Facts", "FactsOf", "FactsRef"]

CONTEXT_KEY = "facts"  # where a task's context holds its ``FactsRef``

# (the args the extension gave when it started the task, the task now) -> field name -> value
# (None clears the field)
FactsOf = Callable[[Mapping[str, Any], Task], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class FactsRef:
    """Which registered facts a task states (``name``), computed from ``args`` (JSON)."""

    name: str
    args: Mapping[str, Any]

    def as_context(self) -> dict[str, Any]:
        return {"name": self.name, "args": dict(self.args)}


class Facts:
    """The facts functions extensions registered, by name; ``of(task)`` computes a task's facts."""

    __slots__ = ("_named",)

    def __init__(self) -> None:
        self._named: dict[str, FactsOf] = {}

    def register(self, name: str, of: FactsOf) -> None:
        """Make ``of`` compute the facts of tasks started with ``FactsRef(name, ...)``."""
        self._named[name] = of

    def of(self, task: Task) -> Mapping[str, Any] | None:
        """The task's facts as it stands, or None when it has none (or its name is not registered here)."""
        ref = task.context.get(CONTEXT_KEY)
        if not isinstance(ref, Mapping):
            return None
        of = self._named.get(str(ref.get("name")))
        args = ref.get("args")
        return None if of is None else of(args if isinstance(args, Mapping) else {}, task)
