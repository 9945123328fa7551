"""Every example validates against its schema; one that does not is dropped, and logged.

Runs last among the content passes, so examples are judged against the repaired
schemas (after the nullable rewrite most failures of the sources are gone).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gatewright.normalize.passes.base import Context, Document, all_schemas, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import escape
from gatewright.spec.validation import DocumentValidators, describe


def media_examples(document: Document) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(pointer of the examples map, the map, the schema) for media types and parameters."""

    def from_content(holder: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        if not isinstance(holder, dict):
            return
        for media, media_object in holder.get("content", {}).items():
            if (
                isinstance(media_object, dict)
                and isinstance(media_object.get("examples"), dict)
                and isinstance(media_object.get("schema"), dict)
            ):
                yield (
                    f"{pointer}/content/{escape(media)}/examples",
                    media_object["examples"],
                    media_object["schema"],
                )

    for _path, _method, op, pointer in operations(document):
        for index, param in enumerate(op.get("parameters", [])):
            if isinstance(param, dict) and isinstance(param.get("examples"), dict) and "schema" in param:
                yield f"{pointer}/parameters/{index}/examples", param["examples"], param["schema"]
        yield from from_content(op.get("requestBody"), f"{pointer}/requestBody")
        for status, response in op.get("responses", {}).items():
            yield from from_content(response, f"{pointer}/responses/{escape(status)}")
    components = document.get("components", {})
    for section in ("requestBodies", "responses"):
        for name, item in components.get(section, {}).items():
            yield from from_content(item, f"/components/{section}/{escape(name)}")


@repair_pass("examples")
def validate_examples(document: Document, context: Context, log: RepairLog) -> None:
    """Drop examples that fail their schema (JSON Schema 2020-12), saying why."""
    validators = DocumentValidators(document)
    for pointer, schema in list(all_schemas(document)):
        examples = schema.get("examples")
        if not isinstance(examples, list):
            continue
        subject = {k: v for k, v in schema.items() if k != "examples"}
        kept = []
        for index, value in enumerate(examples):
            errors = validators.errors(subject, value)
            if errors:
                log.add(
                    f"{pointer}/examples/{index}",
                    "dropped an example that fails its schema",
                    describe(errors[0]),
                    before=value,
                )
            else:
                kept.append(value)
        if len(kept) != len(examples):
            if kept:
                schema["examples"] = kept
            else:
                del schema["examples"]
    for pointer, examples, schema in list(media_examples(document)):
        for name, example in list(examples.items()):
            if not isinstance(example, dict) or "value" not in example:
                continue
            errors = validators.errors(schema, example["value"])
            if errors:
                del examples[name]
                log.add(
                    f"{pointer}/{escape(name)}",
                    "dropped an example that fails its schema",
                    describe(errors[0]),
                    before=example["value"],
                )
