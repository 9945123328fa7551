"""The ``x-gatewright-reasoning-content`` of the chats a ``reasoning_content`` statement names: the models
whose answers show their chain of thought (a statement of the lifecycle file, applied by
``declare_task_lifecycles`` beside the other ``behaviours``)."""

from __future__ import annotations

import re
from typing import Any

from gatewright.normalize.lifecycle_model import ApiLifecycles
from gatewright.normalize.passes.base import Document
from gatewright.normalize.passes.behaviours import Resolve, extend_operation, quoted, refused
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import success_bodies
from gatewright.spec.answers import REASONING_CONTENT
from gatewright.spec.model import COMPATIBLE_EXTENSION, REASONING_EXTENSION
from gatewright.spec.schemas import locate, properties, types

__all__ = ["declare_reasoning"]


def declare_reasoning(document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog) -> None:
    """``x-gatewright-reasoning-content: {"models": [...]}`` on every chat a ``reasoning_content`` statement
    names: the answers of the models its patterns match carry their chain of thought in the message's
    ``reasoning_content``, which each 2xx JSON answer's ``choices[].message`` declares (as a string, or
    declared here where the prose names the field and the schema does not)."""
    for behaviour in declared.statements("reasoning_content"):
        for pattern in behaviour.value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise refused(declared, behaviour, f"{pattern!r} is no regular expression: {exc}") from None
        wanted = {"models": list(behaviour.value)}
        for name in behaviour.operations:
            operation = resolve(name)
            mark = operation.definition.get(COMPATIBLE_EXTENSION)
            if not isinstance(mark, dict) or mark.get("wire") != "openai-chat":
                raise refused(
                    declared, behaviour, f"{name} is no OpenAI-compatible chat (x-gatewright-compatible)"
                )
            for _, where, body in success_bodies(document, operation):
                message = locate(document, body, where, "/choices/0/message")
                if message is None:
                    raise refused(
                        declared, behaviour, f"a 2xx JSON answer of {name} declares no choices[].message"
                    )
                if not _reasoning_field(document, *message, log, quoted(behaviour)):
                    raise refused(declared, behaviour, f"{name} declares {REASONING_CONTENT} as no string")
            change = "declared the models whose answers show their chain of thought"
            extend_operation(
                operation, REASONING_EXTENSION, wanted, log, change=change, why=quoted(behaviour)
            )


def _reasoning_field(
    document: Document, where: str, message: dict[str, Any], log: RepairLog, why: str
) -> bool:
    """Whether the answer's ``message`` (at ``where``) takes ``reasoning_content`` as a string: as declared,
    or declared here where it is not."""
    held = properties(document, message).get(REASONING_CONTENT)
    if held is not None:
        return "string" in types(document, held)
    field = {
        "type": ["string", "null"],
        "description": "The chain of thought the model wrote before its answer.",
    }
    message.setdefault("properties", {})[REASONING_CONTENT] = field
    log.add(
        f"{where}/properties/{REASONING_CONTENT}",
        f"declared the {REASONING_CONTENT} the prose says the answer carries",
        why,
        before=None,
        after=dict(field),
    )
    return True
