"""The bounds of the stored-responses store, and the input items it lists."""

from __future__ import annotations

from gatewright.mock.answers.response_bodies import input_items, output_text
from gatewright.mock.answers.response_store import ResponseStore, Stored


def _stored(size: int, *, background: bool = False) -> Stored:
    return Stored(b"x" * size, b"", background)


def test_the_oldest_response_goes_first_past_the_count() -> None:
    store = ResponseStore(entries=2, budget=1_000)
    assert store.put(("api", "a"), _stored(10)) == []
    assert store.put(("api", "b"), _stored(10)) == []
    kept = Stored(b"c" * 10, b"", False)
    dropped = store.put(("api", "c"), kept)
    assert [key for key, _ in dropped] == [("api", "a")]
    assert store.get(("api", "a")) is None and store.get(("api", "c")) is kept
    assert len(store) == 2 and store.used == 20


def test_the_oldest_responses_go_first_past_the_byte_budget() -> None:
    store = ResponseStore(entries=100, budget=100)
    for name in "abc":
        store.put(("api", name), _stored(30))
    dropped = store.put(("api", "d"), _stored(50))
    assert [key for key, _ in dropped] == [("api", "a"), ("api", "b")]
    assert store.used == 80 and len(store) == 2


def test_a_response_larger_than_the_budget_is_not_kept_and_nothing_else_goes() -> None:
    store = ResponseStore(entries=10, budget=100)
    kept = _stored(60)
    store.put(("api", "a"), kept)
    too_big = _stored(101, background=True)
    assert store.put(("api", "b"), too_big) == [(("api", "b"), too_big)]
    assert store.get(("api", "b")) is None and store.get(("api", "a")) is kept
    assert store.used == 60


def test_replacing_and_popping_keep_the_byte_count() -> None:
    store = ResponseStore(entries=10, budget=100)
    store.put(("api", "a"), _stored(40))
    store.put(("api", "a"), _stored(10))
    assert store.used == 10 and len(store) == 1
    assert store.pop(("api", "a")) is not None and store.used == 0
    store.put(("api", "b"), _stored(5))
    store.clear()
    assert store.used == 0 and len(store) == 0


def test_input_items_give_every_item_an_id_type_and_content_parts() -> None:
    request = {
        "input": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"type": "function_call_output", "call_id": "call_1", "output": "{}"},
            {
                "type": "message",
                "id": "msg_mine",
                "role": "user",
                "content": [{"type": "input_text", "text": "x"}],
            },
        ]
    }
    items = input_items(request, "resp_1")
    assert [item["type"] for item in items] == ["message", "message", "function_call_output", "message"]
    assert items[0]["content"] == [{"type": "input_text", "text": "Hi"}]
    assert items[1]["content"] == [{"type": "output_text", "text": "Hello"}]
    assert items[0]["id"].startswith("msg_") and items[2]["id"].startswith("fco_")
    assert items[3]["id"] == "msg_mine"  # an id the client gave stays
    assert len({item["id"] for item in items}) == 4
    assert input_items(request, "resp_1") == items  # the same under the same response
    assert input_items(request, "resp_2")[0]["id"] != items[0]["id"]


def test_output_text_joins_the_text_of_messages_only() -> None:
    body = {
        "output": [
            {"type": "function_call", "arguments": "{}"},
            {"type": "message", "content": [{"type": "output_text", "text": "a"}, {"type": "refusal"}]},
            {"type": "message", "content": [{"type": "output_text", "text": "b"}]},
        ]
    }
    assert output_text(body) == "ab"
    assert output_text({}) == ""
