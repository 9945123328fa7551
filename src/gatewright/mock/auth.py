"""Credentials as each operation's ``security`` says: any non-empty key is accepted.

Requirements are compiled once into alternatives of checks; a request passes
when every check of one alternative finds a non-empty credential. The key
itself is never kept or logged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from multidict import CIMultiDictProxy


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    location: str  # "bearer" | "basic" | "header" | "query" | "cookie"
    name: str = "Authorization"


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    alternatives: tuple[tuple[CredentialCheck, ...], ...]

    @property
    def public(self) -> bool:
        return not self.alternatives or any(not alternative for alternative in self.alternatives)

    def allows(
        self, headers: CIMultiDictProxy[str], query: Mapping[str, str], cookies: Mapping[str, str]
    ) -> bool:
        if self.public:
            return True
        return any(
            all(_present(check, headers, query, cookies) for check in alternative)
            for alternative in self.alternatives
        )


def _present(
    check: CredentialCheck,
    headers: CIMultiDictProxy[str],
    query: Mapping[str, str],
    cookies: Mapping[str, str],
) -> bool:
    if check.location == "bearer":
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(token.strip())
    if check.location == "basic":
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "basic" and bool(token.strip())
    if check.location == "header":
        return bool(headers.get(check.name, "").strip())
    if check.location == "query":
        return bool(query.get(check.name, "").strip())
    if check.location == "cookie":
        return bool(cookies.get(check.name, "").strip())
    return False


def _check_for(scheme: Mapping[str, Any]) -> CredentialCheck | None:
    kind = scheme.get("type")
    if kind == "http":
        http = str(scheme.get("scheme", "bearer")).lower()
        return CredentialCheck("basic" if http == "basic" else "bearer")
    if kind == "apiKey":
        where = str(scheme.get("in", "header"))
        return CredentialCheck(
            where if where in ("header", "query", "cookie") else "header",
            str(scheme.get("name", "Authorization")),
        )
    if kind in ("oauth2", "openIdConnect"):
        return CredentialCheck("bearer")
    return None


def compile_policy(requirements: Sequence[Mapping[str, Any]], schemes: Mapping[str, Any]) -> AuthPolicy:
    alternatives: list[tuple[CredentialCheck, ...]] = []
    for requirement in requirements:
        checks: list[CredentialCheck] = []
        for name in requirement:
            scheme = schemes.get(name)
            check = _check_for(scheme) if isinstance(scheme, Mapping) else None
            if check is not None:
                checks.append(check)
        alternatives.append(tuple(checks))
    return AuthPolicy(tuple(alternatives))
