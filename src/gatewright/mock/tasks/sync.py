"""The answer to a create that asks to hold on for the result (``sync_when``) instead of a task.

An operation that answers either a task envelope or the finished result in one body (a ``oneOf`` of
the two) is answered here with the branch that does not carry the task id: generated from the schema,
with the lifecycle's result (a signed file URL, ...) in each URL field it has, every write kept only if
the body stays valid. No task is made: the client holds no id to poll.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.fit import Edits
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi
from gatewright.mock.render import is_json
from gatewright.mock.tasks.fields import URL_FIELDS
from gatewright.spec.pointer import lookup

__all__ = ["finished_result"]


def finished_result(
    api: MockApi, decision: Decision, id_pointer: str, results: tuple[str, ...], *, salt: str
) -> Any | None:
    """The decision's body as the finished result, or None when its schema has no branch without the id."""
    media = decision.media
    if media is None or media.schema_pointer is None or not is_json(media.media_type):
        return None
    pointer = media.schema_pointer

    def valid(value: Any) -> bool:
        return api.schemas.is_valid(pointer, value, formats=True)

    for branch in _branches(api, pointer):
        body = api.generator.generate(branch, salt=salt)
        if isinstance(body, Mapping) and lookup(body, id_pointer) is None and valid(body):
            edits = Edits(copy.deepcopy(dict(body)), valid)
            if results:
                for tokens in [tokens for tokens, key in _strings(edits.body) if key in URL_FIELDS]:
                    edits.set(tokens, results[0])
            return edits.body
    return None


def _branches(api: MockApi, pointer: str) -> Iterator[str]:
    """The pointers of the ``oneOf``/``anyOf`` branches of the schema at ``pointer`` (``$ref``s followed)."""
    node, at = api.schemas.deref(api.schemas.resolve(pointer), pointer)
    if not isinstance(node, Mapping) or at is None:
        return
    for key in ("oneOf", "anyOf"):
        for index in range(len(node.get(key) or ())):
            yield f"{at}/{key}/{index}"


def _strings(body: Any, tokens: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(body, Mapping):
        for key, value in body.items():
            if isinstance(value, str):
                yield (*tokens, key), key
            else:
                yield from _strings(value, (*tokens, key))
    elif isinstance(body, list):
        for index, item in enumerate(body):
            yield from _strings(item, (*tokens, str(index)))
