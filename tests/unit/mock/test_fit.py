"""``fit.Edits.set_all``: every write at once and one check when they keep the body valid, else each
write on its own, kept only if the body stays valid (what ``set`` one at a time gives)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gatewright.mock.fit import Edits

# A body is valid while ``a`` is an int and ``b``, when present, is a string.


def _valid(body: Any) -> bool:
    return isinstance(body.get("a"), int) and isinstance(body.get("b", ""), str)


def test_writes_that_keep_the_body_valid_cost_one_check() -> None:
    checks: list[Any] = []

    def counted(body: Any) -> bool:
        checks.append(dict(body))
        return _valid(body)

    edits = Edits({"a": 1}, counted)
    edits.set_all([(("a",), 2), (("b",), "x"), (("c", "d"), [1])])
    assert edits.body == {"a": 2, "b": "x", "c": {"d": [1]}}
    assert len(checks) == 1


def test_a_write_that_breaks_the_body_is_dropped_and_the_rest_kept() -> None:
    edits = Edits({"a": 1, "b": "old"}, _valid)
    edits.set_all([(("a",), 2), (("b",), 3), (("c",), True)])
    assert edits.body == {"a": 2, "b": "old", "c": True}


values = st.one_of(st.integers(0, 3), st.text(max_size=2), st.none())
writes = st.lists(st.tuples(st.sampled_from([("a",), ("b",), ("c",)]), values), max_size=6)


@given(writes)
def test_set_all_ends_where_one_at_a_time_would_when_it_falls_back(
    batch: list[tuple[tuple[str], Any]],
) -> None:
    together, alone = Edits({"a": 0}, _valid), Edits({"a": 0}, _valid)
    together.set_all(batch)
    for tokens, value in batch:
        alone.set(tokens, value)
    assert _valid(together.body)
    final = {"a": 0}
    for tokens, value in batch:
        final[tokens[0]] = value
    if not _valid(final):  # not all at once: the same writes kept as one at a time keeps
        assert together.body == alone.body
    else:
        assert together.body == final
