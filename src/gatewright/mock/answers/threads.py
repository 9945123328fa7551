"""Anthropic message threads: the conversation a ``thread`` holds, read back when a request continues it.

The anthropic SDK's ``beta.messages.tool_runner`` (and its ``thread()`` helper) runs on server-held
state by default: the first turn sends ``thread: {"type": "create"}`` with the whole request, and each
later turn ``thread: {"type": "continue", "previous_message_id": <the last answer's id>}`` with only
its new messages (the tool results, a new question) and without the thread's ``system`` and
``tools``, which the server keeps (``message-threads`` beta; ``CREATE_ONLY_FIELDS`` in the SDK). The
model reads the whole conversation, so the mock does too: each threaded answer is kept under its
``msg_`` id as the conversation so far (earlier messages, the request's, the answer's content) with
the thread's ``system`` and ``tools``, and a continue is read as that conversation with its own
messages after it. Without this the continued turn was a conversation of one tool result and no
tools: a rule on the question (``contains``, ``tools: true``) missed the turn after the call.

A reply is continued once, as the API allows, so a continue's entry replaces its parent's: a thread
holds one entry, its conversation so far. Kept conversations are bounded by a count and a byte budget
(the oldest go first), shared by replicas and forgotten on ``reset``.

A continue the mock cannot read is refused as the API refuses it (the anthropic SDK's error details,
``error.details.error_code``, which its thread helper replays the whole conversation on): a reply
already continued with ``thread_already_continued`` (400); any other id it does not keep (never
given, dropped by the budget, given before a ``reset``) with ``thread_not_found``, 404 where the
operation documents one and else the status it refuses a bad request with. Read as sent, the
continue was answered as a conversation of its new messages alone, with none of the thread's tools.
The replies continued are remembered (shared and reset as the conversations are) to tell the two
apart. The check is one, ``_refuse_unknown``: the operation's hook runs it on a direct request (before
the other hooks: a stream, a spec example), and the answers run it before composing any answer to a
threaded request (``AnswerExtension.watch``'s ``vet``), so a batch line continuing such an id fails as
that line, with the body the direct request gets, and is never kept or remembered as continued.

Replicas: a continue is marked in Redis before it is answered (``SharedCounts.first``, one atomic
step), so of two continues of one reply reaching two replicas at the same instant the second is
``thread_already_continued`` too. A batch line is answered without awaiting Redis, so one racing a
direct continue of the same reply on another replica is not caught that way (each is answered).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gatewright.mock.answers.response_store import ResponseStore, Stored
from gatewright.mock.extensions import MockCall, OperationHook, Refused
from gatewright.mock.keyset import SharedKeySet
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.shared_values import KEY_SEP

if TYPE_CHECKING:
    from gatewright.mock.answers.extension import AnswerExtension
    from gatewright.mock.shared_values import Shared

__all__ = ["ContinuedReplies", "MessageThreads", "ThreadStore"]

WIRE = "anthropic-messages"
HELD = ("system", "tools")  # what a continue leaves out: the thread's, as it was created


class ThreadStore(ResponseStore):
    """Kept thread conversations per (API, message id), shared by replicas under its own name."""

    shared_name = "messages.threads"


class ContinuedReplies(SharedKeySet):
    """The (API, message id)s a continue has answered from (a second continue is
    ``thread_already_continued``). Shared by replicas under its own name.

    Only a reply the mock gave and still kept enters (``_remember`` moves it here from the kept
    conversations), never an id a request made up, so its entries are the mock's own short ids and
    at most one per conversation it kept. It is bounded in bytes by a sixteenth of the conversations'
    budget (``--conversation-bytes``: about 100,000 replies at the default 64 MiB), so that one option
    bounds what threads hold in each replica and in Redis. A reply continued past the bound is not
    remembered: continued again, it is ``thread_not_found``, still refused."""

    shared_name = "messages.threads.continued"

    def __init__(self, budget: int) -> None:
        super().__init__(budget=budget)


class MessageThreads:
    """Keeps each threaded Messages answer's conversation; continues a request that names one."""

    name = "message_threads"
    wire = WIRE  # the requests it continues (``ConversationKeeper``)
    # Its hook decides by what it keeps, but only for threaded requests, whose answers are never repeated
    # as they are (a create sent again byte for byte is a new thread under a new id, kept too; a refusal
    # is never kept), so every other Messages request stays repeatable (``mock.repeats``).
    repeatable = True

    def __init__(self, answers: AnswerExtension, store: ThreadStore | None = None) -> None:
        self.answers = answers
        self.kept = store if store is not None else ThreadStore()
        self.continued_replies = ContinuedReplies(self.kept.budget // 16)

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        if operation.wire != WIRE:
            return None
        self.answers.watch(
            api.name, operation.operation_id, self._remember, wants=_threaded, vet=self._refuse_unknown
        )

        async def hook(call: MockCall) -> None:
            key = self._refuse_unknown(call)
            ledger = self.continued_replies.ledger
            if key is None or ledger is None or call.json_decision() is None:  # (None: no answer composed)
                return
            if not await ledger.counts.first(_mark(key), _MARKED):  # another replica is continuing it
                raise _refusal(call.operation, key[1], continued=True)

        return hook

    def reset(self) -> None:
        self.kept.clear()
        self.continued_replies.clear()

    def snapshot(self) -> dict[str, Any]:
        replies = self.continued_replies
        return {
            "threads": len(self.kept),
            "bytes": self.kept.used,
            "continued": len(replies),
            "continued_bytes": replies.used,
        }

    def shared_stores(self) -> list[Shared]:
        return [self.kept, self.continued_replies]

    def _refuse_unknown(self, call: MockCall) -> tuple[str, str] | None:
        """``Refused`` for a continue from a reply this mock does not keep (see the module docstring);
        the kept reply's key for one it continues."""
        body = call.body
        thread = body.get("thread") if isinstance(body, Mapping) else None
        if not isinstance(thread, Mapping) or thread.get("type") != "continue":
            return None
        previous = thread.get("previous_message_id")
        if not isinstance(previous, str):
            return None
        if self.kept.get(key := (call.api.name, previous)) is not None:
            return key
        raise _refusal(call.operation, previous, continued=key in self.continued_replies)

    def continued(self, api: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """``body`` as the model reads it: a continue's thread before its own messages, with the
        thread's ``system`` and ``tools`` where it leaves them out (``ConversationKeeper``)."""
        thread = body.get("thread")
        if not isinstance(thread, Mapping) or thread.get("type") != "continue":
            return body
        previous = thread.get("previous_message_id")
        stored = self.kept.get((api, previous)) if isinstance(previous, str) else None
        if stored is None:
            return body
        held: dict[str, Any] = json.loads(stored.body)
        own = body.get("messages")
        merged = {name: held[name] for name in HELD if name in held and name not in body}
        return {**body, **merged, "messages": [*held["messages"], *(own if isinstance(own, list) else [])]}

    def _remember(self, call: MockCall, answer: dict[str, Any]) -> None:
        """Told each threaded request's answer (JSON or streamed; ``_threaded`` picks them): keep its
        conversation under its id."""
        request = call.body
        assert isinstance(request, Mapping)  # ``_threaded``
        message_id = answer.get("id")
        if not isinstance(message_id, str):
            return
        read = self.continued(call.api.name, request)
        sent = read.get("messages")
        reply = {"role": "assistant", "content": answer.get("content") or []}
        conversation = {name: read[name] for name in HELD if name in read}
        conversation["messages"] = [*(sent if isinstance(sent, list) else []), reply]
        self.kept.put((call.api.name, message_id), Stored(json.dumps(conversation).encode(), b"", False))
        thread = request["thread"]
        previous = thread.get("previous_message_id") if thread.get("type") == "continue" else None
        # A reply is continued once (the API refuses a second continue), so a thread holds one entry, not
        # one per turn; only a reply kept is remembered as continued (never a made-up id: see the class).
        if isinstance(previous, str) and self.kept.pop(key := (call.api.name, previous)) is not None:
            self.continued_replies.add(key)


_MARKED = 600  # seconds a continue's mark lasts in Redis: far longer than answering and publishing it


def _mark(key: tuple[str, str]) -> str:
    """The name a continue of the reply ``key`` is marked under in Redis (``SharedCounts.first``)."""
    return f"thread-continued{KEY_SEP}{key[0]}{KEY_SEP}{key[1]}"


def _refusal(operation: MockOperation, previous: str, *, continued: bool) -> Refused:
    """The API's refusal of a continue from ``previous``: ``continued`` already, or not found."""
    if continued:
        message = f"Message '{previous}' was already continued; continue from the thread's latest reply."
        status, code = _status(operation, 400), "thread_already_continued"
    else:
        message = f"No thread was found for previous_message_id '{previous}'."
        status, code = _status(operation, 404), "thread_not_found"
    return Refused(status, message, "thread.previous_message_id", {"error_code": code})


def _status(operation: MockOperation, status: int) -> int:
    """``status`` where ``operation`` documents it, else the status it refuses a bad request with."""
    return status if operation.documents(status) else operation.invalid_status


def _threaded(call: MockCall) -> bool:
    """Whether ``call``'s request belongs to a thread (the answers worth keeping)."""
    body = call.body
    return isinstance(body, Mapping) and isinstance(body.get("thread"), Mapping)
