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
from gatewright.mock.negotiation import Decision, json_schema
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.tasks.fields import URL_FIELDS
from gatewright.spec.media import is_json
from gatewright.spec.pointer import lookup

__all__ = ["branches", "filled", "finished_result", "result_shape"]


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
    pointer = json_schema(decision)
    if pointer is None:
        return None
    shape = _shape(api, pointer, id_pointer, branches_only=True)
    return None if shape is None else filled(api, shape, results, request, inline=inline, salt=salt)


def result_shape(api: MockApi, create: MockOperation, id_pointer: str) -> tuple[str, str] | None:
    """Where the create's finished result is described: a 2xx JSON answer (or a ``oneOf``/``anyOf``
    branch of one) that does not carry the task id, as (the schema to generate, the schema it is
    valid against); None when the create only ever answers the task (a job envelope)."""
    for response in create.responses:
        for media in response.media if response.key.startswith("2") else ():
            if is_json(media.media_type) and media.schema_pointer is not None:
                shape = _shape(api, media.schema_pointer, id_pointer, branches_only=False)
                if shape is not None:
                    return shape
    return None


def filled(
    api: MockApi,
    shape: tuple[str, str],
    results: tuple[str, ...],
    request: Mapping[str, Any],
    *,
    inline: MediaKind,
    salt: str,
) -> Any:
    """A finished result of ``shape``: generated, its URL fields the results (one file per item, in
    order) or the file inline, as ``response_format`` says; every write kept only if it stays valid."""
    branch, top = shape

    def valid(value: Any) -> bool:
        return api.schemas.is_valid(top, value, formats=True)

    links = iter(results)

    def link(tokens: tuple[str, ...], key: str) -> str | None:
        return next(links, results[0]) if key in URL_FIELDS and results else None

    edits = Edits(copy.deepcopy(dict(api.generator.generate(branch, salt=salt))), valid)
    link_media(edits, request, link, inline)
    return edits.body


def _shape(api: MockApi, pointer: str, id_pointer: str, *, branches_only: bool) -> tuple[str, str] | None:
    candidates = branches(api, pointer) if branches_only else (pointer, *branches(api, pointer))
    for branch in candidates:
        body = api.generator.generate(branch, salt="shape")
        if (
            isinstance(body, Mapping)
            and body
            and lookup(body, id_pointer) is None
            and api.schemas.is_valid(pointer, body, formats=True)
        ):
            return branch, pointer
    return None


def branches(api: MockApi, pointer: str) -> Iterator[str]:
    """The pointers of the ``oneOf``/``anyOf`` branches of the schema at ``pointer`` (``$ref``s followed)."""
    node, at = api.schemas.deref(api.schemas.resolve(pointer), pointer)
    if not isinstance(node, Mapping) or at is None:
        return
    for key in ("oneOf", "anyOf"):
        for index in range(len(node.get(key) or ())):
            yield f"{at}/{key}/{index}"
