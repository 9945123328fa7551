"""Media types as the contract compares them: the bare type of a header, JSON or not, wildcards.

One home for the three rules normalize, the mock, the proxy and recordings all apply: a
``Content-Type`` is compared by its bare type (parameters dropped, lower-cased); JSON is
``application/json`` or any ``+json`` type; a declared ``*/*`` or ``kind/*`` matches every
concrete type it covers.
"""

from __future__ import annotations

__all__ = ["JSON", "is_json", "media_matches", "media_type_of"]

JSON = "application/json"


def media_type_of(content_type: str | None) -> str:
    """The bare media type of a ``Content-Type`` value (``Application/JSON; charset=x`` →
    ``application/json``); empty when there is none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    """Whether a bare media type (``media_type_of``) is JSON: ``application/json`` or ``…+json``."""
    return media_type == JSON or media_type.endswith("+json")


def media_matches(declared: str, actual: str) -> bool:
    """Whether ``declared`` (a type or a range: ``*/*``, ``image/*``) covers the concrete ``actual``."""
    if declared in ("*/*", actual):
        return True
    kind, _, sub = declared.partition("/")
    return sub == "*" and actual.startswith(kind + "/")
