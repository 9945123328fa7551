"""Every ``{name}`` in a path template is a declared, required path parameter."""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import deref, escape


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
        holders = [
            (f"/paths/{escape(path)}/parameters", item.get("parameters", [])),
            (f"{pointer}/parameters", op.get("parameters", [])),
        ]
        for base, params in holders:
            for index, param in enumerate(params):
                target = deref(document, param)
                if (
                    not isinstance(target, dict)
                    or target.get("in") != "path"
                    or target.get("required") is True
                ):
                    continue
                target["required"] = True
                ref = param.get("$ref") if isinstance(param, dict) else None
                where = ref.removeprefix("#") if isinstance(ref, str) else f"{base}/{index}"
                log.add(
                    where + "/required",
                    "set required: true",
                    "path parameters are always required in OpenAPI",
                    after=True,
                )
        for name in PathTemplate.parse(path).names:
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
