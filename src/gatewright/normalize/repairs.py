"""The repair log: every change a pass makes, with where and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Repair:
    """One change to the document. ``pointer`` is where, in the document the pass received."""

    pass_name: str
    pointer: str
    change: str
    why: str
    before: Any = None
    after: Any = None

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"pass": self.pass_name, "pointer": self.pointer, "change": self.change}
        if self.before is not None:
            entry["before"] = self.before
        if self.after is not None:
            entry["after"] = self.after
        entry["why"] = self.why
        return entry


@dataclass(slots=True)
class RepairLog:
    """Collects the repairs of one pass; handed to the pass so it cannot forget the pass name."""

    pass_name: str
    repairs: list[Repair] = field(default_factory=list)

    def add(self, pointer: str, change: str, why: str, *, before: Any = None, after: Any = None) -> None:
        self.repairs.append(Repair(self.pass_name, pointer, change, why, before, after))
