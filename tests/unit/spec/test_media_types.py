"""Media types as the contract compares them (``spec.media``)."""

from __future__ import annotations

import pytest

from gatewright.spec.media import is_json, media_matches, media_type_of


def test_the_bare_media_type_of_a_content_type() -> None:
    assert media_type_of("Application/JSON; charset=utf-8") == "application/json"
    assert media_type_of(None) == "" and media_type_of("") == ""


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ("application/json", True),
        ("application/problem+json", True),
        ("application/x-ndjson", False),
        ("text/event-stream", False),
        ("", False),
    ],
)
def test_json_is_application_json_or_a_json_suffix(media: str, expected: bool) -> None:
    assert is_json(media) is expected


@pytest.mark.parametrize(
    ("declared", "actual", "expected"),
    [
        ("*/*", "image/png", True),
        ("image/*", "image/png", True),
        ("image/*", "audio/wav", False),
        ("application/json", "application/json", True),
        ("application/json", "application/problem+json", False),
        ("image/png", "image/*", False),  # a concrete type never covers a range
    ],
)
def test_a_declared_range_covers_the_types_it_names(declared: str, actual: str, expected: bool) -> None:
    assert media_matches(declared, actual) is expected
