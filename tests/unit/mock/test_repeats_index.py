"""``Repeats`` finds a kept answer by its whole key, looking the body up first.

The body index (a count of the bodies kept) must follow every way an answer leaves: dropped as
the oldest past the capacity, dropped once its answer is no longer kept, replaced by a newer one
for the same key. A body still kept under another key must stay found.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiohttp.test_utils import make_mocked_request

from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.repeats import Repeats

OP: Any = SimpleNamespace(
    operation_id="createChatCompletion", validator=SimpleNamespace(header_names=(), reads_cookies=False)
)


def _request(accept: str = "application/json") -> Any:
    return make_mocked_request("POST", "/v1/chat/completions", headers={"Accept": accept})


def _outcome(body: bytes | None) -> JsonOutcome:
    return JsonOutcome(200, None, raw=body, again=lambda: body)


def test_the_oldest_answer_falls_out_past_capacity_and_its_body_with_it() -> None:
    repeats = Repeats(entries=2)
    for body in (b"a", b"b", b"c"):
        repeats.keep(OP, _request(), body, _outcome(body), ())
    assert repeats.answer(OP, _request(), b"a") is None
    answered = [repeats.answer(OP, _request(), body) for body in (b"b", b"c")]
    assert [response.body if response else None for response in answered] == [b"b", b"c"]


def test_a_body_kept_under_two_keys_stays_found_when_one_goes() -> None:
    repeats = Repeats(entries=2)
    repeats.keep(OP, _request("application/json"), b"same", _outcome(b"json"), ())
    repeats.keep(OP, _request("text/event-stream"), b"same", _outcome(b"sse"), ())
    repeats.keep(OP, _request(), b"other", _outcome(b"other"), ())  # the application/json one goes
    assert repeats.answer(OP, _request("application/json"), b"same") is None
    kept = repeats.answer(OP, _request("text/event-stream"), b"same")
    assert kept is not None and kept.body == b"sse"


def test_an_answer_no_longer_kept_is_dropped_with_its_body() -> None:
    repeats = Repeats(entries=4)
    gone = JsonOutcome(200, None, raw=b"x", again=lambda: None)  # the answer cache dropped it
    repeats.keep(OP, _request(), b"x", gone, ())
    assert repeats.answer(OP, _request(), b"x") is None
    repeats.keep(OP, _request(), b"x", _outcome(b"again"), ())  # kept anew: found again
    kept = repeats.answer(OP, _request(), b"x")
    assert kept is not None and kept.body == b"again"


def test_keeping_the_same_key_again_replaces_its_answer() -> None:
    repeats = Repeats(entries=1)
    repeats.keep(OP, _request(), b"x", _outcome(b"first"), ())
    repeats.keep(OP, _request(), b"x", _outcome(b"second"), ())
    kept = repeats.answer(OP, _request(), b"x")
    assert kept is not None and kept.body == b"second"
    repeats.keep(OP, _request(), b"y", _outcome(b"y"), ())  # capacity 1: x goes
    assert repeats.answer(OP, _request(), b"x") is None


def test_the_body_index_holds_no_more_bodies_than_answers_kept() -> None:
    """The index is bounded by what is kept: however answers come and go, no body outlives its key."""
    repeats = Repeats(entries=3)
    for n in range(50):
        body = b"%d" % (n % 7)
        accept = ("application/json", "text/event-stream")[n % 2]
        again = None if n % 5 == 0 else body
        repeats.keep(OP, _request(accept), body, JsonOutcome(200, None, again=lambda again=again: again), ())
        repeats.answer(OP, _request(accept), body)
        assert sum(repeats._bodies.values()) == len(repeats._known) <= 3
