"""Stored responses: what a Responses create answered, served again by the API's own routes.

OpenAI keeps every response it gives (unless the request says ``store: false``): ``GET
{create}/{id}`` returns it, ``DELETE`` forgets it, ``{id}/input_items`` lists what was sent,
a ``previous_response_id`` that names a response it gave and no longer keeps (deleted, or
``store: false``) is refused with a 400, and ``background: true``
answers at once (``queued``) and finishes later, cancellable meanwhile. This extension
serves those routes on every API whose spec has an ``openai-responses`` create with a
retrieve route under its path.

- Every answer the create gives, JSON or streamed, is kept as sent (the LLM answer extension
  tells ``_remember``: ``AnswerExtension.watch``), with the request's input as list items.
- A background create is a task of the shared engine under the create's own
  ``x-gatewright-task``, named by the response id: retrieve shows it queued or in progress
  with no output yet, then the very answer the same request gets in the foreground; cancel
  ends it ``cancelled``; ``Prefer: task=fail`` ends it ``failed``.
- Kept bytes are bounded (a count and a byte budget; the oldest go first); ``reset`` forgets
  them all.
- With replicas (``mock.shared``) the kept responses and the ids given out are shared: a response
  created on one replica is retrieved, listed, cancelled or deleted on any (``shared_stores``).

The hooks run before the task hooks (which would show the background lifecycle with
generated bodies), and the extension is not ``repeatable``: each create is a new response
to keep, and whether a ``previous_response_id`` is known depends on what came before.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock.answers.extension import AnswerExtension, json_decision
from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.fit import fit
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, web_response
from gatewright.mock.render import dumps
from gatewright.mock.shared import KEY_SEP, Packed
from gatewright.mock.tasks.engine import TaskEngine
from gatewright.mock.tasks.hooks import wants_task
from gatewright.mock.tasks.models import Outcome, Task
from gatewright.mock.tasks.responses import json_response
from gatewright.spec.schemas import locate
from gatewright.spec.tasks import Phase

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger, Shared

__all__ = ["IssuedIds", "ResponseStore", "StoredResponses", "input_items", "output_text"]

WIRE = "openai-responses"
_ENTRIES = 4096  # responses kept at once
_BUDGET = 64 * 1024 * 1024  # bytes of kept responses and their input items
# (method, what follows ``{create path}/{id}``) -> the route's part
_ROUTES = {
    ("GET", ""): "retrieve",
    ("DELETE", ""): "delete",
    ("POST", "cancel"): "cancel",
    ("GET", "input_items"): "input_items",
}
_ITEM_IDS = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_"}

Key = tuple[str, str]  # (api, response id)
Answered = web.StreamResponse | JsonOutcome | None


@dataclass(frozen=True, slots=True)
class Stored:
    body: bytes  # the response as answered (a background one: as it ends when it succeeds)
    items: bytes  # the request's input items, a JSON list
    background: bool  # runs as the engine's task named by the response id

    @property
    def size(self) -> int:
        return len(self.body) + len(self.items)


class ResponseStore:
    """Responses kept per (API, id) in creation order, the oldest dropped past ``entries`` or
    ``budget`` bytes.

    Also a ``mock.shared.Shared`` store: key ``api\x1fid``, value ``Packed({"background", "body"},
    body + items)`` (``body``: how many of the bytes are the body). Each replica applies the bounds to
    what it holds, so one that takes a response drops its oldest as the replica that kept it did."""

    shared_name = "responses"

    def __init__(self, entries: int = _ENTRIES, budget: int = _BUDGET) -> None:
        self._kept: dict[Key, Stored] = {}
        self._entries = entries
        self._budget = budget
        self.used = 0  # bytes held
        self.ledger: Ledger | None = None

    def put(self, key: Key, stored: Stored) -> list[tuple[Key, Stored]]:
        """Keep ``stored`` under ``key``; returns what was dropped to make room (``stored`` itself
        when it can never fit)."""
        replaced = self._pop(key)
        dropped = self._put(key, stored)
        if self.ledger is not None:
            for gone, _ in dropped:
                if gone != key or replaced is not None:
                    self._note(gone, None)
            if not dropped or dropped[-1][0] != key:
                self._note(key, stored)
        return dropped

    def _put(self, key: Key, stored: Stored) -> list[tuple[Key, Stored]]:
        if stored.size > self._budget or self._entries <= 0:
            return [(key, stored)]
        dropped: list[tuple[Key, Stored]] = []
        while self._kept and (len(self._kept) >= self._entries or self.used + stored.size > self._budget):
            oldest = next(iter(self._kept))
            dropped.append((oldest, self._kept[oldest]))
            self._pop(oldest)
        self._kept[key] = stored
        self.used += stored.size
        return dropped

    def get(self, key: Key) -> Stored | None:
        return self._kept.get(key)

    def pop(self, key: Key) -> Stored | None:
        stored = self._pop(key)
        if stored is not None and self.ledger is not None:
            self._note(key, None)
        return stored

    def _pop(self, key: Key) -> Stored | None:
        stored = self._kept.pop(key, None)
        if stored is not None:
            self.used -= stored.size
        return stored

    # shared with other replicas (``mock.shared``)
    def _note(self, key: Key, stored: Stored | None) -> None:
        assert self.ledger is not None
        self.ledger.note(
            self.shared_name, f"{key[0]}{KEY_SEP}{key[1]}", None if stored is None else _packed(stored)
        )

    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for (api, response_id), stored in list(self._kept.items()):
            yield f"{api}{KEY_SEP}{response_id}", _packed(stored)

    def shared_apply(self, key: str, value: Any) -> None:
        api, _, response_id = key.partition(KEY_SEP)
        self._pop((api, response_id))
        if isinstance(value, Packed):
            size = int(value.meta["body"])
            stored = Stored(value.data[:size], value.data[size:], bool(value.meta["background"]))
            self._put((api, response_id), stored)

    def shared_clear(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._kept.clear()
        self.used = 0

    def __len__(self) -> int:
        return len(self._kept)


def _packed(stored: Stored) -> Packed:
    return Packed({"background": stored.background, "body": len(stored.body)}, stored.body + stored.items)


class IssuedIds:
    """The (API, response id)s this mock gave out (a ``previous_response_id`` naming one it no longer
    keeps is a 400), at most ``limit``. Also a ``mock.shared.Shared`` store: key ``api\x1fid``, value true."""

    shared_name = "responses.issued"

    def __init__(self, limit: int = 1_000_000) -> None:
        self.limit = limit
        self.ledger: Ledger | None = None
        self._ids: set[Key] = set()

    def add(self, key: Key) -> None:
        if key in self._ids or len(self._ids) >= self.limit:
            return
        self._ids.add(key)
        if self.ledger is not None:
            self.ledger.note(self.shared_name, f"{key[0]}{KEY_SEP}{key[1]}", True)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def clear(self) -> None:
        self._ids.clear()

    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for api, response_id in list(self._ids):
            yield f"{api}{KEY_SEP}{response_id}", True

    def shared_apply(self, key: str, value: Any) -> None:
        api, _, response_id = key.partition(KEY_SEP)
        if value is None:
            self._ids.discard((api, response_id))
        else:
            self._ids.add((api, response_id))

    def shared_clear(self) -> None:
        self._ids.clear()


class StoredResponses:
    """Binds the Responses create and its retrieve, delete, cancel and input-items routes."""

    name = "stored_responses"
    repeatable = False

    def __init__(
        self,
        answers: AnswerExtension,
        *,
        tasks: TaskEngine | None = None,
        store: ResponseStore | None = None,
    ) -> None:
        self.answers = answers
        self.tasks = tasks  # None: a background create is answered in the foreground
        self.kept = store if store is not None else ResponseStore()
        # Ids this mock gave out: one of them no longer kept is a 400 as OpenAI's; an id it never
        # gave (verify's and schemathesis's generated requests carry such ids) is echoed instead.
        self.issued = IssuedIds()
        self._roles: dict[str, dict[str, str]] = {}  # api -> operationId -> its part

    # --- Extension protocol ----------------------------------------------------------------------

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        roles = self._roles.get(api.name)
        if roles is None:
            roles = self._roles[api.name] = routes(api)
        role = roles.get(operation.operation_id)
        if role is None:
            return None
        if role == "create":
            self.answers.watch(api.name, operation.operation_id, self._remember)
        handle: Callable[[MockCall, Decision], Answered] = {
            "create": self._create,
            "retrieve": self._retrieve,
            "delete": self._delete,
            "cancel": self._cancel,
            "input_items": self._input_items,
        }[role]

        async def hook(call: MockCall) -> Answered:
            decision = json_decision(call)
            return None if decision is None else handle(call, decision)

        return hook

    def reset(self) -> None:
        self.kept.clear()
        self.issued.clear()

    def shared_stores(self) -> list[Shared]:
        """What replicas share (``mock.shared``): the kept responses and the ids given out."""
        return [self.kept, self.issued]

    def snapshot(self) -> dict[str, Any]:
        return {"responses": len(self.kept), "bytes": self.kept.used}

    # --- hooks -----------------------------------------------------------------------------------

    def _create(self, call: MockCall, decision: Decision) -> Answered:
        request = _request(call)
        previous = request.get("previous_response_id")
        key = (call.api.name, previous) if isinstance(previous, str) else None
        if key is not None and key in self.issued and self.kept.get(key) is None:
            message = f"Previous response with id '{previous}' not found."
            return _error(call, 400, message, param="previous_response_id")
        if not self._in_background(call):
            return None  # the LLM answer (or its stream) follows, and ``_remember`` keeps it
        if request.get("store") is False:
            return _error(call, 400, "Background mode requires store=true.", param="store")
        final = self.answers.body_for(call)
        response_id = None if final is None else final.get("id")
        if final is None or not isinstance(response_id, str):
            return None
        assert self.tasks is not None and call.operation.task is not None  # ``_in_background`` says so
        task = self.tasks.create(
            call.api.name,
            call.operation.operation_id,
            call.operation.task,
            task_id=response_id,
            outcome=Outcome.from_prefer(call.preferences.extra.get("task")),
            context={"model": request.get("model")},
            retention=math.inf,  # readable while the response is kept (dropped with it)
        )
        final = {**final, "background": True}
        self._keep(call, final, background=True)
        return self._answer(call, decision, _as_of(final, task))

    def _retrieve(self, call: MockCall, decision: Decision) -> Answered:
        found = self._named(call)
        if not isinstance(found, tuple):
            return found
        key, stored = found
        body = json.loads(stored.body)
        task = self.tasks.poll(*key) if stored.background and self.tasks is not None else None
        return self._answer(call, decision, body if task is None else _as_of(body, task))

    def _delete(self, call: MockCall, decision: Decision) -> Answered:
        found = self._named(call)
        if not isinstance(found, tuple):
            return found
        key, stored = found
        self._drop(key, stored)
        self.kept.pop(key)
        return json_response(
            call.api, call.operation, decision, {"id": key[1], "object": "response", "deleted": True}
        )

    def _cancel(self, call: MockCall, decision: Decision) -> Answered:
        """A background response in flight ends ``cancelled``; one that ended stays as it ended."""
        found = self._named(call)
        if not isinstance(found, tuple):
            return found
        key, stored = found
        if not stored.background or self.tasks is None:
            message = "Only responses created with background=true can be cancelled."
            return _error(call, 400, message)
        body = json.loads(stored.body)
        cancelled = self.tasks.cancel(*key)
        return self._answer(call, decision, body if cancelled is None else _as_of(body, cancelled.task))

    def _input_items(self, call: MockCall, decision: Decision) -> Answered:
        found = self._named(call)
        if not isinstance(found, tuple):
            return found
        api, op = call.api, call.operation
        query = call.request.query
        order = query.get("order") or api.query_default(op, "order") or "desc"
        limit = int(query.get("limit") or api.query_default(op, "limit") or 20)
        items: list[dict[str, Any]] = json.loads(found[1].items)
        if order == "desc":
            items.reverse()
        after = query.get("after")
        ids = [item.get("id") for item in items]
        start = ids.index(after) + 1 if after in ids else 0
        page = [self._item(api, decision, item) for item in items[start : start + limit]]
        body: dict[str, Any] = {"object": "list", "data": page, "has_more": start + limit < len(items)}
        if page:
            body.update(first_id=page[0]["id"], last_id=page[-1]["id"])
        return json_response(api, op, decision, body)

    # --- what is kept --------------------------------------------------------------------------

    def _remember(self, call: MockCall, body: dict[str, Any]) -> None:
        """Told each answer the create gives (JSON or streamed): keep it unless the request said not to."""
        if isinstance(body.get("id"), str):
            self.issued.add((call.api.name, body["id"]))
        if _request(call).get("store") is not False and not self._in_background(call):
            self._keep(call, body, background=False)

    def _keep(self, call: MockCall, body: dict[str, Any], *, background: bool) -> None:
        response_id = body.get("id")
        if not isinstance(response_id, str):
            return
        items = input_items(_request(call), response_id)
        stored = Stored(dumps(body), dumps(items), background)
        for key, dropped in self.kept.put((call.api.name, response_id), stored):
            self._drop(key, dropped)

    def _drop(self, key: Key, stored: Stored) -> None:
        """A background response's task goes with it."""
        if stored.background and self.tasks is not None:
            self.tasks.delete(*key)

    def _in_background(self, call: MockCall) -> bool:
        """Whether the create runs as a task: its lifecycle says so (``background: true``), unstreamed."""
        spec = call.operation.task
        return (
            self.tasks is not None
            and spec is not None
            and _request(call).get("stream") is not True
            and wants_task(spec, call)
        )

    def _named(self, call: MockCall) -> tuple[Key, Stored] | web.Response:
        """The kept response the route names, or the API's 404."""
        names = call.operation.operation.template.names
        response_id = call.path_params.get(names[0], "") if names else ""
        key = (call.api.name, response_id)
        stored = self.kept.get(key)
        if stored is None:
            return _error(call, 404, f"Response with id '{response_id}' not found.")
        return key, stored

    # --- bodies ----------------------------------------------------------------------------------

    def _answer(self, call: MockCall, decision: Decision, body: dict[str, Any]) -> JsonOutcome:
        """``body`` with its ``output_text`` (as the SDKs compute it) where the route's schema takes it."""
        pointer = decision.media.schema_pointer if decision.media is not None else None
        if pointer is not None:
            body, _ = fit(
                body,
                {"output_text": output_text(body)},
                lambda value: call.api.schemas.is_valid(pointer, value, formats=True),
            )
        return json_response(call.api, call.operation, decision, body)

    def _item(self, api: MockApi, decision: Decision, item: dict[str, Any]) -> dict[str, Any]:
        """An input item as the list's schema takes it: its id and type, and what else stays valid."""
        pointer = decision.media.schema_pointer if decision.media is not None else None
        where = (
            None
            if pointer is None
            else locate(api.spec.document, api.schemas.resolve(pointer), pointer, "/data/0")
        )
        if where is None:
            return item
        fitted, _ = fit(
            {"id": item.get("id"), "type": item.get("type")},
            item,
            lambda value: api.schemas.is_valid(where[0], value, formats=True),
        )
        return dict(fitted)


def routes(api: MockApi) -> dict[str, str]:
    """operationId -> its part: ``create`` (an ``openai-responses`` POST) and the routes under its
    path (``retrieve``, ``delete``, ``cancel``, ``input_items``); none for a create without a
    retrieve route (nothing it kept could be read)."""
    found: dict[str, str] = {}
    for create in api.operations.values():
        if create.operation.compatible_wire != WIRE or create.operation.method != "POST":
            continue
        base = f"{create.operation.template.path}/"
        under: dict[str, str] = {}
        for op in api.operations.values():
            template = op.operation.template
            if len(template.names) != 1 or not template.path.startswith(base):
                continue
            head, _, tail = template.path.removeprefix(base).partition("/")
            role = _ROUTES.get((op.operation.method, tail)) if head == f"{{{template.names[0]}}}" else None
            if role is not None:
                under[op.operation_id] = role
        if "retrieve" in under.values():
            found[create.operation_id] = "create"
            found.update(under)
    return found


def input_items(request: Mapping[str, Any], response_id: str) -> list[dict[str, Any]]:
    """The request's ``input`` as OpenAI lists it: a string is one user message; every item has an
    id, a message its ``type``, ``status`` and content parts.

    Ids an item lacks are made from the response's id and the item's place, so they are unique,
    the same under a seed, and drawn from no sequence the answers use.
    """
    sent = request.get("input")
    if isinstance(sent, str):
        sent = [{"role": "user", "content": sent}]
    items: list[dict[str, Any]] = []
    for index, item in enumerate(sent if isinstance(sent, list) else ()):
        if not isinstance(item, Mapping):
            continue
        out = dict(item)
        kind = out.setdefault("type", "message")  # an "easy" input message carries only its role
        if kind == "message":
            out.setdefault("status", "completed")
            if isinstance(out.get("content"), str):
                part = "output_text" if out.get("role") == "assistant" else "input_text"
                out["content"] = [{"type": part, "text": out["content"]}]
        digest = hashlib.blake2b(f"{response_id}/{index}".encode(), digest_size=12).hexdigest()
        out.setdefault("id", f"{_ITEM_IDS.get(str(kind), 'item_')}{digest}")
        items.append(out)
    return items


def output_text(body: Mapping[str, Any]) -> str:
    """The text of a response's messages, joined, as the official SDKs' ``output_text`` reads it."""
    return "".join(_texts(body.get("output")))


def _texts(output: Any) -> Iterator[str]:
    for item in output if isinstance(output, list) else ():
        if isinstance(item, Mapping) and item.get("type") == "message":
            for part in item.get("content") or ():
                if isinstance(part, Mapping) and part.get("type") == "output_text":
                    yield str(part.get("text") or "")


def _as_of(final: dict[str, Any], task: Task) -> dict[str, Any]:
    """A background response as its task stands: the final answer once it succeeded; before (and
    when it failed or was cancelled) no output, no usage, under the task's status."""
    if task.phase is Phase.SUCCEEDED:
        return final
    shown = {**final, "status": task.status, "output": [], "usage": _zeroed(final.get("usage"))}
    shown.pop("incomplete_details", None)
    if task.error is not None:
        shown["error"] = {"code": task.error.code, "message": task.error.message}
    return shown


def _zeroed(value: Any) -> Any:
    """``usage`` with every count 0, in the API's own shape (nothing has been spent yet)."""
    if isinstance(value, dict):
        return {key: _zeroed(part) for key, part in value.items()}
    return 0 if isinstance(value, int) and not isinstance(value, bool) else value


def _request(call: MockCall) -> Mapping[str, Any]:
    return call.body if isinstance(call.body, Mapping) else {}


def _error(call: MockCall, status: int, message: str, *, param: str | None = None) -> web.Response:
    """An error in the API's own envelope."""
    op = call.operation
    return web_response(
        call.api.errors.render(op.responses, status, message, path=op.operation.path, param=param)
    )
