"""``SharedKeySet``'s byte budget: a pair past it is not kept, and what is held is counted however it came
(added here, taken from another replica, gone, cleared)."""

from __future__ import annotations

from gatewright.mock.answers.threads import ContinuedReplies, MessageThreads
from gatewright.mock.keyset import SharedKeySet
from gatewright.mock.shared_values import KEY_SEP


def test_a_pair_past_the_byte_budget_is_not_kept() -> None:
    pairs = SharedKeySet(budget=20)
    pairs.add(("api", "msg_0123456789"))  # 3 + 14 bytes
    pairs.add(("api", "msg_x"))  # 8 more: past 20
    pairs.add(("api", "é"))  # 3 + 2 bytes (UTF-8): 22, past 20 too
    assert ("api", "msg_0123456789") in pairs
    assert ("api", "msg_x") not in pairs
    assert ("api", "é") not in pairs
    assert (len(pairs), pairs.used) == (1, 17)


def test_pairs_taken_from_another_replica_count_and_free_the_budget() -> None:
    pairs = SharedKeySet(budget=20)
    pairs.shared_apply(f"api{KEY_SEP}msg_0123456789", True)
    pairs.shared_apply(f"api{KEY_SEP}msg_0123456789", True)  # the same pair again: counted once
    assert pairs.used == 17
    pairs.add(("api", "msg_x"))
    assert ("api", "msg_x") not in pairs
    pairs.shared_apply(f"api{KEY_SEP}msg_0123456789", None)
    pairs.add(("api", "msg_x"))
    assert ("api", "msg_x") in pairs and pairs.used == 8
    pairs.shared_clear()
    assert (len(pairs), pairs.used) == (0, 0)


def test_the_replies_continued_are_bounded_by_a_sixteenth_of_the_threads_budget() -> None:
    threads = MessageThreads(answers=None)  # type: ignore[arg-type]  # (not asked for answers here)
    assert isinstance(threads.continued_replies, ContinuedReplies)
    assert threads.continued_replies.budget == threads.kept.budget // 16 == 4 * 1024 * 1024
