"""Credentials as each operation's ``security`` says: any non-empty key is accepted.

The operation's requirements, as ``gatewright.spec.security`` reads them, are compiled
once into alternatives of checks; a request passes
when every check of one alternative finds a non-empty credential. One
convention lets clients exercise their 401 handling: a credential containing
``invalid`` (any case, e.g. ``Bearer invalid-key``) is refused. The key itself
is never kept or logged.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from multidict import CIMultiDictProxy

from gatewright.spec.security import CredentialSlot

_BEARER = CredentialSlot("bearer")


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    alternatives: tuple[tuple[CredentialSlot, ...], ...]
    # Derived once: these are read on every request.
    needs_query: bool = field(init=False)
    needs_cookies: bool = field(init=False)
    public: bool = field(init=False)
    # The 401's message: what the operation takes, so a client sending another credential (the openai SDK's
    # bearer token where an API asks for its own key header) learns what to send instead.
    refusal: str = field(init=False)

    def __post_init__(self) -> None:
        locations = {check.location for alternative in self.alternatives for check in alternative}
        object.__setattr__(self, "needs_query", "query" in locations)
        object.__setattr__(self, "needs_cookies", "cookie" in locations)
        object.__setattr__(
            self, "public", not self.alternatives or any(not alternative for alternative in self.alternatives)
        )
        # Each phrase once (an OAuth scheme beside a bearer one asks for the same header).
        phrases = dict.fromkeys(" with ".join(dict.fromkeys(map(_asked, each))) for each in self.alternatives)
        wanted = " or ".join(phrase for phrase in phrases if phrase)
        object.__setattr__(
            self, "refusal", "missing or invalid credentials" + (f": send {wanted}" if wanted else "")
        )

    def allows(
        self, headers: CIMultiDictProxy[str], query: Mapping[str, str], cookies: Mapping[str, str]
    ) -> bool:
        if self.public:
            return True
        for alternative in self.alternatives:  # loops, not all(<generator>): this runs on every request
            for check in alternative:
                if not _present(check, headers, query, cookies):
                    break
            else:
                return True
        return False


def _usable(value: str) -> bool:
    value = value.strip()
    return bool(value) and "invalid" not in value.lower()


def _present(
    check: CredentialSlot,
    headers: CIMultiDictProxy[str],
    query: Mapping[str, str],
    cookies: Mapping[str, str],
) -> bool:
    if check.location == "bearer":
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and _usable(token)
    if check.location == "basic":
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "basic" and _usable(_basic_user(token))
    if check.location == "header":
        return _usable(headers.get(check.name, ""))
    if check.location == "query":
        return _usable(query.get(check.name, ""))
    if check.location == "cookie":
        return _usable(cookies.get(check.name, ""))
    return False


def _asked(slot: CredentialSlot) -> str:
    """Where a credential goes, as a 401 names it."""
    if slot.location == "bearer":
        return "an Authorization: Bearer <key> header"
    if slot.location == "basic":
        return "an Authorization: Basic <credentials> header"
    return f"the {slot.name} {slot.location if slot.location != 'query' else 'query parameter'}"


def _basic_user(token: str) -> str:
    try:
        return base64.b64decode(token.strip(), validate=True).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return ""


def compile_policy(requirements: tuple[tuple[CredentialSlot, ...], ...]) -> AuthPolicy:
    """The checks of ``gatewright.spec.security.requirements``: any ``http`` scheme is checked as
    bearer, and a scheme the mock cannot check (``unknown``) is not checked."""
    return AuthPolicy(
        tuple(
            tuple(_BEARER if s.location == "http" else s for s in slots if s.location != "unknown")
            for slots in requirements
        )
    )
