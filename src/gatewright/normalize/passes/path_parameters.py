"""Every ``{name}`` in a path template is a declared, required path parameter."""

from __future__ import annotations

import re
from typing import Any

from gatewright.normalize.passes.base import Context, Document, deref, operations, repair_pass
from gatewright.normalize.repairs import RepairLog

TEMPLATE = re.compile(r"\{([^{}]+)\}")


@repair_pass("path_parameters")
def declare_path_parameters(document: Document, context: Context, log: RepairLog) -> None:
    """Declare template variables the operation forgot, and mark path parameters required."""
    for path, _method, op, pointer in operations(document):
        item = document["paths"][path]
        declared: dict[str, dict[str, Any]] = {}
        for param in [*item.get("parameters", []), *op.get("parameters", [])]:
            target = deref(document, param)
            if isinstance(target, dict) and target.get("in") == "path":
                declared[target.get("name", "")] = target
        for index, param in enumerate(op.get("parameters", [])):
            if isinstance(param, dict) and param.get("in") == "path" and param.get("required") is not True:
                param["required"] = True
                log.add(
                    f"{pointer}/parameters/{index}/required",
                    "set required: true",
                    "path parameters are always required in OpenAPI",
                    after=True,
                )
        for name in TEMPLATE.findall(path):
            if name in declared:
                continue
            param = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            op.setdefault("parameters", []).append(param)
            log.add(
                f"{pointer}/parameters/{len(op['parameters']) - 1}",
                f"declared path parameter {name!r}",
                "the path template uses it but the operation does not declare it",
                after=param,
            )
