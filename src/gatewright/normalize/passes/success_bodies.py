"""A success response whose prose says it returns a body, declared without one, gets its sibling's.

beatra documents its upload's de-duplication hit as ``200: "Content already exists; returns existing
artifact"`` with no content, beside the ``201`` that declares the artifact (whose schema says it is
"returned by both"). Without a body the mock answers the hit empty, and a client reading the artifact
id from it fails. Such a response takes the content of the operation's other success response that
declares a JSON body; a response whose prose does not say it returns something stays without one.
"""

from __future__ import annotations

import copy
import re

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import escape

_RETURNS = re.compile(r"\breturns?\b", re.IGNORECASE)


@repair_pass("success_bodies")
def success_bodies(document: Document, context: Context, log: RepairLog) -> None:
    """Give a bodiless success response that says it returns something its sibling's JSON content."""
    for _path, _method, op, pointer in operations(document):
        responses = op.get("responses")
        if not isinstance(responses, dict):
            continue
        declared = [
            (status, response["content"])
            for status, response in responses.items()
            if status.startswith("2")
            and isinstance(response, dict)
            and isinstance(response.get("content"), dict)
            and "application/json" in response["content"]
        ]
        if len(declared) != 1:
            continue
        sibling, content = declared[0]
        for status, response in responses.items():
            if (
                not status.startswith("2")
                or status == "204"
                or not isinstance(response, dict)
                or "content" in response
                or "$ref" in response
                or not _RETURNS.search(str(response.get("description", "")))
            ):
                continue
            response["content"] = copy.deepcopy(content)
            log.add(
                f"{pointer}/responses/{escape(status)}/content",
                f"declared the body of the {sibling} beside it",
                f"its description says it returns something ({response.get('description')!r}) but it "
                f"declared no body; the operation's {sibling} declares what it returns",
                after=response["content"],
            )
