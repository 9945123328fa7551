"""What a task body says of the request that made it, beyond the fields ``echo`` restates by name.

- **Its ``input`` is the request.** beatra's task shows the input it was created with in an open
  ``input`` object, which no request field is named after: the generator gave ``{}``, so a client
  reading back what it asked for found nothing. The request's fields (what ``echo.echoable`` keeps)
  are written there.
- **What the client could have asked for and did not is null.** An optional object the create
  declares and was not sent is null in its answers, where the schema allows null; so is a callback
  (a field ``tasks.callbacks`` knows as one) on a task created without one: beatra's generated
  ``callback`` told the client of a webhook it never set up.

Each write is kept only if the body stays valid (``mock.fit.Edits``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

from gatewright.mock.fit import Edits
from gatewright.mock.tasks.callbacks import CALLBACK_FIELDS

__all__ = ["INPUT", "SENT", "as_asked"]

INPUT = "input"  # the open object holding the request a task was created with
SENT = "sent"  # the task context's key for the fields the create declares that its request sent


def as_asked(
    body: Any,
    request: Mapping[str, Any],
    sent: Collection[str],
    declared: Collection[str],
    valid: Callable[[Any], bool],
    *,
    called_back: bool,
) -> Any:
    """``body`` with its ``input`` holding ``request``, and set to null: the objects the create declares
    but was not sent (``sent``: the names it was), and its callback unless the task has one
    (``called_back``); ``body`` itself when nothing changes."""
    if not isinstance(body, dict):
        return body
    writes: list[tuple[tuple[str, ...], Any]] = []
    if INPUT not in declared and isinstance(body.get(INPUT), dict) and body[INPUT] != request:
        writes.append(((INPUT,), dict(request)))
    writes += [
        ((name,), None)
        for name, value in body.items()
        if name != INPUT
        and value is not None
        and (
            (isinstance(value, dict) and name in declared and name not in sent)
            or (name in CALLBACK_FIELDS and not called_back)
        )
    ]
    if not writes:
        return body
    edits = Edits(json.loads(json.dumps(body)), valid)  # a deep copy that keeps only JSON
    for tokens, value in writes:
        edits.set(tokens, value)
    return edits.body
