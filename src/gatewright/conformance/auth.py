"""Credentials per operation, from the spec's security schemes (never from an Authorization parameter)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gatewright.spec import Operation, Spec


@dataclass(frozen=True, slots=True)
class Credentials:
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


def credentials_for(spec: Spec, operation: Operation, key: str | None) -> Credentials:
    """How to present ``key`` to ``operation``: the first requirement whose schemes we can satisfy."""
    if not key:
        return Credentials()
    schemes = spec.security_schemes
    for requirement in spec.security(operation):
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        usable = True
        for name in requirement:
            scheme = spec.deref(schemes.get(name, {}))
            kind = scheme.get("type")
            if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
                headers["Authorization"] = f"Bearer {key}"
            elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
                usable = False
            elif kind == "apiKey" and scheme.get("in") == "header":
                headers[str(scheme["name"])] = key
            elif kind == "apiKey" and scheme.get("in") == "query":
                query[str(scheme["name"])] = key
            elif kind in ("oauth2", "openIdConnect"):
                headers["Authorization"] = f"Bearer {key}"
            else:
                usable = False
        if usable and (headers or query):
            return Credentials(headers=headers, query=query)
    return Credentials()


def is_public(spec: Spec, operation: Operation) -> bool:
    requirements = spec.security(operation)
    return not requirements or any(not requirement for requirement in requirements)


def credential_names(spec: Spec) -> tuple[frozenset[str], frozenset[str]]:
    """The header names (lower case) and query parameter names the spec's API-key schemes use."""
    headers: set[str] = set()
    query: set[str] = set()
    for raw in spec.security_schemes.values():
        scheme = spec.deref(raw)
        if not isinstance(scheme, dict) or scheme.get("type") != "apiKey" or "name" not in scheme:
            continue
        if scheme.get("in") == "header":
            headers.add(str(scheme["name"]).lower())
        elif scheme.get("in") == "query":
            query.add(str(scheme["name"]))
    return frozenset(headers), frozenset(query)
