"""Write a task into a response body the spec describes.

The caller brings the body the mock would have sent anyway (an example or one
generated from the poll/create response schema) and the schema; this module writes
the task's truth into it: status at the ``status`` pointer, id at the ``id``
expression, results at the ``result`` pointer, and, where the schema has them,
progress, timestamps and an error. Only the status and id writes are unconditional;
every other write is kept only if the body still validates (when a ``validate``
callable is given), so rendering never makes a valid body invalid.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from gatewright.mock.tasks.models import Phase, Task
from gatewright.spec.model import TaskSpec
from gatewright.spec.pointer import join, split

__all__ = ["Validate", "relocate", "render_task", "runtime_pointer"]

Validate = Callable[[Any], bool]
Schema = Mapping[str, Any]

_MISSING = object()

ID_FIELDS = ("id", "task_id", "taskId", "job_id", "jobId", "request_id", "generation_id")
PROGRESS_FIELDS = ("progress", "percent", "progress_percent", "percentage")
TIMESTAMPS: dict[str, tuple[str, ...]] = {
    "created": (
        "created_at",
        "createdAt",
        "created",
        "create_time",
        "createTime",
        "submit_time",
        "submitTime",
        "submitted_at",
    ),
    "started": ("started_at", "startedAt", "start_time", "startTime"),
    "updated": ("updated_at", "updatedAt", "update_time", "updateTime"),
    "completed": (
        "completed_at",
        "completedAt",
        "finished_at",
        "finishedAt",
        "finish_time",
        "finishTime",
        "ended_at",
        "done_at",
    ),
}
ERROR_FIELDS = ("error", "fail_reason", "failReason", "failure_reason", "error_message")
URL_FIELDS = (
    "url",
    "uri",
    "download_url",
    "video_url",
    "image_url",
    "audio_url",
    "file_url",
    "model_url",
    "glb_url",
    "imageUrl",
    "videoUrl",
    "audioUrl",
    "output_url",
    "signed_url",
)
NESTED_RESULT_FIELDS = (
    "data",
    "results",
    "images",
    "videos",
    "audios",
    "files",
    "outputs",
    "output",
    "items",
    "assets",
    "artifacts",
    "metadata",
)


def runtime_pointer(expression: str) -> str:
    """``$response.body#/id`` → ``/id`` (the JSON pointer part of an OpenAPI runtime expression)."""
    _, _, pointer = expression.partition("#")
    return pointer


def relocate(spec: TaskSpec, schema: Schema | None, document: Schema) -> TaskSpec:
    """``spec`` with its pointers moved to where ``schema`` has them.

    A cancel or list answer may carry the bare object that the poll answer wraps
    (ipop's ``DELETE`` of a Box document returns the ``BoxDocument`` that ``GET``
    wraps in ``document``): a pointer whose path the schema lacks drops leading
    tokens until it fits; one that fits nowhere stays as it is.
    """
    if schema is None:
        return spec
    writer = _Writer({}, schema, document, None)

    def fit(pointer: str) -> str:
        tokens = split(pointer)
        for start in range(len(tokens)):
            if writer.schema_at(tokens[start:]) is not None:
                return join(*tokens[start:])
        return pointer

    prefix, hash_, id_pointer = spec.id.partition("#")
    return replace(
        spec,
        status=fit(spec.status) if spec.status else spec.status,
        id=f"{prefix}{hash_}{fit(id_pointer)}" if id_pointer else spec.id,
        result=fit(spec.result) if spec.result else spec.result,
    )


def render_task(
    task: Task,
    base: Mapping[str, Any],
    spec: TaskSpec,
    *,
    schema: Schema | None = None,
    document: Schema | None = None,
    validate: Validate | None = None,
    result_early: bool = False,
) -> dict[str, Any]:
    """A copy of ``base`` that tells the truth about ``task`` (see the module docstring).

    ``schema`` is the response body schema (``$ref``s resolved against ``document``);
    ``validate`` returns True when a body is valid for it (e.g.
    ``lambda body: schemas.is_valid(pointer, body)`` with the mock's ``SchemaSet``).
    Without a schema, fields are written only where ``base`` already has them.
    ``result_early`` shows the result in every phase (a link to follow the task by,
    such as an events URL), not only once it succeeded.
    """
    body: dict[str, Any] = copy.deepcopy(dict(base))
    writer = _Writer(body, schema, document or {}, validate)

    status_tokens = split(spec.status)
    writer.force(status_tokens, task.status)
    id_pointer = runtime_pointer(spec.id)
    if id_pointer:
        writer.force(split(id_pointer), task.id)

    containers = [status_tokens[:-1]]
    if containers[0]:
        containers.append([])
    for container in containers:
        _write_ids(writer, container, task)
        _write_progress(writer, container, task)
        _write_timestamps(writer, container, task)
        _write_error(writer, container, task)
    if spec.result:
        _write_result(writer, split(spec.result), task, early=result_early)
    return body


# --- field writers ---------------------------------------------------------------------------------


def _write_ids(writer: _Writer, container: list[str], task: Task) -> None:
    for name in ID_FIELDS:
        if writer.has([*container, name]) and isinstance(writer.get([*container, name]), str | None):
            writer.try_set([*container, name], task.id)


def _write_progress(writer: _Writer, container: list[str], task: Task) -> None:
    for name in PROGRESS_FIELDS:
        tokens = [*container, name]
        if not writer.has(tokens):
            continue
        schema = writer.schema_at(tokens)
        current = writer.get(tokens)
        if "object" in _types(schema, writer.document) or isinstance(current, Mapping):
            for sub in PROGRESS_FIELDS:
                if writer.has([*tokens, sub]):
                    writer.try_set(
                        [*tokens, sub],
                        _progress_value(
                            task.progress,
                            writer.schema_at([*tokens, sub]),
                            writer.get([*tokens, sub]),
                            writer.document,
                        ),
                    )
            continue
        writer.try_set(tokens, _progress_value(task.progress, schema, current, writer.document))


def _progress_value(progress: float, schema: Schema | None, current: Any, document: Schema) -> Any:
    types = _types(schema, document)
    percent = round(progress * 100)
    if "integer" in types or (not types and isinstance(current, int) and not isinstance(current, bool)):
        return percent
    if "number" in types or (not types and isinstance(current, float)):
        maximum = (schema or {}).get("maximum")
        if maximum is not None and maximum <= 1:
            return round(progress, 4)
        if maximum is not None or (isinstance(current, int | float) and current > 1):
            return float(percent)
        return round(progress, 4)
    if "string" in types or isinstance(current, str):
        return f"{percent}%"
    return round(progress, 4)


def _write_timestamps(writer: _Writer, container: list[str], task: Task) -> None:
    moments = {
        "created": task.created_at,
        "started": task.started_at,
        "updated": task.completed_at or task.started_at or task.created_at,
        "completed": task.completed_at,
    }
    for moment, names in TIMESTAMPS.items():
        value = moments[moment]
        for name in names:
            tokens = [*container, name]
            if not writer.has(tokens):
                continue
            if value is None:
                writer.clear(tokens)
            else:
                writer.try_set(
                    tokens, _time_value(value, writer.schema_at(tokens), writer.get(tokens), writer.document)
                )


def _time_value(seconds: float, schema: Schema | None, current: Any, document: Schema) -> Any:
    types = _types(schema, document)
    milliseconds = isinstance(current, int | float) and not isinstance(current, bool) and current > 10**11
    if "integer" in types or (not types and isinstance(current, int) and not isinstance(current, bool)):
        return int(seconds * 1000) if milliseconds else int(seconds)
    if "number" in types or (not types and isinstance(current, float)):
        return seconds * 1000 if milliseconds else seconds
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_error(writer: _Writer, container: list[str], task: Task) -> None:
    failed = task.phase is Phase.FAILED or (task.phase is Phase.CANCELLED and not task.states.can_cancel)
    for name in ERROR_FIELDS:
        tokens = [*container, name]
        if not writer.has(tokens):
            continue
        if not failed or task.error is None:
            writer.clear(tokens)
            continue
        schema = writer.schema_at(tokens)
        if "object" in _types(schema, writer.document) or isinstance(writer.get(tokens), Mapping):
            current = writer.get(tokens)
            value = dict(current) if isinstance(current, Mapping) else {}
            props = _properties(schema, writer.document)
            for key in ("message", "msg", "detail"):
                if key in props or key in value or not props:
                    value[key] = task.error.message
                    break
            for key in ("code", "type", "error_code"):
                if key in props or key in value:
                    code_types = _types(_resolve(props.get(key), writer.document))
                    value[key] = 500 if "integer" in code_types else task.error.code
            writer.try_set(tokens, value)
        else:
            writer.try_set(tokens, task.error.message)


def _write_result(writer: _Writer, tokens: list[str], task: Task, *, early: bool = False) -> None:
    if (task.phase is not Phase.SUCCEEDED and not early) or not task.results:
        if writer.has(tokens):
            writer.clear(tokens)
        return
    schema = writer.schema_at(tokens)
    current = writer.get(tokens) if writer.has(tokens) else None
    writer.try_set(tokens, _fill_urls(schema, task.results, current, writer.document, depth=0))


def _fill_urls(
    schema: Schema | None, urls: tuple[str, ...], current: Any, document: Schema, depth: int
) -> Any:
    schema = _resolve(schema, document)
    types = _types(schema, document)
    if depth > 6:
        return urls[0]
    if "array" in types or (not types and isinstance(current, list)):
        items = (schema or {}).get("items")
        sample = current[0] if isinstance(current, list) and current else None
        return [_fill_urls(items, (url,), copy.deepcopy(sample), document, depth + 1) for url in urls]
    if "object" in types or (not types and isinstance(current, Mapping)):
        value = dict(current) if isinstance(current, Mapping) else {}
        props = _properties(schema, document)
        for key in URL_FIELDS:
            if key in props or key in value:
                value[key] = _fill_urls(props.get(key), urls, value.get(key), document, depth + 1)
                return value
        for key in NESTED_RESULT_FIELDS:
            if key in props or key in value:
                value[key] = _fill_urls(props.get(key), urls, value.get(key), document, depth + 1)
                return value
        value.setdefault("url", urls[0])
        return value
    return urls[0]


# --- schema helpers --------------------------------------------------------------------------------


def _resolve(schema: Any, document: Schema) -> Schema | None:
    seen = 0
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 32:
        ref: str = schema["$ref"]
        if not ref.startswith("#"):
            return None
        node: Any = document
        for token in split(ref):
            node = node.get(token) if isinstance(node, Mapping) else None
        schema = node
        seen += 1
    return schema if isinstance(schema, Mapping) else None


def _branches(schema: Schema | None, document: Schema) -> Iterator[Schema]:
    """The schema and every allOf/anyOf/oneOf branch below it, resolved."""
    schema = _resolve(schema, document)
    if schema is None:
        return
    yield schema
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, ()):
            yield from _branches(branch, document)


def _types(schema: Schema | None, document: Schema | None = None) -> set[str]:
    found: set[str] = set()
    for branch in _branches(schema, document or {}):
        kind = branch.get("type")
        if isinstance(kind, str):
            found.add(kind)
        elif isinstance(kind, list):
            found.update(k for k in kind if isinstance(k, str))
        if "properties" in branch:
            found.add("object")
    return found


def _properties(schema: Schema | None, document: Schema) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for branch in _branches(schema, document):
        for key, value in branch.get("properties", {}).items():
            props.setdefault(key, value)
    return props


def _required(schema: Schema | None, document: Schema) -> set[str]:
    names: set[str] = set()
    for branch in _branches(schema, document):
        names.update(branch.get("required", ()))
    return names


class _Writer:
    """Pointer-addressed edits on one body, each kept only if it leaves the body valid."""

    __slots__ = ("baseline", "body", "document", "schema", "validate")

    def __init__(
        self, body: dict[str, Any], schema: Schema | None, document: Schema, validate: Validate | None
    ) -> None:
        self.body = body
        self.schema = schema
        self.document = document
        self.validate = validate
        self.baseline = validate(body) if validate is not None else False

    def schema_at(self, tokens: list[str]) -> Schema | None:
        node = _resolve(self.schema, self.document)
        for token in tokens:
            if node is None:
                return None
            props = _properties(node, self.document)
            if token in props:
                node = _resolve(props[token], self.document)
            elif token.isdigit():
                items = next((b.get("items") for b in _branches(node, self.document) if "items" in b), None)
                node = _resolve(items, self.document)
            else:
                return None
        return node

    def has(self, tokens: list[str]) -> bool:
        if self.get(tokens, _MISSING) is not _MISSING:
            return True
        return self.schema is not None and self.schema_at(tokens) is not None

    def get(self, tokens: list[str], default: Any = None) -> Any:
        node: Any = self.body
        for token in tokens:
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return default
        return node

    def force(self, tokens: list[str], value: Any) -> None:
        _set(self.body, tokens, value)

    def try_set(self, tokens: list[str], value: Any) -> bool:
        old = self.get(tokens, _MISSING)
        _set(self.body, tokens, value)
        if self.validate is None or not self.baseline or self.validate(self.body):
            return True
        self._restore(tokens, old)
        return False

    def clear(self, tokens: list[str]) -> None:
        """Null the field when the schema allows it, else drop it when not required, else leave it."""
        if self.get(tokens, _MISSING) is _MISSING and not tokens:
            return
        parent_schema = self.schema_at(tokens[:-1])
        field_schema = self.schema_at(tokens)
        nullable = "null" in _types(field_schema, self.document) or (
            field_schema is None and self.get(tokens) is None
        )
        if nullable and self.try_set(tokens, None):
            return
        if tokens[-1] not in _required(parent_schema, self.document):
            old = self.get(tokens, _MISSING)
            if old is _MISSING:
                return
            self._restore(tokens, _MISSING)
            if self.validate is not None and self.baseline and not self.validate(self.body):
                self._restore(tokens, old)

    def _restore(self, tokens: list[str], old: Any) -> None:
        if old is _MISSING:
            parent = self.get(tokens[:-1])
            if isinstance(parent, dict):
                parent.pop(tokens[-1], None)
        else:
            _set(self.body, tokens, old)


def _set(body: Any, tokens: list[str], value: Any) -> None:
    node = body
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        nxt: Any = value if last else ([] if tokens[index + 1].isdigit() else {})
        if isinstance(node, list):
            position = int(token)
            while len(node) <= position:
                node.append({} if not last else None)
            if last:
                node[position] = value
            elif not isinstance(node[position], dict | list):
                node[position] = nxt
            node = node[position]
        else:
            if last:
                node[token] = value
            elif not isinstance(node.get(token), dict | list):
                node[token] = nxt
            if not last:
                node = node[token]
