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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from gatewright.mock.fit import Edits
from gatewright.mock.scalars import iso_time
from gatewright.mock.tasks.fields import (
    ERROR_FIELDS,
    ID_FIELDS,
    NESTED_RESULT_FIELDS,
    PROGRESS_FIELDS,
    TIMESTAMPS,
    URL_FIELDS,
)
from gatewright.mock.tasks.models import Task
from gatewright.spec.expressions import RuntimeExpression
from gatewright.spec.pointer import join, split
from gatewright.spec.schemas import properties, required, resolved, schema_at, types
from gatewright.spec.tasks import Phase, TaskSpec

__all__ = ["Validate", "relocate", "render_task"]

Validate = Callable[[Any], bool]
Schema = Mapping[str, Any]


def relocate(spec: TaskSpec, schema: Schema | None, document: Schema) -> TaskSpec:
    """``spec`` with its pointers moved to where ``schema`` has them.

    A cancel or list answer may carry the bare object that the poll answer wraps
    (ipop's ``DELETE`` of a Box document returns the ``BoxDocument`` that ``GET``
    wraps in ``document``): a pointer whose path the schema lacks drops leading
    tokens until it fits; one that fits nowhere stays as it is.
    """
    if schema is None:
        return spec

    def fit(pointer: str) -> str:
        tokens = split(pointer)
        for start in range(len(tokens)):
            if schema_at(document, schema, tokens[start:]) is not None:
                return join(*tokens[start:])
        return pointer

    id_pointer = spec.id_pointer
    return replace(
        spec,
        status=fit(spec.status) if spec.status else spec.status,
        id=str(RuntimeExpression("response", "body", fit(id_pointer))) if id_pointer else spec.id,
        result=fit(spec.result) if spec.result else spec.result,
        set_on_success=tuple(fit(field) for field in spec.set_on_success),
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
    result_sample: Any = None,
    result_body: Any = None,
    facts: Mapping[str, Any] | None = None,
    outputs: Sequence[tuple[str, Any]] = (),
    answers: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """A copy of ``base`` that tells the truth about ``task`` (see the module docstring).

    ``schema`` is the response body schema (``$ref``s resolved against ``document``);
    ``validate`` returns True when a body is valid for it (e.g.
    ``lambda body: schemas.is_valid(pointer, body)`` with the mock's ``SchemaSet``).
    Without a schema, fields are written only where ``base`` already has them.
    ``result_early`` shows the result in every phase (a link to follow the task by,
    such as an events URL), not only once it succeeded. ``facts`` are the fields the extension that
    started the task states beside its status (``tasks.facts``: ``Facts.of(task)``).
    ``result_sample`` is what the spec's examples show at the result (``{"data": [{"url": ...}]}``):
    a free-form result takes its shape, with one item per result. ``result_body`` is the whole result
    where the create describes it (what the synchronous answer would have been), written as it is.
    ``outputs`` are the ``set_on_success`` fields (pointer, the value chosen at create): null or absent
    until the task succeeds, then that value. ``answers`` are where a finished agent tells what it answered
    (pointer, its latest run's answer: ``tasks.transcripts``), written where the body has the field; they
    are only given once the task succeeded.
    """
    body: dict[str, Any] = copy.deepcopy(dict(base))
    writer = _Body(body, schema, document or {}, validate)

    status_tokens = split(spec.status)
    writer.force(status_tokens, task.status)
    id_pointer = spec.id_pointer
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
        _write_result(
            writer, split(spec.result), task, early=result_early, sample=result_sample, whole=result_body
        )
    for pointer, value in outputs:
        _write_output(writer, split(pointer), task, value)
    for pointer, text in answers:
        if writer.has(tokens := split(pointer)):
            writer.set(tokens, text)
    if facts:
        _write_facts(writer, status_tokens[:-1], facts)
    return body


# --- field writers ---------------------------------------------------------------------------------


def _write_ids(writer: _Body, container: list[str], task: Task) -> None:
    for name in ID_FIELDS:
        if writer.has([*container, name]) and isinstance(writer.get([*container, name]), str | None):
            writer.set([*container, name], task.id)


def _write_progress(writer: _Body, container: list[str], task: Task) -> None:
    for name in PROGRESS_FIELDS:
        tokens = [*container, name]
        if not writer.has(tokens):
            continue
        schema = writer.schema_at(tokens)
        current = writer.get(tokens)
        if "object" in types(writer.document, schema) or isinstance(current, Mapping):
            for sub in PROGRESS_FIELDS:
                if writer.has([*tokens, sub]):
                    writer.set(
                        [*tokens, sub],
                        _progress_value(
                            task.progress,
                            writer.schema_at([*tokens, sub]),
                            writer.get([*tokens, sub]),
                            writer.document,
                        ),
                    )
            continue
        writer.set(tokens, _progress_value(task.progress, schema, current, writer.document))


def _progress_value(progress: float, schema: Schema | None, current: Any, document: Schema) -> Any:
    kinds = types(document, schema)
    percent = round(progress * 100)
    if "integer" in kinds or (not kinds and isinstance(current, int) and not isinstance(current, bool)):
        return percent
    if "number" in kinds or (not kinds and isinstance(current, float)):
        maximum = (schema or {}).get("maximum")
        if maximum is not None and maximum <= 1:
            return round(progress, 4)
        if maximum is not None or (isinstance(current, int | float) and current > 1):
            return float(percent)
        return round(progress, 4)
    if "string" in kinds or isinstance(current, str):
        return f"{percent}%"
    return round(progress, 4)


def _write_timestamps(writer: _Body, container: list[str], task: Task) -> None:
    moments = {
        "created": task.created_at,
        "started": task.started_at,
        "updated": task.completed_at or task.started_at or task.created_at,
        "completed": task.completed_at,
        "cancelled": task.completed_at if task.phase is Phase.CANCELLED else None,
        "failed": task.completed_at if task.phase is Phase.FAILED else None,
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
                writer.set(
                    tokens, _time_value(value, writer.schema_at(tokens), writer.get(tokens), writer.document)
                )


def _time_value(seconds: float, schema: Schema | None, current: Any, document: Schema) -> Any:
    kinds = types(document, schema)
    milliseconds = isinstance(current, int | float) and not isinstance(current, bool) and current > 10**11
    if "integer" in kinds or (not kinds and isinstance(current, int) and not isinstance(current, bool)):
        return int(seconds * 1000) if milliseconds else int(seconds)
    if "number" in kinds or (not kinds and isinstance(current, float)):
        return seconds * 1000 if milliseconds else seconds
    return iso_time(seconds)


def _write_error(writer: _Body, container: list[str], task: Task) -> None:
    failed = task.phase is Phase.FAILED or (task.phase is Phase.CANCELLED and not task.states.can_cancel)
    for name in ERROR_FIELDS:
        tokens = [*container, name]
        if not writer.has(tokens):
            continue
        if not failed or task.error is None:
            writer.clear(tokens)
            continue
        schema = writer.schema_at(tokens)
        if "object" in types(writer.document, schema) or isinstance(writer.get(tokens), Mapping):
            current = writer.get(tokens)
            value = dict(current) if isinstance(current, Mapping) else {}
            props = properties(writer.document, schema)
            for key in ("message", "msg", "detail"):
                if key in props or key in value or not props:
                    value[key] = task.error.message
                    break
            for key in ("code", "type", "error_code"):
                if key in props or key in value:
                    code_types = types(writer.document, props.get(key))
                    value[key] = 500 if "integer" in code_types else task.error.code
            writer.set(tokens, value)
        else:
            writer.set(tokens, task.error.message)


def _write_facts(writer: _Body, container: list[str], facts: Mapping[str, Any]) -> None:
    """What the extension that started the task knows of it as it stands (``tasks.facts``: fields
    beside its status; None clears one): a batch's request counts and files, the file and store a
    vector-store attachment names. Written last: they are the truth."""
    for name, value in facts.items():
        tokens = [*container, name]
        if not writer.has(tokens):  # a field this API's body does not have
            continue
        if value is None:
            writer.clear(tokens)
        else:
            writer.set(tokens, value)


def _write_output(writer: _Body, tokens: list[str], task: Task, value: Any) -> None:
    """A field the spec says is set on success: cleared before (a generated adapter file id told of a file
    not made yet), the task's own value after."""
    if task.phase is Phase.SUCCEEDED and value is not None and writer.set(tokens, value):
        return
    if writer.has(tokens):
        writer.clear(tokens)


def _write_result(
    writer: _Body,
    tokens: list[str],
    task: Task,
    *,
    early: bool = False,
    sample: Any = None,
    whole: Any = None,
) -> None:
    if (task.phase is not Phase.SUCCEEDED and not early) or not task.results:
        if writer.has(tokens):
            writer.clear(tokens)
        return
    if whole is not None and writer.set(tokens, whole):  # the finished answer, as the create describes it
        return
    schema = writer.schema_at(tokens)
    current = writer.get(tokens) if writer.has(tokens) else None
    if not current and sample and not properties(writer.document, resolved(writer.document, schema)):
        current = copy.deepcopy(sample)  # a free-form result: shaped like the spec's own example
    writer.set(tokens, _fill_urls(schema, task.results, current, writer.document, depth=0))


def _fill_urls(
    schema: Schema | None, urls: tuple[str, ...], current: Any, document: Schema, depth: int
) -> Any:
    schema = resolved(document, schema)
    kinds = types(document, schema)
    if depth > 6:
        return urls[0]
    if "array" in kinds or (not kinds and isinstance(current, list)):
        items = (schema or {}).get("items")
        sample = current[0] if isinstance(current, list) and current else None
        return [_fill_urls(items, (url,), copy.deepcopy(sample), document, depth + 1) for url in urls]
    if "object" in kinds or (not kinds and isinstance(current, Mapping)):
        value = dict(current) if isinstance(current, Mapping) else {}
        props = properties(document, schema)
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


class _Body:
    """The body being rendered: keep-if-valid edits (``fit.Edits``) and what its schema declares.

    Edits are guarded only while the body is valid (a base the schema already rejects
    takes every write), so rendering never makes a valid body invalid.
    """

    __slots__ = ("document", "edits", "schema")

    def __init__(
        self, body: dict[str, Any], schema: Schema | None, document: Schema, validate: Validate | None
    ) -> None:
        self.edits = Edits(body, validate, lenient=True)
        self.schema = schema
        self.document = document

    def schema_at(self, tokens: Sequence[str]) -> Schema | None:
        return schema_at(self.document, self.schema, tokens)

    def has(self, tokens: Sequence[str]) -> bool:
        """The body has the field, or its schema declares it."""
        return self.edits.has(tokens) or (self.schema is not None and self.schema_at(tokens) is not None)

    def get(self, tokens: Sequence[str]) -> Any:
        return self.edits.get(tokens)

    def force(self, tokens: Sequence[str], value: Any) -> None:
        self.edits.force(tokens, value)

    def set(self, tokens: Sequence[str], value: Any) -> bool:
        return self.edits.set(tokens, value)

    def clear(self, tokens: Sequence[str]) -> None:
        """Null the field when the schema allows it, else drop it when not required, else leave it."""
        field_schema = self.schema_at(tokens)
        nullable = "null" in types(self.document, field_schema) or (
            field_schema is None and self.get(tokens) is None
        )
        if nullable and self.set(tokens, None):
            return
        if tokens[-1] not in required(self.document, self.schema_at(tokens[:-1])):
            self.edits.remove(tokens)
