"""Turn the gateways' OpenAPI documents into canonical OpenAPI 3.1 specs, logging every repair."""

from __future__ import annotations

from gatewright.normalize.pipeline import (
    NormalizeResult,
    check_canonical,
    normalize,
    normalize_all,
    normalize_document,
)
from gatewright.normalize.repairs import Repair

__all__ = ["NormalizeResult", "Repair", "check_canonical", "normalize", "normalize_all", "normalize_document"]
