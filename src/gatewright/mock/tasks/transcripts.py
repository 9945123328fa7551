"""A task's conversation, for the routes that list it (``x-gatewright-task.transcripts``).

empiriolabs' ``GET /v1/agents/{task_id}/messages`` "list[s] every step the agent has emitted so far", to
be combined with the task's poll "for the final result"; its schema leaves the list free-form. The
transcript is what the mock knows of the task, in order: a ``user`` message with the words of each
request that gave it work (the create's, then each follow-up's: the statement's ``prompt`` pointer),
then, once the task succeeded, an ``assistant`` message with the answer its poll shows (the ``answer``
pointer of the poll's body), so the two routes never disagree. The words are kept in the task's context
(``SAID``), as JSON, so every replica tells the same conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatewright.mock.extensions import MockCall
from gatewright.mock.fit import Edits
from gatewright.mock.operations import MockApi
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.tasks.models import Task
from gatewright.spec.pointer import lookup, split
from gatewright.spec.tasks import Phase, TaskSpec, Transcript

__all__ = ["KEPT_WORDS", "SAID", "said", "write_transcript"]

SAID = "said"  # the task context's key: the user's words, each request's, in order
# Characters of the words a task keeps: past them the oldest follow-ups are dropped (the first prompt and
# the latest words stay), so a client's follow-ups cannot grow a task without bound.
KEPT_WORDS = 256 * 1024


def said(spec: TaskSpec, call: MockCall, earlier: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The context update that adds ``call``'s words to the task's conversation (``earlier``: the task's
    context so far; within ``KEPT_WORDS``); empty where no route lists it or the request sent no words."""
    if not spec.transcripts:
        return {}
    words = lookup(call.body, spec.transcripts[0][1].prompt)
    if not isinstance(words, str):
        return {}
    before = (earlier or {}).get(SAID)
    kept = [*(before if isinstance(before, list) else []), words]
    while len(kept) > 2 and sum(map(len, kept)) > KEPT_WORDS:  # the oldest follow-up goes first
        del kept[1]
    return {SAID: kept}


def messages(task: Task, transcript: Transcript, poll_body: Any) -> list[dict[str, str]]:
    """The task's conversation as it stands: the user's words, then the answer its poll shows once it
    succeeded."""
    words = task.context.get(SAID)
    turns = [{"role": "user", "content": text} for text in (words if isinstance(words, list) else [])]
    answer = lookup(poll_body, transcript.answer) if task.phase is Phase.SUCCEEDED else None
    if isinstance(answer, str):
        turns.append({"role": "assistant", "content": answer})
    return turns


def write_transcript(
    api: MockApi, answer: JsonOutcome, task: Task, transcript: Transcript, poll_body: Any
) -> JsonOutcome:
    """``answer`` (the route's body with the task written in) with the conversation at the statement's
    ``messages`` pointer, kept only if the body stays valid; the output check judges it again."""
    pointer = answer.schema_pointer
    is_valid = api.schemas.validator(pointer, formats=True).is_valid if pointer is not None else None
    edits = Edits(answer.value, is_valid)
    edits.set(split(transcript.messages), messages(task, transcript, poll_body))
    answer.value, answer.checked = edits.body, False
    return answer
