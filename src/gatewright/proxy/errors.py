"""The proxy's own answer when the upstream fails: a 502 in the API's error envelope.

The envelope is the operation's documented one for 502 (else ``5XX``, ``default``), chosen
among the three shapes gateways use: OpenAI's ``{"error": {"message", "type", "code"}}``, the
same with the fields a stricter ``ErrorBody`` requires, and Anthropic's
``{"type": "error", "error": {...}}``. Where nothing is documented the OpenAI shape is used
(Anthropic's on ``/messages``), as the mock does.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from gatewright.spec import Operation, Spec
from gatewright.spec.validation import DocumentValidators

STATUS = 502
KIND = "api_error"


def _candidates(message: str, path: str) -> list[dict[str, Any]]:
    openai: dict[str, Any] = {"error": {"message": message, "type": KIND, "code": "bad_gateway"}}
    strict: dict[str, Any] = {
        "error": {
            "message": message,
            "type": KIND,
            "code": "bad_gateway",
            "retryable": True,
            "request_id": f"gw-{uuid.uuid4().hex[:16]}",
        }
    }
    anthropic: dict[str, Any] = {"type": "error", "error": {"type": KIND, "message": message}}
    first = [anthropic, openai] if path.rstrip("/").endswith("/messages") else [openai, anthropic]
    return [*first, strict]


class ErrorEnvelopes:
    """Builds 502 bodies for one spec."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._validators = DocumentValidators(spec.document)

    def schema_for(self, operation: Operation | None) -> Any:
        """The JSON schema of the operation's documented 502 (``5XX``, ``default``) answer, if any."""
        if operation is None:
            return None
        responses = operation.definition.get("responses", {})
        for key in (str(STATUS), "5XX", "default"):
            if key in responses:
                media = self.spec.deref(responses[key]).get("content", {}).get("application/json")
                return media.get("schema") if isinstance(media, dict) else None
        return None

    def body(self, operation: Operation | None, path: str, message: str) -> bytes:
        candidates = _candidates(message, path)
        schema = self.schema_for(operation)
        if schema is not None:
            for candidate in candidates:
                if self._validators.is_valid(schema, candidate):
                    return json.dumps(candidate).encode()
        return json.dumps(candidates[0]).encode()
