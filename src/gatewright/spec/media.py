"""Media types as the contract compares them: the bare type of a header, JSON or not, wildcards.

One home for the three rules normalize, the mock, the proxy and recordings all apply: a
``Content-Type`` is compared by its bare type (parameters dropped, lower-cased); JSON is
``application/json`` or any ``+json`` type; a declared ``*/*`` or ``kind/*`` matches every
concrete type it covers.
"""

from __future__ import annotations

__all__ = ["AUDIO_FORMATS", "JSON", "is_json", "media_matches", "media_type_of"]

JSON = "application/json"

# The audio format words a speech request's ``response_format`` uses (OpenAI's set), and the media type
# each answer has: normalize declares the ones a spec offers and its response leaves out, and the mock
# serves a file of that type (``mock.media`` holds its kinds to this table).
AUDIO_FORMATS = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",  # Opus in an Ogg container
    "aac": "audio/aac",  # AAC in ADTS frames
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",  # raw samples, no header
}


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
