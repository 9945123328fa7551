"""What a task's ``result`` field holds once it succeeds, decided once per lifecycle from the spec.

Not every result is a file: ipop's ``events_url`` is a route of the API itself,
``output_file_id`` names a file that ``GET /v1/files/{file_id}`` must then serve,
``connect_path`` is a path and ``output_text`` is text. The kind follows from the
field's name and the spec's own routes (no per-API table), so a client that follows
a result gets something the mock answers.
"""

from __future__ import annotations

import enum
import re
import secrets
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.tasks.sync import result_shape
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import split
from gatewright.spec.schemas import schema_at
from gatewright.spec.tasks import TaskSpec

__all__ = ["ResultKind", "ResultPlan", "plan_result", "result_schemas"]

RESULT_TEXT = "This is the mock's output for this request."
_PLACEHOLDER = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\{[^{}/]+\}"
)


class ResultKind(enum.Enum):
    MEDIA = "media"  # a signed URL of the mock's file route (PNG, WAV, MP4, GLB, ...)
    ROUTE = "route"  # a URL of one of the API's own GET routes (e.g. a turn's events)
    RESOURCE = "resource"  # the id of a resource the API serves (e.g. a file, a model)
    PATH = "path"  # a path, shaped like the schema's example
    TEXT = "text"  # plain text


@dataclass(frozen=True, slots=True)
class ResultPlan:
    kind: ResultKind
    route: str | None = None  # ROUTE: the GET route's path template
    collection: str | None = None  # RESOURCE: the item collection that serves the id
    word: str = "result"  # RESOURCE: the noun the id is made from ("file", "model")
    example: str | None = None  # PATH: the schema's example value
    # MEDIA: where the create describes its finished result (``sync.result_shape``), if it does: the
    # result is that body, as the synchronous answer would have been, its links the task's files.
    body: tuple[str, str] | None = None

    def value(self, task_id: str, params: Mapping[str, str], *, base: str) -> str:
        """The result for one task; ``base`` is ``scheme://host`` plus the API's prefix."""
        if self.kind is ResultKind.ROUTE and self.route is not None:
            return f"{base}{PathTemplate.parse(self.route).expand(params, default=task_id)}"
        if self.kind is ResultKind.RESOURCE:
            return f"{self.word}_{secrets.token_hex(12)}"
        if self.kind is ResultKind.PATH:
            if self.example and self.example.startswith("/"):
                return _PLACEHOLDER.sub(_uuid_like(task_id), self.example)
            return f"/{task_id}"
        return RESULT_TEXT


def _uuid_like(task_id: str) -> str:
    """The task id where a UUID sits in the example (kept as is when it is one already)."""
    try:
        return str(uuid.UUID(task_id))
    except ValueError:
        return task_id


def _get_paths(api: MockApi) -> dict[str, str]:
    return {
        op.operation.template.path: op.operation_id
        for op in api.operations.values()
        if op.operation.method == "GET"
    }


def _collection_for(api: MockApi, word: str) -> str | None:
    """The shortest unnested collection ``/.../<word>s`` with an item route ``/{param}``."""
    found = [
        item[0]
        for op in api.operations.values()
        if op.operation.method == "GET"
        and (item := op.operation.template.item) is not None
        and "{" not in item[0]
        and item[0].endswith(f"/{word}s")
    ]
    return min(found, key=len) if found else None


def result_schemas(api: MockApi, spec: TaskSpec, field: str | None = None) -> Iterator[Mapping[str, Any]]:
    """The schemas the poll's bodies give the result field (or ``field``, a pointer into them), in the
    order the poll declares them."""
    poll = api.operations.get(spec.poll)
    pointer = field or spec.result
    if poll is None or not pointer:
        return
    for response in poll.responses:
        for media_spec in response.media:
            if media_spec.schema_pointer is None:
                continue
            root = api.schemas.resolve(media_spec.schema_pointer)
            node = schema_at(api.spec.document, root, split(pointer))
            if node is not None:
                yield node


def _example_at(api: MockApi, spec: TaskSpec, field: str) -> str | None:
    for node in result_schemas(api, spec, field):
        examples = node.get("examples") or ([node["example"]] if "example" in node else [])
        if examples and isinstance(examples[0], str):
            return examples[0]
    return None


def plan_result(
    api: MockApi, spec: TaskSpec, create: MockOperation, field: str | None = None
) -> ResultPlan | None:
    """The kind of value ``spec.result`` (or ``field``: one of its ``set_on_success`` outputs) holds; None
    where the lifecycle declares no result."""
    pointer = field or spec.result
    if not pointer:
        return None
    tokens = [t for t in split(pointer) if not t.isdigit()]
    name = tokens[-1].lower() if tokens else ""
    poll = api.operations.get(spec.poll)
    if name.endswith("_url") and poll is not None:
        route = f"{poll.operation.template.path}/{name.removesuffix('_url')}"
        if route in _get_paths(api):
            return ResultPlan(ResultKind.ROUTE, route=route)
    if name.endswith("_id"):
        word = name.removesuffix("_id").rsplit("_", 1)[-1] or "result"
        return ResultPlan(ResultKind.RESOURCE, collection=_collection_for(api, word), word=word)
    if name.endswith("_path"):
        return ResultPlan(ResultKind.PATH, example=_example_at(api, spec, pointer))
    if name.endswith("text"):
        return ResultPlan(ResultKind.TEXT)
    if field is not None:  # an output beside the result: a file link, never the whole finished answer
        return ResultPlan(ResultKind.MEDIA)
    return ResultPlan(ResultKind.MEDIA, body=result_shape(api, create, spec.id_pointer))
