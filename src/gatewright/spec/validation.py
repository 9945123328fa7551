"""JSON Schema 2020-12 validation of values against schemas inside an OpenAPI document (all stages)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:gatewright:document"


class DocumentValidators:
    """Validators for schemas of one document; local ``#/...`` refs resolve against the document."""

    def __init__(self, document: dict[str, Any]) -> None:
        resource: Resource[Any] = DRAFT202012.create_resource(document)
        self._registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)

    def validator(self, schema: Any) -> Draft202012Validator:
        return Draft202012Validator(
            _rebase(schema), registry=self._registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    def errors(self, schema: Any, value: Any) -> list[ValidationError]:
        return sorted(self.validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))

    def is_valid(self, schema: Any, value: Any) -> bool:
        return not any(True for _ in self.validator(schema).iter_errors(value))


def _rebase(schema: Any) -> Any:
    """Rewrite local refs (``#/components/...``) to point into the registered document."""
    if isinstance(schema, dict):
        return {
            k: (DOCUMENT_URI + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v))
            for k, v in schema.items()
            if k != "$id"
        }
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema


def describe(error: ValidationError) -> str:
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"{error.validator} at {where}: {error.message[:200]}"
