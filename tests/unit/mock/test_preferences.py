from __future__ import annotations

from gatewright.mock.preferences import NO_PREFERENCES, parse_prefer


def test_empty_header_is_no_preferences() -> None:
    assert parse_prefer(None) is NO_PREFERENCES
    assert parse_prefer("").empty


def test_prism_style_values() -> None:
    prefs = parse_prefer('code=404, example="not_found", dynamic=true')
    assert prefs.code == 404
    assert prefs.example == "not_found"
    assert prefs.dynamic


def test_semicolons_and_unknown_keys_are_kept() -> None:
    prefs = parse_prefer("code=202; task=fail; respond-async")
    assert prefs.code == 202
    assert prefs.extra == {"task": "fail", "respond-async": ""}


def test_malformed_values_are_ignored() -> None:
    prefs = parse_prefer("code=abc, code=12345, dynamic=no")
    assert prefs.code is None
    assert not prefs.dynamic
