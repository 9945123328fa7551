"""Every tag an operation uses is declared at the top level."""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog


@repair_pass("tags")
def declare_tags(document: Document, context: Context, log: RepairLog) -> None:
    """Declare used-but-undeclared tags, in the order operations first use them."""
    declared = {tag.get("name") for tag in document.get("tags", []) if isinstance(tag, dict)}
    for _path, _method, op, pointer in operations(document):
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
