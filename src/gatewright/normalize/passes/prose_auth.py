"""Carry what a spec says about auth only in prose into its security schemes and parameters.

What the prose says is data, not code: the lifecycle file's ``api_key_header`` and ``required_header``
behaviours (docs/lifecycles.md#what-the-prose-says-about-auth), each quoting the spec's words in
``why``. The pass checks every quote against the document and a Markdown source's prose (a quote that
is not there is an error naming the file and line, so a page that stops saying it stops the repair
loudly), then applies each statement: an ``apiKey`` header scheme accepted wherever a requirement is
one http bearer scheme, a required header parameter on the operations named.
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.lifecycle_model import AUTH_KINDS, ApiKeyHeader, RequiredHeader
from gatewright.normalize.passes.base import Context, Document, clone, operations, repair_pass
from gatewright.normalize.passes.behaviours import check_quotes, declares_header, quoted, refused
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import OperationRef, iter_operations
from gatewright.spec.pointer import escape

__all__ = ["prose_auth"]


@repair_pass("prose_auth")
def prose_auth(document: Document, context: Context, log: RepairLog) -> None:
    """Add the API key header schemes and required headers the lifecycle file quotes the prose for."""
    declared = context.lifecycles
    statements = declared.statements(*AUTH_KINDS) if declared is not None else ()
    if declared is None or not statements:
        return
    check_quotes(document, context.prose, declared, statements)
    index = {(ref.method.upper(), ref.path): ref for ref in iter_operations(document)}
    for behaviour in statements:
        if isinstance(behaviour.value, ApiKeyHeader):
            _api_key_header(document, behaviour.value, quoted(behaviour), log)
            continue
        for name in behaviour.operations:
            method, _, path = name.partition(" ")
            operation = index.get((method, path))
            if operation is None:
                raise refused(declared, behaviour, f"{name} is not in the document")
            _required_header(document, operation, behaviour.value, quoted(behaviour), log)


def _api_key_header(document: Document, key: ApiKeyHeader, why: str, log: RepairLog) -> None:
    """The scheme, once, and the alternative to each requirement that is one http bearer scheme."""
    if key.scheme in document.get("components", {}).get("securitySchemes", {}):
        return
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    scheme: dict[str, Any] = {"type": "apiKey", "in": "header", "name": key.header}
    if key.description is not None:
        scheme["description"] = key.description
    schemes[key.scheme] = scheme
    log.add(
        f"/components/securitySchemes/{escape(key.scheme)}",
        f"added the {key.header} scheme",
        why,
        after=scheme,
    )
    holders = [("", document)] + [(pointer, op) for _p, _m, op, pointer in operations(document)]
    for pointer, holder in holders:
        requirements = holder.get("security")
        if not requirements:
            continue
        alternatives = [
            {key.scheme: list(requirement[name])}
            for requirement in requirements
            for name in requirement
            if len(requirement) == 1 and _is_bearer(schemes.get(name))
        ]
        if alternatives:
            holder["security"] = requirements + alternatives
            log.add(
                f"{pointer}/security",
                f"accepted {key.header} as an alternative to the bearer token",
                why,
                before=requirements,
                after=holder["security"],
            )


def _is_bearer(scheme: Any) -> bool:
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "http"
        and str(scheme.get("scheme", "")).lower() == "bearer"
    )


def _required_header(
    document: Document, operation: OperationRef, header: RequiredHeader, why: str, log: RepairLog
) -> None:
    """The header parameter on ``operation``, unless it (or its path) declares one of that name."""
    if declares_header(document, operation, header.name):
        return
    parameter: dict[str, Any] = {"name": header.name, "in": "header", "required": True}
    if header.description is not None:
        parameter["description"] = header.description
    parameter["schema"] = clone(header.schema)
    operation.definition.setdefault("parameters", []).append(parameter)
    log.add(f"{operation.pointer}/parameters", f"declared the {header.name} header", why, after=parameter)
