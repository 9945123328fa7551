"""gatewright: normalize AI gateway OpenAPI documents, mock them, and verify live gateways against them."""

from __future__ import annotations

from gatewright.spec import API_IDS, Spec, SpecError, TaskSpec, load_spec

__all__ = ["API_IDS", "Spec", "SpecError", "TaskSpec", "load_spec"]
__version__ = "0.1.0"
