"""Values the spec itself declares: an id parameter's ``enum``/``examples`` and the API's model ids.

Generated data should name things the API will then accept: a listed model the
item route serves, a ``model`` field that is one of the API's models. These are
read from the spec (no per-API table): ``enum`` first, because it is a contract,
then ``examples``, because the spec's authors wrote them as real values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gatewright.mock.schemas import SchemaSet
from gatewright.spec.model import Operation
from gatewright.spec.schemas import branches

__all__ = ["declared_values", "model_ids"]

_MODEL_PARAMS = ("model", "model_id", "modelId", "model_name")


def declared_values(
    schemas: SchemaSet, parameter: Mapping[str, Any], *, examples: bool = True
) -> tuple[str, ...]:
    """A parameter's string ``enum`` (one an ``anyOf`` offers beside a pattern too: ipop's model route
    takes its catalog or a fine-tune's ``ft:`` id), else (with ``examples``) its schema's or its own
    examples."""
    schema, _ = schemas.deref(parameter.get("schema"), None)
    schema = schema if isinstance(schema, Mapping) else {}
    enum = tuple(
        dict.fromkeys(
            value for branch in branches(schemas.document, schema) for value in _strings(branch.get("enum"))
        )
    )
    if enum or not examples:
        return enum
    found = _strings(schema.get("examples")) or _strings([schema.get("example")])
    if not found:
        named = parameter.get("examples")
        if isinstance(named, Mapping):
            values = (schemas.deref(entry, None)[0] for entry in named.values())
            found = _strings([v.get("value") for v in values if isinstance(v, Mapping)])
        found = found or _strings([parameter.get("example")])
    return found


def model_ids(schemas: SchemaSet, operations: Sequence[Operation]) -> tuple[str, ...]:
    """Model ids the spec enumerates: a ``model_id`` path parameter's enum, else a request ``model`` enum
    (one an ``anyOf`` also offers: ipop's chat takes its catalog or a fine-tune's ``ft:`` id)."""
    from_params: list[str] = []
    from_bodies: list[str] = []
    for op in operations:
        for param in op.parameters:
            if param.get("in") == "path" and param.get("name") in _MODEL_PARAMS:
                from_params.extend(declared_values(schemas, param, examples=False))
        body, _ = schemas.deref(op.definition.get("requestBody"), None)
        content = body.get("content") if isinstance(body, Mapping) else None
        for media in content.values() if isinstance(content, Mapping) else ():
            schema, _ = schemas.deref(media.get("schema") if isinstance(media, Mapping) else None, None)
            properties = schema.get("properties") if isinstance(schema, Mapping) else None
            model = properties.get("model") if isinstance(properties, Mapping) else None
            for branch in branches(schemas.document, model):  # an enum, or one beside a pattern (anyOf)
                from_bodies.extend(_strings(branch.get("enum")))
    return tuple(dict.fromkeys(from_params or from_bodies))


def _strings(values: Any) -> tuple[str, ...]:
    if not isinstance(values, Iterable) or isinstance(values, str | bytes | Mapping):
        return ()
    return tuple(v for v in values if isinstance(v, str) and v)
