"""Widening a document's schemas to the official shapes of a wire (the ``compatibility`` and
``wire_fidelity`` passes): ``kinds`` (what a schema node describes, official unions), ``copies``
(shared components widened in a ``<Name>Compatible`` copy), ``widener`` (the logged walk)."""

from __future__ import annotations

from gatewright.normalize.passes.widening.kinds import declared_types, json_type
from gatewright.normalize.passes.widening.widener import Widener

__all__ = ["Widener", "declared_types", "json_type"]
