"""Every tag an operation uses is declared at the top level."""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog


def resource_group(path: str) -> str | None:
    """The first path segment after any version prefix: ``/v1/batches/{id}`` -> ``batches``."""
    segments = [s for s in path.strip("/").split("/") if s and not (s[0] == "v" and s[1:].isdigit())]
    return segments[0] if segments and not segments[0].startswith("{") else None


@repair_pass("tags")
def declare_tags(document: Document, context: Context, log: RepairLog) -> None:
    """Tag untagged operations by resource group; declare used tags in the order of first use."""
    declared = {tag.get("name") for tag in document.get("tags", []) if isinstance(tag, dict)}
    for path, _method, op, pointer in operations(document):
        if not op.get("tags") and (group := resource_group(path)):
            op["tags"] = [group]
            log.add(
                f"{pointer}",
                f"tagged the operation {group!r}",
                "it has no tag; its first path segment names the resource group, so reports can group "
                "it and `--include`/`--exclude` can select it",
                after=[group],
            )
        for tag in op.get("tags", []):
            if tag in declared:
                continue
            declared.add(tag)
            document.setdefault("tags", []).append({"name": tag})
            log.add(
                "/tags",
                f"declared tag {tag!r}",
                f"{pointer} uses it but the document does not declare it",
                after={"name": tag},
            )
