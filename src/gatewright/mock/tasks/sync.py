"""The answer to a create that asks to hold on for the result (``sync_when``) instead of a task.

An operation that answers either a task envelope or the finished result in one body (a ``oneOf`` of
the two) is answered here with the branch that does not carry the task id: generated from the schema,
with the lifecycle's results (signed file URLs, one per item asked for) in its URL fields, or the
image inline, as ``response_format`` says (``mock.media_bodies``), every write kept only if the body
stays valid. No task is made: the client holds no id to poll.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.fit import Edits
from gatewright.mock.media import MediaKind
from gatewright.mock.media_bodies import link_media
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi
from gatewright.mock.tasks.fields import URL_FIELDS
from gatewright.spec.media import is_json
from gatewright.spec.pointer import lookup

__all__ = ["finished_result"]


def finished_result(
    api: MockApi,
    decision: Decision,
    id_pointer: str,
    results: tuple[str, ...],
    request: Mapping[str, Any],
    *,
    inline: MediaKind,
    salt: str,
) -> Any | None:
    """The decision's body as the finished result, or None when its schema has no branch without the id."""
    media = decision.media
    if media is None or media.schema_pointer is None or not is_json(media.media_type):
        return None
    pointer = media.schema_pointer

    def valid(value: Any) -> bool:
        return api.schemas.is_valid(pointer, value, formats=True)

    links = iter(results)  # one file per item, in order

    def link(tokens: tuple[str, ...], key: str) -> str | None:
        return next(links, results[0]) if key in URL_FIELDS and results else None

    for branch in _branches(api, pointer):
        body = api.generator.generate(branch, salt=salt)
        if isinstance(body, Mapping) and lookup(body, id_pointer) is None and valid(body):
            edits = Edits(copy.deepcopy(dict(body)), valid)
            link_media(edits, request, link, inline)
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
