"""What a repair pass is, and the helpers most passes share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gatewright.normalize.lifecycle_model import ApiLifecycles
from gatewright.normalize.repairs import Repair, RepairLog
from gatewright.spec.model import HTTP_METHODS
from gatewright.spec.pointer import escape

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Context:
    """What a pass may know besides the document: which API, the prose of a Markdown source, and the
    task lifecycles declared beside the source (None: no lifecycle file, so no tasks)."""

    api_id: str
    prose: str = ""
    source_version: str = "3.1.0"
    lifecycles: ApiLifecycles | None = None


PassFunction = Callable[[Document, Context, RepairLog], None]


@dataclass(frozen=True, slots=True)
class RepairPass:
    """A named repair. ``apply`` works on a copy and returns it with what it changed."""

    name: str
    function: PassFunction
    description: str

    def apply(self, document: Document, context: Context) -> tuple[Document, list[Repair]]:
        copy = clone(document)
        log = RepairLog(self.name)
        self.function(copy, context, log)
        return copy, log.repairs


def repair_pass(name: str) -> Callable[[PassFunction], RepairPass]:
    """Declare a pass: the function mutates the copy it is given and records each change."""

    def wrap(function: PassFunction) -> RepairPass:
        doc = (function.__doc__ or "").strip().splitlines()
        return RepairPass(name, function, doc[0] if doc else name)

    return wrap


def clone(document: Document) -> Document:
    """A deep copy; the documents are plain JSON, which the C codec copies fastest."""
    copied: Document = json.loads(json.dumps(document))
    return copied


def operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(path, method, operation, pointer) for every operation, in document order."""
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield path, method, item[method], f"/paths/{escape(path)}/{method}"


def schema_nodes(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object at or below a schema, following the JSON Schema keywords that hold schemas."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    for key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"):
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from schema_nodes(child, f"{pointer}/{key}/{escape(name)}")
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        children = node.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                yield from schema_nodes(child, f"{pointer}/{key}/{index}")
    for key in (
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    ):
        if isinstance(node.get(key), dict):
            yield from schema_nodes(node[key], f"{pointer}/{key}")


def all_schemas(document: Document) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document: components, parameters, bodies, responses, headers."""
    for root_pointer, root in schema_roots(document):
        yield from schema_nodes(root, root_pointer)


def schema_roots(document: Document) -> Iterator[tuple[str, dict[str, Any]]]:
    components = document.get("components", {})
    for name, schema in components.get("schemas", {}).items():
        yield f"/components/schemas/{escape(name)}", schema
    for section in ("parameters", "headers"):
        for name, item in components.get(section, {}).items():
            if isinstance(item, dict) and isinstance(item.get("schema"), dict):
                yield f"/components/{section}/{escape(name)}/schema", item["schema"]
    for section in ("requestBodies", "responses"):
        for name, item in components.get(section, {}).items():
            yield from _content_schemas(item, f"/components/{section}/{escape(name)}")
    for path, item in document.get("paths", {}).items():
        base = f"/paths/{escape(path)}"
        for index, param in enumerate(item.get("parameters", [])):
            if isinstance(param, dict) and isinstance(param.get("schema"), dict):
                yield f"{base}/parameters/{index}/schema", param["schema"]
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_pointer = f"{base}/{method}"
            for index, param in enumerate(op.get("parameters", [])):
                if isinstance(param, dict) and isinstance(param.get("schema"), dict):
                    yield f"{op_pointer}/parameters/{index}/schema", param["schema"]
            if isinstance(op.get("requestBody"), dict):
                yield from _content_schemas(op["requestBody"], f"{op_pointer}/requestBody")
            for status, response in op.get("responses", {}).items():
                yield from _content_schemas(response, f"{op_pointer}/responses/{escape(status)}")


def _content_schemas(holder: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(holder, dict):
        return
    for media, media_object in holder.get("content", {}).items():
        if isinstance(media_object, dict) and isinstance(media_object.get("schema"), dict):
            yield f"{pointer}/content/{escape(media)}/schema", media_object["schema"]
    for name, header in holder.get("headers", {}).items():
        if isinstance(header, dict) and isinstance(header.get("schema"), dict):
            yield f"{pointer}/headers/{escape(name)}/schema", header["schema"]
