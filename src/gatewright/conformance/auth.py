"""Credentials per operation, from the spec's security schemes (never from an Authorization parameter).

Which schemes an operation needs is ``gatewright.spec.security``'s reading; this module only
decides how one key fills them: a bearer token, or an API key in a header or the query.
Basic, other ``http`` schemes, cookies and unknown schemes cannot be filled from one key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from gatewright.spec import Operation, Spec
from gatewright.spec.security import CredentialSlot, requirements, slots


@dataclass(frozen=True, slots=True)
class Credentials:
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    @property
    def filled(self) -> bool:
        """Whether the key goes anywhere at all."""
        return bool(self.headers or self.query)


def credentials_for(spec: Spec, operation: Operation, key: str | None) -> Credentials:
    """How to present ``key`` to ``operation``: the first requirement whose schemes we can satisfy."""
    if not key:
        return Credentials()
    return _fill(requirements(spec, operation), key)


def public_credentials(spec: Spec, key: str | None) -> Credentials:
    """How to present ``key`` to an operation the spec marks public: as the API's secured operations
    take it (the document's ``security``, else the first requirement its secured operations state,
    the most common first, else the first declared scheme one key fills), the way clients such as the
    openai SDK send their key on every call. Not merely the first declared scheme: ipop declares its
    admin token first, and its key went out as ``x-admin-token`` to the public models list, which a
    gateway wanting the key there answered 401 (no served models known). A gateway that wants a key
    where the spec says none is found by probing the operation without it (``PUBLIC_ACCESS``), not by
    leaving every request to it without one."""
    if not key:
        return Credentials()
    known = slots(spec)
    declared = spec.document.get("security")
    documented = tuple(
        tuple(known.get(name, CredentialSlot("unknown")) for name in requirement)
        for requirement in (declared if isinstance(declared, list) else ())
        if isinstance(requirement, dict)
    )
    usual = Counter(
        alternatives[0]
        for operation in spec.operations
        if (alternatives := requirements(spec, operation)) and all(alternatives)
    )
    secured = tuple(requirement for requirement, _ in usual.most_common())
    return _fill((*documented, *secured, *((slot,) for slot in known.values())), key)


def _fill(alternatives: Iterable[tuple[CredentialSlot, ...]], key: str) -> Credentials:
    """``key`` in the first alternative it can fill whole (an empty one fills nothing: skipped)."""
    for alternative in alternatives:
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
            found = Credentials(headers=headers, query=query)
            if found.filled:
                return found
    return Credentials()


def is_public(spec: Spec, operation: Operation) -> bool:
    alternatives = spec.security(operation)
    return not alternatives or any(not alternative for alternative in alternatives)
