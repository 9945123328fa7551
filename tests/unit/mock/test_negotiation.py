from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gatewright.mock.negotiation import Example, MediaSpec, ResponseSpec, negotiate
from gatewright.mock.preferences import Preferences

JSON = "application/json"
RESPONSES = (
    ResponseSpec(
        "201",
        "/r/201",
        (MediaSpec(JSON, "/s/201", (Example("first", {"a": 1}), Example("second", {"a": 2}))),),
    ),
    ResponseSpec("200", "/r/200", (MediaSpec("text/plain", "/s/200t"), MediaSpec(JSON, "/s/200"))),
    ResponseSpec("404", "/r/404", (MediaSpec(JSON, "/s/404"),)),
    ResponseSpec("5XX", "/r/5xx", (MediaSpec(JSON, "/s/5xx"),)),
)


def test_lowest_documented_success_and_json_first() -> None:
    decision = negotiate(RESPONSES, Preferences())
    assert decision.status == 200
    assert decision.media is not None and decision.media.media_type == JSON
    assert decision.generate


def test_accept_header_picks_media_type() -> None:
    decision = negotiate(RESPONSES, Preferences(), "text/plain")
    assert decision.media is not None and decision.media.media_type == "text/plain"


def test_prefer_code_and_named_example() -> None:
    decision = negotiate(RESPONSES, Preferences(code=201, example="second"))
    assert decision.status == 201
    assert decision.example == Example("second", {"a": 2})
    assert decision.preference_applied


def test_first_example_unless_dynamic() -> None:
    assert negotiate(RESPONSES, Preferences(code=201)).example == Example("first", {"a": 1})
    dynamic = negotiate(RESPONSES, Preferences(code=201, dynamic=True))
    assert dynamic.example is None and dynamic.generate


def test_range_keys_and_undocumented_codes() -> None:
    assert negotiate(RESPONSES, Preferences(code=503)).response == RESPONSES[3]
    fallback = negotiate(RESPONSES, Preferences(code=418))
    assert fallback.status == 200 and not fallback.preference_applied


@given(st.one_of(st.none(), st.integers(100, 599)), st.booleans(), st.sampled_from([None, "first", "x"]))
def test_every_negotiated_status_is_declared(code: int | None, dynamic: bool, example: str | None) -> None:
    decision = negotiate(RESPONSES, Preferences(code=code, example=example, dynamic=dynamic))
    assert decision.response is not None
    assert decision.response.key in (str(decision.status), f"{str(decision.status)[0]}XX", "default")
