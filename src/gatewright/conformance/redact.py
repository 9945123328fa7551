"""Keep the API key out of everything a run writes: one place that scrubs strings and structures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

REDACTED = "[REDACTED]"
_SENSITIVE_HEADERS = frozenset(
    {"authorization", "x-api-key", "api-key", "proxy-authorization", "cookie", "set-cookie", "x-goog-api-key"}
)


@dataclass(frozen=True, slots=True)
class Redactor:
    """Replaces the secret (and values of credential headers) wherever it appears."""

    secret: str | None = None

    def text(self, value: str) -> str:
        if self.secret:
            value = value.replace(self.secret, REDACTED)
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {
            name: (_mask(value) if name.lower() in _SENSITIVE_HEADERS else self.text(value))
            for name, value in headers.items()
        }

    def deep(self, value: Any) -> Any:
        """A copy of a JSON-like value with the secret replaced in every string (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value


_SCHEME = re.compile(r"^(\w+)\s+\S+$")


def _mask(value: str) -> str:
    """Keep the scheme (``Bearer``) so a reader sees how auth was sent, never the credential."""
    match = _SCHEME.match(value.strip())
    return f"{match.group(1)} {REDACTED}" if match else REDACTED
