"""``Authorization`` declared as a header parameter becomes a bearer security scheme."""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref, escape

SCHEME = "bearerAuth"
WHY = (
    "credentials are modelled as security schemes; as a required parameter, tools would fuzz the "
    "credential header and could not test that auth is enforced"
)


def _is_auth_header(document: Document, param: Any) -> bool:
    target = deref(document, param)
    return (
        isinstance(target, dict)
        and target.get("in") == "header"
        and str(target.get("name", "")).lower() == "authorization"
    )


def _bearer_scheme(document: Document) -> str | None:
    for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return str(name)
    return None


@repair_pass("header_auth_parameters")
def header_auth_to_scheme(document: Document, context: Context, log: RepairLog) -> None:
    """Replace ``Authorization`` header parameters with an http bearer scheme on those operations."""
    affected = []
    shared: set[str] = set()
    for path, _method, op, pointer in operations(document):
        item = document["paths"][path]
        on_item = any(_is_auth_header(document, p) for p in item.get("parameters", []))
        params = op.get("parameters", [])
        kept = [p for p in params if not _is_auth_header(document, p)]
        if len(kept) != len(params) or on_item:
            if len(kept) != len(params):
                op["parameters"] = kept
                if not kept:
                    del op["parameters"]
            affected.append((op, pointer))
        if on_item:
            shared.add(path)
    for path in shared:
        item = document["paths"][path]
        item["parameters"] = [p for p in item["parameters"] if not _is_auth_header(document, p)]
        if not item["parameters"]:
            del item["parameters"]
        log.add(
            f"/paths/{escape(path)}/parameters", "removed the path-level Authorization header parameter", WHY
        )
    components = document.get("components", {})
    for name, param in list(components.get("parameters", {}).items()):
        if _is_auth_header(document, param):
            del components["parameters"][name]
            log.add(
                f"/components/parameters/{escape(name)}",
                "removed the Authorization header parameter",
                WHY + "; the security scheme already carries it",
                before=param,
            )
    if not affected:
        return
    scheme = _bearer_scheme(document)
    if scheme is None:
        scheme = SCHEME
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[scheme] = {
            "type": "http",
            "scheme": "bearer",
            "description": "API key sent as a bearer token.",
        }
        log.add(
            f"/components/securitySchemes/{scheme}",
            "added an http bearer security scheme",
            WHY,
            after=schemes[scheme],
        )
    for op, pointer in affected:
        if op.get("security"):
            log.add(
                f"{pointer}/parameters",
                "removed the Authorization header parameter",
                WHY + "; the operation's own security already requires credentials",
            )
            continue
        op["security"] = [{scheme: []}]
        log.add(
            f"{pointer}/parameters",
            "replaced the Authorization header parameter with security",
            WHY,
            after=op["security"],
        )
