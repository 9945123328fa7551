"""What makes a spec canonical, checked independently of the passes that made it so.

openapi-spec-validator judges the document, but it does not descend into request
bodies, so refs and examples are checked here too, with JSON Schema 2020-12.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator

from gatewright.normalize.passes.base import all_schemas, operations
from gatewright.normalize.passes.examples import media_examples
from gatewright.normalize.passes.operation_ids import IDENTIFIER
from gatewright.normalize.task_checks import check_task_declarations
from gatewright.spec.pointer import escape, resolve, walk
from gatewright.spec.validation import DocumentValidators, describe


@dataclass(frozen=True, slots=True)
class Problem:
    check: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.pointer}: {self.message}"


def spec_validator_problems(document: dict[str, Any]) -> list[Problem]:
    validator = OpenAPIV31SpecValidator(document)
    try:
        return [
            Problem(
                "openapi-spec-validator",
                "/" + "/".join(str(p) for p in error.absolute_path),
                error.message[:300],
            )
            for error in validator.iter_errors()
        ]
    except Exception as exc:  # the validator raises instead of reporting some faults (e.g. a dangling ref)
        return [Problem("openapi-spec-validator", "", f"{type(exc).__name__}: {str(exc)[:300]}")]


def ref_problems(document: dict[str, Any]) -> list[Problem]:
    problems = []
    for pointer, node in walk(document):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            try:
                resolve(document, node["$ref"])
            except (KeyError, ValueError):
                problems.append(Problem("refs", pointer, f"$ref does not resolve: {node['$ref']}"))
    return problems


def example_problems(document: dict[str, Any]) -> list[Problem]:
    validators = DocumentValidators(document)
    problems = []
    for pointer, schema in all_schemas(document):
        subject = {k: v for k, v in schema.items() if k != "examples"}
        for index, value in enumerate(
            schema.get("examples", []) if isinstance(schema.get("examples"), list) else []
        ):
            for error in validators.errors(subject, value)[:1]:
                problems.append(Problem("examples", f"{pointer}/examples/{index}", describe(error)))
    for pointer, examples, schema in media_examples(document):
        for name, example in examples.items():
            if isinstance(example, dict) and "value" in example:
                for error in validators.errors(schema, example["value"])[:1]:
                    problems.append(Problem("examples", f"{pointer}/{escape(name)}", describe(error)))
    return problems


def operation_problems(document: dict[str, Any]) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    has_global = "security" in document
    for path, _method, op, pointer in operations(document):
        if "#" in path:
            problems.append(Problem("paths", pointer, "path contains '#'"))
        op_id = op.get("operationId")
        if not isinstance(op_id, str) or not IDENTIFIER.match(op_id):
            problems.append(Problem("operationId", pointer, f"not identifier-safe: {op_id!r}"))
        elif op_id in seen:
            problems.append(Problem("operationId", pointer, f"{op_id!r} also used by {seen[op_id]}"))
        else:
            seen[op_id] = pointer
        if "security" not in op and not has_global:
            problems.append(Problem("security", pointer, "security is neither declared nor inherited"))
    return problems


def task_problems(document: dict[str, Any]) -> list[Problem]:
    return [Problem("tasks", p.pointer, p.message) for p in check_task_declarations(document)]


def canonical_problems(document: dict[str, Any]) -> list[Problem]:
    """Every way ``document`` falls short of the canonical conventions (empty when it is canonical)."""
    return [
        *spec_validator_problems(document),
        *ref_problems(document),
        *example_problems(document),
        *operation_problems(document),
        *task_problems(document),
    ]
