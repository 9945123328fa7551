"""Which parts of an HTTP exchange are credentials, and how they are hidden.

One home for the rule, because three places write exchanges down: the mock's request
journal, the proxy's findings and its recorded fixtures. Only credentials are secrets:
header values that carry them, and body fields named like them (``api_key``,
``password``…, not ``max_tokens``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["REDACTED", "is_secret_header", "redact_body", "redact_headers"]

REDACTED = "[REDACTED]"
_MAX_DEPTH = 256  # bodies nest at most a few hundred levels before any parser here refuses them
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-admin-token"}
)
_SECRET_HEADER_WORDS = ("key", "token", "secret", "password", "auth", "signature", "credential")
_SECRET_FIELDS = frozenset(
    {
        "api_key",
        "apikey",
        "password",
        "secret",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "authorization",
        "token",
        "private_key",
    }
)


def is_secret_header(name: str, extra: frozenset[str] = frozenset()) -> bool:
    """A header whose value is a credential: a known name, a credential word in it, or ``extra``."""
    lowered = name.lower()
    return (
        lowered in _SECRET_HEADERS
        or lowered in extra
        or any(word in lowered for word in _SECRET_HEADER_WORDS)
    )


def redact_headers(headers: Mapping[str, str], extra: frozenset[str] = frozenset()) -> dict[str, str]:
    """Lower-cased header names; credential values replaced (``extra``: more names, lower case)."""
    return {
        name.lower(): REDACTED if is_secret_header(name, extra) else value for name, value in headers.items()
    }


def redact_body(value: Any, depth: int = 0) -> Any:
    """A JSON value with every field named like a credential replaced, at any depth."""
    if depth > _MAX_DEPTH:  # deeper than any body we parse: shown as nothing rather than unchecked
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and key.lower() in _SECRET_FIELDS
            else redact_body(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_body(item, depth + 1) for item in value]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value
