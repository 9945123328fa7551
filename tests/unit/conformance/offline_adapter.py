"""The ``SchemathesisAdapter`` the conformance unit tests build requests with: pointed at a closed port
(nothing is sent), no key, no limit, one seed."""

from __future__ import annotations

from typing import Any

from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.limiter import RateLimiter
from gatewright.conformance.redact import Redactor


def offline_adapter(document: dict[str, Any]) -> SchemathesisAdapter:
    return SchemathesisAdapter(
        document,
        base_url="http://127.0.0.1:9",
        redactor=Redactor(None),
        auth=lambda _: ({}, {}),
        timeout=1.0,
        limiter=RateLimiter(None),
        seed=1,
    )
