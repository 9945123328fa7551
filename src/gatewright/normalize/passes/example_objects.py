"""Media-type and parameter examples as named Example Objects (``examples: {name: {value}}``)."""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import escape

EXAMPLE_OBJECT_KEYS = frozenset({"summary", "description", "value", "externalValue", "$ref"})


def _holders(document: Document) -> list[tuple[str, dict[str, Any]]]:
    """Every media type object and parameter (the objects that carry example/examples)."""
    found: list[tuple[str, dict[str, Any]]] = []

    def content(holder: Any, pointer: str) -> None:
        if isinstance(holder, dict):
            for media, media_object in holder.get("content", {}).items():
                if isinstance(media_object, dict):
                    found.append((f"{pointer}/content/{escape(media)}", media_object))

    for path, item in document.get("paths", {}).items():
        for index, param in enumerate(item.get("parameters", [])):
            if isinstance(param, dict):
                found.append((f"/paths/{escape(path)}/parameters/{index}", param))
    for _path, _method, op, pointer in operations(document):
        for index, param in enumerate(op.get("parameters", [])):
            if isinstance(param, dict):
                found.append((f"{pointer}/parameters/{index}", param))
        content(op.get("requestBody"), f"{pointer}/requestBody")
        for status, response in op.get("responses", {}).items():
            content(response, f"{pointer}/responses/{escape(status)}")
    components = document.get("components", {})
    for section in ("requestBodies", "responses"):
        for name, item in components.get(section, {}).items():
            content(item, f"/components/{section}/{escape(name)}")
    for name, param in components.get("parameters", {}).items():
        if isinstance(param, dict):
            found.append((f"/components/parameters/{escape(name)}", param))
    return found


@repair_pass("example_objects")
def example_objects(document: Document, context: Context, log: RepairLog) -> None:
    """Wrap bare example values into Example Objects and name singular ``example``s ``default``."""
    for pointer, holder in _holders(document):
        if "example" in holder:
            value = holder.pop("example")
            examples = holder.setdefault("examples", {})
            name, index = "default", 2
            while name in examples:
                name, index = f"default_{index}", index + 1
            examples[name] = {"value": value}
            log.add(
                pointer + "/example",
                f"moved into `examples` as {name!r}",
                "named examples let the mock "
                "and Prefer: example=<name> pick them; `example` and `examples` are mutually exclusive",
            )
        examples = holder.get("examples")
        if not isinstance(examples, dict):
            continue
        for name, example in list(examples.items()):
            if isinstance(example, dict) and example and set(example) <= EXAMPLE_OBJECT_KEYS:
                continue
            examples[name] = {"value": example}
            log.add(
                f"{pointer}/examples/{escape(name)}",
                "wrapped the bare value in an Example Object",
                "each entry of an `examples` map must be an Example Object with a `value`",
                before=example,
            )
