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
- Kept bytes are bounded (a count and a byte budget; the oldest go first: ``response_store``);
  ``reset`` forgets them all. The bodies' derived parts (input items, ``output_text``, a
  background response as its task stands) are ``response_bodies``.
- With replicas (``mock.shared``) the kept responses and the ids given out are shared: a response
  created on one replica is retrieved, listed, cancelled or deleted on any (``shared_stores``).

The hooks run before the task hooks (which would show the background lifecycle with
generated bodies), and the extension is not ``repeatable``: each create is a new response
to keep, and whether a ``previous_response_id`` is known depends on what came before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock import open_bodies
from gatewright.mock.answers.extension import AnswerExtension
from gatewright.mock.answers.response_bodies import as_of, input_items, output_text
from gatewright.mock.answers.response_store import IssuedIds, Key, ResponseStore, Stored
from gatewright.mock.extensions import MockCall, OperationHook
from gatewright.mock.fit import fit
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, error_response
from gatewright.mock.paging import cursor_page
from gatewright.mock.render import dumps
from gatewright.mock.tasks.engine import TaskEngine
from gatewright.mock.tasks.models import Outcome
from gatewright.mock.tasks.responses import json_response
from gatewright.mock.tasks.wants import wants_task
from gatewright.spec.schemas import locate

if TYPE_CHECKING:
    from gatewright.mock.shared_values import Shared

__all__ = ["StoredResponses", "routes"]

WIRE = "openai-responses"
# (method, what follows ``{create path}/{id}``) -> the route's part
_ROUTES = {
    ("GET", ""): "retrieve",
    ("DELETE", ""): "delete",
    ("POST", "cancel"): "cancel",
    ("GET", "input_items"): "input_items",
}

Answered = web.StreamResponse | JsonOutcome | None
_CHAIN = 64  # kept responses followed back along previous_response_id at most


class StoredResponses:
    """Binds the Responses create and its retrieve, delete, cancel and input-items routes."""

    name = "stored_responses"
    wire = WIRE  # the requests it continues (``ConversationKeeper``)
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
            decision = call.json_decision()
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

    def earlier(self, api: str, response_id: str) -> list[Any]:
        """The items a response continuing ``response_id`` follows: each kept response's input and
        output items, back along its ``previous_response_id``s, oldest first."""
        turns: list[list[Any]] = []
        seen: set[str] = set()
        current: Any = response_id
        while isinstance(current, str) and current not in seen and len(seen) < _CHAIN:
            seen.add(current)
            stored = self.kept.get((api, current))
            if stored is None:
                break
            body = json.loads(stored.body)
            output = body.get("output") if isinstance(body, dict) else None
            turns.append([*json.loads(stored.items), *(output if isinstance(output, list) else ())])
            current = body.get("previous_response_id") if isinstance(body, dict) else None
        return [item for turn in reversed(turns) for item in turn]

    def continued(self, api: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """A Responses request with what its ``previous_response_id`` saw before its own input: the
        conversation the model reads (a rule's ``contains`` finds the question asked turns ago;
        ``ConversationKeeper``)."""
        previous = body.get("previous_response_id")
        earlier = self.earlier(api, previous) if isinstance(previous, str) else []
        if not earlier:
            return body
        sent = body.get("input")
        own = [{"role": "user", "content": sent}] if isinstance(sent, str) else sent
        return {**body, "input": [*earlier, *(own if isinstance(own, list) else [])]}

    # --- hooks -----------------------------------------------------------------------------------

    def _create(self, call: MockCall, decision: Decision) -> Answered:
        request = _request(call)
        previous = request.get("previous_response_id")
        key = (call.api.name, previous) if isinstance(previous, str) else None
        if key is not None and key in self.issued and self.kept.get(key) is None:
            message = f"Previous response with id '{previous}' not found."
            return error_response(call.api, call.operation, 400, message, param="previous_response_id")
        if not self._in_background(call):
            return None  # the LLM answer (or its stream) follows, and ``_remember`` keeps it
        if request.get("store") is False:
            return error_response(
                call.api, call.operation, 400, "Background mode requires store=true.", param="store"
            )
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
        return self._answer(call, decision, as_of(final, task))

    def _retrieve(self, call: MockCall, decision: Decision) -> Answered:
        found = self._named(call)
        if not isinstance(found, tuple):
            return found
        key, stored = found
        body = json.loads(stored.body)
        task = self.tasks.poll(*key) if stored.background and self.tasks is not None else None
        return self._answer(call, decision, body if task is None else as_of(body, task))

    def _delete(self, call: MockCall, decision: Decision) -> Answered:
        found = self._named(call)
        if not isinstance(found, tuple):
            return found
        key, stored = found
        self._drop(key, stored)
        self.kept.pop(key)
        return json_response(call.api, call.operation, decision, open_bodies.deleted(key[1], "response"))

    def _cancel(self, call: MockCall, decision: Decision) -> Answered:
        """A background response in flight ends ``cancelled``; one that ended stays as it ended."""
        found = self._named(call)
        if not isinstance(found, tuple):
            return found
        key, stored = found
        if not stored.background or self.tasks is None:
            message = "Only responses created with background=true can be cancelled."
            return error_response(call.api, call.operation, 400, message)
        body = json.loads(stored.body)
        cancelled = self.tasks.cancel(*key)
        return self._answer(call, decision, body if cancelled is None else as_of(body, cancelled.task))

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
        chosen, more = cursor_page(items, after=query.get("after"), limit=limit)
        page = [self._item(api, decision, item) for item in chosen]
        return json_response(api, op, decision, open_bodies.listed(page, more))

    # --- what is kept --------------------------------------------------------------------------

    def _remember(self, call: MockCall, body: dict[str, Any]) -> None:
        """Told each answer the create gives (JSON or streamed): keep it unless the request said not to."""
        if isinstance(body.get("id"), str):
            self.issued.add((call.api.name, body["id"]))
        request = _request(call)
        if request.get("store") is not False and not self._in_background(call):
            # A streamed background response ran as its stream, not as a task: kept as background, so
            # a cancel answers it as it ended, as one polled to its end is answered.
            self._keep(call, body, background=request.get("background") is True)

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
            return error_response(
                call.api, call.operation, 404, f"Response with id '{response_id}' not found."
            )
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
        if create.wire != WIRE or create.operation.method != "POST":
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


def _request(call: MockCall) -> Mapping[str, Any]:
    return call.body if isinstance(call.body, Mapping) else {}
