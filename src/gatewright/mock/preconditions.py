"""Writes the client made conditional on what the store holds: refused, and nothing kept, when the
condition fails.

ipop's KV store documents two, in its put's description: "Use ttl_seconds for expiry, create_only for
first-writer-wins inserts, and if_version for optimistic concurrency" (and its delete: "optionally
guarded by if_version for optimistic concurrency"). Without them the mock overwrote whatever a
``create_only`` put or a stale ``if_version`` named, so a client's conflict path was never exercised.

The conditions are read by the fields' names, as the upsert's versioning reads ``version`` and
``created_at`` (``mock.stateful``), and only where the operation declares them (a request body field,
or for ``if_version`` a query parameter too):

- ``create_only: true``: the write only creates; an item already there is a conflict;
- ``if_version: N``: the item's ``version`` must be N; another version, or no item, is a conflict.

The caller answers a conflict with a 409 only where the operation documents one: the status a
failed precondition has in the spec, nothing the mock invents for an API that says nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["conflict"]

CREATE_ONLY = "create_only"  # a flag: the write may only create
IF_VERSION = "if_version"  # the version the write expects the item to be at
VERSION = "version"  # the item's field that counts its writes (``mock.stateful._again``)


def conflict(
    sent: Mapping[str, Any],
    query: Mapping[str, str],
    stored: Mapping[str, Any] | None,
    *,
    body_fields: Collection[str],
    query_fields: Collection[str],
) -> str | None:
    """Why the write conflicts with ``stored`` (the item it names, None: none), or None when it may go
    ahead. ``sent`` is the request body, ``query`` its query; ``body_fields`` and ``query_fields`` what the
    operation declares of them."""
    if CREATE_ONLY in body_fields and sent.get(CREATE_ONLY) is True and stored is not None:
        return "create_only: the key already exists"
    expected: Any = sent.get(IF_VERSION) if IF_VERSION in body_fields else None
    if expected is None and IF_VERSION in query_fields:
        expected = query.get(IF_VERSION)
    if expected is None or isinstance(expected, bool):
        return None
    held = stored.get(VERSION) if stored is not None else None
    if held is None or isinstance(held, bool) or str(held) != str(expected).strip():
        found = "no such item" if stored is None else f"the item is at version {held}"
        return f"if_version {expected} does not match: {found}"
    return None
