"""AnswerCache: a body is kept on its request's second sighting; a kept body comes back serialized
with new ids and time, and stays intact."""

from __future__ import annotations

import itertools
import json

from gatewright.mock.answers.reuse import AnswerCache, Key
from gatewright.spec.answers import Answer, Choice, Finish, ToolCall

OLD_ID, OLD_CALL = "a" * 24, "b" * 24


def _key(body: str) -> Key:
    key = AnswerCache.key("op", "#/p", "openai-responses", body.encode())
    assert key is not None
    return key


def _kept() -> tuple[AnswerCache, dict[str, object]]:
    answer = Answer(
        OLD_ID,
        100,
        "m",
        (Choice(None, (ToolCall(OLD_CALL, "f", {"x": 1}),), Finish.TOOL_CALLS, tokens=3),),
        5,
    )
    body = {
        "id": f"resp_{OLD_ID}",
        "created_at": 100,
        "output": [{"id": f"fc_{OLD_CALL}", "call_id": f"call_{OLD_CALL}", "arguments": '{"x": 1}'}],
        "usage": {"input_tokens": 100},  # a number equal to the time, under another name: not a time
    }
    cache = AnswerCache()
    assert cache.put(_key("k"), body, answer)[1] is False  # seen once: sent, not kept
    assert cache.get(_key("k"), lambda: "x", now=lambda: 0) is None
    raw, kept = cache.put(_key("k"), body, answer)
    assert kept and json.loads(raw) == body
    return cache, body


def test_a_hit_renames_ids_in_draw_order_and_restamps_time() -> None:
    cache, body = _kept()
    fresh = (f"{n:024x}" for n in itertools.count(1))
    reused = cache.get(_key("k"), lambda: next(fresh), now=lambda: 200)
    assert reused is not None
    again = cache.get(_key("k"), lambda: next(fresh), now=lambda: 300)
    assert again is not None
    expected = {
        "id": f"resp_{2:024x}",  # the answer's id is drawn after its tool calls', as composing does
        "created_at": 200,
        "output": [{"id": f"fc_{1:024x}", "call_id": f"call_{1:024x}", "arguments": '{"x": 1}'}],
        "usage": {"input_tokens": 100},
    }
    assert json.loads(reused) == expected
    assert json.loads(again) == {  # each hit its own ids and time
        **expected,
        "id": f"resp_{4:024x}",
        "created_at": 300,
        "output": [{"id": f"fc_{3:024x}", "call_id": f"call_{3:024x}", "arguments": '{"x": 1}'}],
    }
    assert body["id"] == f"resp_{OLD_ID}" and body["created_at"] == 100  # the kept body is not changed
    assert cache.get(_key("other"), lambda: "x", now=lambda: 0) is None


def test_reset_and_size_bound() -> None:
    cache, _ = _kept()
    cache.clear()
    assert cache.get(_key("k"), lambda: "x", now=lambda: 0) is None
    small = AnswerCache(entries=2)
    for key in "abcabc":
        small.put(_key(key), {"v": key}, None)
    assert small.get(_key("a"), lambda: "x", now=lambda: 0) is None
    reused = small.get(_key("c"), lambda: "x", now=lambda: 0)
    assert reused is not None and json.loads(reused) == {"v": "c"}
    off = AnswerCache(entries=0)
    off.put(_key("a"), {"v": 1}, None)
    off.put(_key("a"), {"v": 1}, None)
    assert off.get(_key("a"), lambda: "x", now=lambda: 0) is None
