"""Credentials per operation, from the spec's security schemes (never from an Authorization parameter).

Which schemes an operation needs is ``gatewright.spec.security``'s reading; this module only
decides how one key fills them: a bearer token, or an API key in a header or the query.
Basic, other ``http`` schemes, cookies and unknown schemes cannot be filled from one key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gatewright.spec import Operation, Spec
from gatewright.spec.security import requirements


@dataclass(frozen=True, slots=True)
class Credentials:
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


def credentials_for(spec: Spec, operation: Operation, key: str | None) -> Credentials:
    """How to present ``key`` to ``operation``: the first requirement whose schemes we can satisfy."""
    if not key:
        return Credentials()
    for alternative in requirements(spec, operation):
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        for slot in alternative:
            if slot.location == "bearer":
                headers["Authorization"] = f"Bearer {key}"
            elif slot.location == "header":
                headers[slot.name] = key
            elif slot.location == "query":
                query[slot.name] = key
            else:
                break
        else:
            if headers or query:
                return Credentials(headers=headers, query=query)
    return Credentials()


def is_public(spec: Spec, operation: Operation) -> bool:
    alternatives = spec.security(operation)
    return not alternatives or any(not alternative for alternative in alternatives)
