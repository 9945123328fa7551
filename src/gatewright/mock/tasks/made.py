"""What a task's body made up stays as first made: its create answer's values, in every later body.

A task's bodies are rendered anew for its create answer, each poll, a cancel and a list, each from a
body generated under that answer's own schema pointer and salt, and the task's truth (status, progress,
times, error, results, facts, what the request asked) written over it. The fields nothing writes (an
``owner_user_id``, a ``project_id``: ids and owners the generator made up) therefore differed between the
create answer and the polls (ipop's fine-tune job named another owner in each). The create answer's plain
values at the body's top and in the object that holds the status are kept in the task's context (JSON, so
replicas share it) and laid over each later base before the task is written in: what the task owns
(status, progress, times, error, results, facts, what was asked) is still written over them. A field the
task does not own stays as first made, a count or a date a real server would move as the job runs
(``indexed_at``, ``chunk_count``) too: stable, where it was a new guess at every body before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gatewright.mock.fit import Edits
from gatewright.spec.pointer import join, split

__all__ = ["MADE", "made_fields", "with_made"]

MADE = "made"  # the task context's key: JSON pointer -> the value the create answer showed there
_LONGEST = 256  # characters of a string kept (an id or a name, not generated prose)
_MOST = 64  # fields kept per task
_ABSENT = object()


def made_fields(body: Any, status: str) -> dict[str, Any]:
    """The plain values (strings, numbers, booleans, nulls) of ``body`` at its top and in the object
    holding the status (``status``: its pointer), by JSON pointer."""
    made: dict[str, Any] = {}
    container = split(status)[:-1]
    for tokens in ([], container) if container else ([],):
        holder = _at(body, tokens)
        if not isinstance(holder, Mapping):
            continue
        for name, value in holder.items():
            if len(made) >= _MOST:
                return made
            if _plain(value):
                made[join(*tokens, name)] = value
    return made


def with_made(base: Mapping[str, Any], made: Any, valid: Callable[[Any], bool]) -> Mapping[str, Any]:
    """``base`` (never mutated) with the fields it has set to the values ``made`` holds, each kept only
    if the body stays valid; ``base`` itself when ``made`` holds nothing for it."""
    if not isinstance(made, Mapping):
        return base
    writes = [
        (tokens, value)
        for pointer, value in made.items()
        if isinstance(pointer, str)
        and _plain(value)
        and (current := _at(base, tokens := split(pointer), _ABSENT)) is not _ABSENT
        and current != value
    ]
    if not writes:
        return base
    edits = Edits(copy.deepcopy(dict(base)), valid, lenient=True)
    edits.set_all(writes)
    body: Mapping[str, Any] = edits.body
    return body


def _at(body: Any, tokens: Sequence[str], absent: Any = None) -> Any:
    for token in tokens:
        if not isinstance(body, Mapping) or token not in body:
            return absent
        body = body[token]
    return body


def _plain(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, bool | int | float)
        or (isinstance(value, str) and len(value) <= _LONGEST)
    )
