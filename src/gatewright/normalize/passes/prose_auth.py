"""Carry what a Markdown source's prose says about auth into the spec (empiriolabs).

Each rule applies only when the prose states it, so a page that stops saying it
stops producing the repair.
"""

from __future__ import annotations

import re

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import join

API_KEY_SCHEME = "apiKeyHeader"
_EITHER_HEADER = re.compile(r"either header is accepted on every endpoint", re.IGNORECASE)
_X_API_KEY = re.compile(r"^x-api-key:", re.IGNORECASE | re.MULTILINE)
_ANTHROPIC_VERSION = re.compile(r"`anthropic-version`\s*\|\s*when calling `(/v1/messages)`", re.IGNORECASE)


@repair_pass("prose_auth")
def prose_auth(document: Document, context: Context, log: RepairLog) -> None:
    """Add the ``x-api-key`` alternative and the ``anthropic-version`` header the prose documents."""
    if not context.prose:
        return
    existing = document.get("components", {}).get("securitySchemes", {})
    states_it = _EITHER_HEADER.search(context.prose) and _X_API_KEY.search(context.prose)
    if states_it and API_KEY_SCHEME not in existing:
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[API_KEY_SCHEME] = {
            "type": "apiKey",
            "in": "header",
            "name": "x-api-key",
            "description": "The API key in the Anthropic-style header.",
        }
        why = "the page's Authentication section: 'Either header is accepted on every endpoint'"
        log.add(
            f"/components/securitySchemes/{API_KEY_SCHEME}",
            "added the x-api-key scheme",
            why,
            after=schemes[API_KEY_SCHEME],
        )
        holders = [("", document)] + [(pointer, op) for _p, _m, op, pointer in operations(document)]
        for pointer, holder in holders:
            requirements = holder.get("security")
            if not requirements:
                continue
            alternatives = [
                {API_KEY_SCHEME: list(r[name])}
                for r in requirements
                for name in r
                if len(r) == 1 and schemes.get(name, {}).get("type") == "http"
            ]
            if alternatives:
                holder["security"] = requirements + alternatives
                log.add(
                    f"{pointer}/security",
                    "accepted x-api-key as an alternative to the bearer token",
                    why,
                    before=requirements,
                    after=holder["security"],
                )
    for match in _ANTHROPIC_VERSION.finditer(context.prose):
        path = match.group(1)
        op = document.get("paths", {}).get(path, {}).get("post")
        if op is None or any(p.get("name") == "anthropic-version" for p in op.get("parameters", [])):
            continue
        param = {
            "name": "anthropic-version",
            "in": "header",
            "required": True,
            "description": "Anthropic API version, as the Anthropic SDKs send it.",
            "schema": {"type": "string", "examples": ["2023-06-01"]},
        }
        op.setdefault("parameters", []).append(param)
        log.add(
            join("paths", path, "post", "parameters"),
            "declared the anthropic-version header",
            "the page's Headers reference requires it when calling " + path,
            after=param,
        )
