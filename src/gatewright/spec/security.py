"""Security schemes, read once: where each scheme puts a credential, and which an operation needs.

A ``CredentialSlot`` is one scheme as a client presents it: ``bearer`` (``http`` bearer, and
``oauth2``/``openIdConnect``, whose tokens go out as bearer tokens), ``basic``, ``http`` (any
other ``http`` auth scheme, e.g. digest), ``header``/``query``/``cookie`` (``apiKey``, by its
``in``; ``header`` when it names none gatewright knows) or ``unknown`` (``mutualTLS``, or a
requirement naming a scheme the document does not define). ``requirements`` gives an
operation's alternatives (any one suffices; an empty alternative: public), each a tuple of the
slots that must all be filled. What a reader does with a slot (the mock's checks, conformance's
credentials, the redactor's names) is its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from gatewright.spec.model import Operation, Spec

__all__ = ["CredentialNames", "CredentialSlot", "Location", "credential_names", "requirements", "slots"]

Location = Literal["bearer", "basic", "http", "header", "query", "cookie", "unknown"]
_API_KEY_PLACES: tuple[Location, ...] = ("header", "query", "cookie")


@dataclass(frozen=True, slots=True)
class CredentialSlot:
    """Where one scheme's credential goes: ``name`` is the header, parameter or cookie name."""

    location: Location
    name: str = "Authorization"


class CredentialNames(NamedTuple):
    """The header names (lower case) and query parameter names a spec's ``apiKey`` schemes use."""

    headers: frozenset[str]
    query: frozenset[str]


def _slot(scheme: Any) -> CredentialSlot:
    if not isinstance(scheme, Mapping):
        return CredentialSlot("unknown")
    kind = scheme.get("type")
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        return CredentialSlot("bearer" if http == "bearer" else "basic" if http == "basic" else "http")
    if kind == "apiKey":
        where = scheme.get("in")
        location: Location = next((place for place in _API_KEY_PLACES if place == where), "header")
        return CredentialSlot(location, str(scheme.get("name", "Authorization")))
    if kind in ("oauth2", "openIdConnect"):
        return CredentialSlot("bearer")
    return CredentialSlot("unknown")


def slots(spec: Spec) -> dict[str, CredentialSlot]:
    """Every scheme of ``components.securitySchemes`` by name, ``$ref``s followed."""
    return {name: _slot(spec.deref(raw)) for name, raw in spec.security_schemes.items()}


def requirements(spec: Spec, operation: Operation) -> tuple[tuple[CredentialSlot, ...], ...]:
    """``operation``'s security requirements as alternatives of slots (none at all: public)."""
    known = slots(spec)
    return tuple(
        tuple(known.get(name, CredentialSlot("unknown")) for name in requirement)
        for requirement in spec.security(operation)
    )


def credential_names(spec: Spec) -> CredentialNames:
    """Where the spec's ``apiKey`` schemes carry credentials: never recorded, never matched."""
    headers: set[str] = set()
    query: set[str] = set()
    for slot in slots(spec).values():
        if slot.location == "header":
            headers.add(slot.name.lower())
        elif slot.location == "query":
            query.add(slot.name)
    return CredentialNames(frozenset(headers), frozenset(query))
