"""``ResourceStore.holds``: whether what a collection holds can be told, so an id it does not hold is unknown.

Fixtures and any item put since reset say so; deletes alone do not (an untracked collection the mock
cannot enumerate stays readable but for the ids deleted), and deletes that empty a collection do not
undo it. Replicas learn it from the items and deletes they share, a replica that never saw the item from
the delete alone.
"""

from __future__ import annotations

from gatewright.mock.shared_values import KEY_SEP
from gatewright.mock.state import ResourceStore


def test_deletes_alone_tell_nothing() -> None:
    store = ResourceStore()
    store.delete("api:/things", "thing_b")
    assert not store.holds("api:/things")
    assert store.known("api:/things")  # (a tracked collection's list: what was deleted is gone)


def test_fixtures_and_items_tell_and_emptying_the_collection_keeps_it_so() -> None:
    store = ResourceStore()
    store.add_fixtures("api:/listed", {"a": {"id": "a"}})
    store.put("api:/made", "x", {"id": "x"}, budgeted=False)
    assert store.holds("api:/listed") and store.holds("api:/made")
    store.delete("api:/made", "x")
    store.delete("api:/listed", "a")
    assert store.holds("api:/made") and store.holds("api:/listed")


def test_a_reset_forgets_the_items_not_the_fixtures() -> None:
    store = ResourceStore()
    store.add_fixtures("api:/listed", {"a": {"id": "a"}})
    store.put("api:/made", "x", {"id": "x"}, budgeted=False)
    store.reset()
    assert store.holds("api:/listed") and not store.holds("api:/made")


def test_a_replica_learns_it_from_a_shared_item_or_from_the_delete_alone() -> None:
    here, there, late = ResourceStore(), ResourceStore(replica=1), ResourceStore(replica=2)
    here.put("api:/made", "x", {"id": "x"}, budgeted=False)
    here.delete("api:/made", "x")
    here.delete("api:/other", "y")  # nothing was ever there
    shared = dict(here.shared_items())
    assert shared == {
        f"api:/made{KEY_SEP}x": {"deleted": True, "held": True},
        f"api:/other{KEY_SEP}y": {"deleted": True, "held": False},
    }
    there.shared_apply(f"api:/made{KEY_SEP}x", {"item": {"id": "x"}, "at": 1})
    for key, value in shared.items():
        late.shared_apply(key, value)
    assert there.holds("api:/made") and late.holds("api:/made")
    assert not late.holds("api:/other")
