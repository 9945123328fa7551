"""The repair passes, in the order they run. Adding a repair means adding a pass here."""

from __future__ import annotations

from gatewright.normalize.passes.base import RepairPass

PASSES: tuple[RepairPass, ...] = ()

__all__ = ["PASSES"]
