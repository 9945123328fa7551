"""What a task body says of the request that made it, beyond the fields ``echo`` restates by name.

- **Its ``input`` is the request.** beatra's task shows the input it was created with in an open
  ``input`` object, which no request field is named after: the generator gave ``{}``, so a client
  reading back what it asked for found nothing. The request's fields (what ``echo.echoable`` keeps)
  are written there.
- **What the client could have asked for and did not is the default, else null.** A field that
  restates (by ``echo.restates``) one the create declares and was not sent says the default the request
  schema declares for it, else null, where the answer's schema allows it: ipop's fine-tune job created
  without a ``validation_file`` has a null ``validation_file_id`` (the generator made one up), without a
  ``result_visibility`` it is the declared ``user``; an object not sent is the defaults its fields
  declare (``RequestFields.default_of``: no ``hyperparameters``, the declared ``n_epochs: 3``,
  ``lora_rank: 8`` and ``lora_alpha: 16``), and an optional object whose fields declare none is null. So is a
  callback (a field ``tasks.callbacks`` knows as one) on a task created without one: beatra's generated
  ``callback`` told the client of a webhook it never set up.

Each write is kept only if the body stays valid (``mock.fit.Edits``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

from gatewright.mock.echo import NO_FIELDS, RequestFields, restates
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
    fields: RequestFields = NO_FIELDS,
    kept: Collection[str] = (),
) -> Any:
    """``body`` with its ``input`` holding ``request``; the fields restating what the create declares but
    was not sent (``sent``: the names it was) set to its default (``fields.default_of``), else null; its
    callback null unless the task has one (``called_back``). The fields ``kept`` are left as they are;
    ``body`` itself when nothing changes."""
    if not isinstance(body, dict):
        return body
    writes: list[tuple[tuple[str, ...], Any]] = []
    if INPUT not in declared and isinstance(body.get(INPUT), dict) and body[INPUT] != request:
        writes.append(((INPUT,), dict(request)))
    unsent = frozenset(declared) - frozenset(sent) - frozenset(request)  # (an update may set one since)
    for name, value in body.items():
        if name == INPUT or name in kept:
            continue
        if name in CALLBACK_FIELDS and not called_back:
            if value is not None:
                writes.append(((name,), None))
            continue
        restated = restates(name, unsent, fields.strings, fields.stated)
        wanted = fields.default_of(restated) if restated is not None else value
        if wanted != value:
            writes.append(((name,), wanted))
    if not writes:
        return body
    edits = Edits(json.loads(json.dumps(body)), valid)  # a deep copy that keeps only JSON
    for tokens, value in writes:
        edits.set(tokens, value)
    return edits.body
