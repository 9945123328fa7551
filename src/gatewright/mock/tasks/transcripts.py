"""A task's conversation, for the routes that list it (``x-gatewright-task.transcripts``).

empiriolabs' ``GET /v1/agents/{task_id}/messages`` "list[s] every step the agent has emitted so far", to
be combined with the task's poll "for the final result"; its schema leaves the list free-form. The
transcript is what the mock knows of the task, in order, run by run: a ``user`` message with the words of
the request that gave it work (the create's, then each follow-up's: the statement's ``prompt`` pointer),
then the ``assistant`` message that run answered. The answer is the mock's LLM answer to those words
(``Composer.reply``: the same words and seed, the same answer), composed when they arrive and shown once
the run succeeded, here and at the ``answer`` pointer of the poll's body (``answer_of``), so the two
routes never disagree. A run that failed, was stopped, or took new words while running answered nothing
of its own. The runs are kept in the task's context (``SAID``), as JSON, so every replica tells the same
conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gatewright.mock.extensions import MockCall
from gatewright.mock.fit import Edits
from gatewright.mock.operations import MockApi
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.tasks.models import Task
from gatewright.spec.answers import Prompt
from gatewright.spec.pointer import lookup, split
from gatewright.spec.tasks import Phase, TaskSpec, Transcript

if TYPE_CHECKING:
    from gatewright.mock.answers.compose import Composer

__all__ = ["KEPT_WORDS", "SAID", "answer_of", "said", "write_transcript"]

SAID = "said"  # the task context's key: its runs in order, each [the user's words, the answer or None]
# Characters of the conversation a task keeps (words and answers): past them the oldest follow-up runs are
# dropped (the first prompt and the latest run stay), so a client's follow-ups cannot grow it without bound.
KEPT_WORDS = 256 * 1024

Run = list[str | None]  # [the user's words, the answer composed for them (None: the run answered nothing)]


def said(spec: TaskSpec, call: MockCall, composer: Composer, before: Task | None = None) -> dict[str, Any]:
    """The context update that adds ``call``'s words, and the answer composed for them, to the task's
    conversation as its latest run (``before``: the task a follow-up continues, as it stood; within
    ``KEPT_WORDS``); empty where no route lists it or the request sent no words."""
    if not spec.transcripts:
        return {}
    words = lookup(call.body, spec.transcripts[0][1].prompt)
    if not isinstance(words, str):
        return {}
    runs = _runs(before.context) if before is not None else []
    if runs and before is not None and before.phase is not Phase.SUCCEEDED:
        runs[-1] = [runs[-1][0], None]  # that run gave no answer: it ended otherwise, or these words reach it
    model = call.body.get("model") if isinstance(call.body, Mapping) else None
    prompt = Prompt(model if isinstance(model, str) else "", words, words, after_tool_result=False)
    runs.append([words, composer.reply(prompt, wire=call.operation.operation_id)])
    while len(runs) > 2 and sum(len(words or "") + len(answer or "") for words, answer in runs) > KEPT_WORDS:
        del runs[1]  # the oldest follow-up run goes first
    return {SAID: runs}


def answer_of(task: Task) -> str | None:
    """The answer its latest run gave (its poll's ``answer`` field): None until that run succeeded."""
    runs = _runs(task.context)
    return runs[-1][1] if runs and task.phase is Phase.SUCCEEDED else None


def messages(task: Task) -> list[dict[str, str]]:
    """The task's conversation as it stands: each run's words, then its answer (the latest run's once it
    succeeded)."""
    runs = _runs(task.context)
    if runs and task.phase is not Phase.SUCCEEDED:
        runs[-1] = [runs[-1][0], None]
    turns: list[dict[str, str]] = []
    for words, answer in runs:
        turns.append({"role": "user", "content": words or ""})
        if answer is not None:
            turns.append({"role": "assistant", "content": answer})
    return turns


def write_transcript(api: MockApi, answer: JsonOutcome, task: Task, transcript: Transcript) -> JsonOutcome:
    """``answer`` (the route's body with the task written in) with the conversation at the statement's
    ``messages`` pointer, kept only if the body stays valid; the output check judges it again."""
    pointer = answer.schema_pointer
    is_valid = api.schemas.validator(pointer, formats=True).is_valid if pointer is not None else None
    edits = Edits(answer.value, is_valid)
    edits.set(split(transcript.messages), messages(task))
    answer.value, answer.checked = edits.body, False
    return answer


def _runs(context: Mapping[str, Any]) -> list[Run]:
    """The runs kept in a task's context (a copy: callers change it), each [words, answer or None]."""
    kept = context.get(SAID)
    return [
        [run[0], run[1] if isinstance(run[1], str) else None]
        for run in (kept if isinstance(kept, list) else [])
        if isinstance(run, list) and len(run) == 2 and isinstance(run[0], str)
    ]
