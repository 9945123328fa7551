"""A vector store's own routes follow what is attached to it (part of the vector store extension).

The store is a stored resource (``mock.stateful``); what it says of its files is derived from its
attachment rows (``mock.attachments``) and their tasks, written into the stored item before the
store's routes answer (``refresh``), so its read, update, list and delete answers state it:

- ``file_count``: the files attached now (a row whose ingestion a detach cancelled is none: the
  cancel leaves it pollable as ``cancelled``, the lifecycle's state, but holding nothing);
- ``usage_bytes``: the bytes of those files (OpenAI: "the total number of bytes used by the files");
- ``status``: ipop "rolls to `completed` when every attachment reaches a terminal state": the
  attachment lifecycle's initial word while one is still ingesting, its succeeded word once none is
  (a new store holds none). A status the mock never sets (``expired``) stays.

A new store starts from them too (its create answers it). A deleted store "drops attachment rows":
its rows' tasks go with it. A store that is not there (deleted, or an id that is none of a known
collection's items) answers its documented 404 on the routes under it (``gone``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gatewright.mock.attachments import Attachments
from gatewright.mock.extensions import MockCall, OperationHook, TaskStarter
from gatewright.mock.fit import Edits
from gatewright.mock.negotiation import json_schema
from gatewright.mock.operations import MockOperation
from gatewright.mock.outcome import web_response
from gatewright.mock.stateful import handle_resource
from gatewright.mock.tasks.index import Lifecycle
from gatewright.mock.tasks.responses import json_response
from gatewright.spec.pointer import resolve
from gatewright.spec.tasks import Phase

__all__ = ["StoreItems"]

COUNT_FIELD = "file_count"  # ipop's vector store: how many files are attached
BYTES_FIELD = "usage_bytes"
STATUS_FIELD = "status"
_KEPT_STATUSES = frozenset({"expired"})  # set by a sweeper the mock does not run: never rolled back


@dataclass(frozen=True, slots=True)
class StoreItems:
    """The derived fields of one API's vector stores (see the module docstring)."""

    tasks: TaskStarter
    attached: Attachments
    lifecycle: Lifecycle  # the attachment lifecycle: its status words
    collection: str  # the stores' collection path (``/v1/vector_stores``)
    item_path: str  # a store's own path (``/v1/vector_stores/{vector_store_id}``): its read's

    @classmethod
    def of(cls, tasks: TaskStarter, attached: Attachments, lifecycle: Lifecycle) -> StoreItems:
        item = lifecycle.create.operation.template.path.removesuffix("/files")
        return cls(tasks, attached, lifecycle, item.rsplit("/", 1)[0], item)

    def gone(self, call: MockCall, store_id: str) -> bool:
        """The store is not there: deleted, or none of the items of a collection the mock knows."""
        key = f"{call.api.name}:{self.collection}"
        store = call.store
        return store.was_deleted(key, store_id) or (store.known(key) and store.get(key, store_id) is None)

    def bind(self, operation: MockOperation) -> OperationHook | None:
        """The hook of a route of the stores themselves (create, read, update, delete, list)."""
        role = operation.resource
        if role is None or role.collection != self.collection:
            return None
        if role.role == "create":
            return self._create_hook()

        async def refreshed(call: MockCall) -> None:
            if call.decision.status >= 300:
                return
            store_id = call.path_params.get(role.id_param or "")
            if store_id is None:  # the list: every store something was attached to
                for api, touched in list(self.attached.rows):
                    if api == call.api.name:
                        self.refresh(call, touched)
            elif role.role == "delete":
                for row_id in self.attached.forget(call.api.name, store_id):
                    self.tasks.engine.delete(call.api.name, row_id)
            else:
                self.refresh(call, store_id)
            # (None: the stored item answers, as it now stands)

        return refreshed

    def refresh(self, call: MockCall, store_id: str) -> None:
        """Write the store's derived fields into its stored item (those it has)."""
        key = f"{call.api.name}:{self.collection}"
        stored = call.store.get(key, store_id)
        if stored is None:
            return
        changes = {  # only what moved: a read writes nothing (nor publishes to the replicas' ledger)
            name: value
            for name, value in self.derived(call, store_id, stored).items()
            if name in stored and stored[name] != value
        }
        if changes:
            call.store.update(key, store_id, changes, budgeted=False)  # (the mock's own count)

    def derived(self, call: MockCall, store_id: str, stored: Mapping[str, Any]) -> dict[str, Any]:
        """``file_count``, ``usage_bytes`` and ``status`` as the store's attachments stand now."""
        engine, blobs = self.tasks.engine, call.store.blobs
        rows = {  # a row whose ingestion a detach cancelled holds nothing (it stays pollable, cancelled)
            file_id: task
            for file_id, row_id in self.attached.of(call.api.name, store_id).items()
            if (task := engine.get(call.api.name, row_id)) is not None and task.phase is not Phase.CANCELLED
        }
        ingesting = any(not task.terminal for task in rows.values())
        states = self.lifecycle.spec.states
        words = states["initial"] if ingesting else states["succeeded"]
        derived: dict[str, Any] = {
            COUNT_FIELD: len(rows),
            BYTES_FIELD: sum(len(blob.data) for f in rows if (blob := blobs.get(f)) is not None),
        }
        if words and stored.get(STATUS_FIELD) not in _KEPT_STATUSES:
            derived[STATUS_FIELD] = words[0]
        return derived

    def answer_store(self, call: MockCall, store_id: str) -> web.StreamResponse | None:
        """The stored store, its derived fields refreshed, as its read answers it, for a route that
        answers the store itself (ipop's ``reindex``); None for a store the mock does not hold (the
        spec's own body answers)."""
        read = call.api.read_at(self.item_path)
        role = read.resource if read is not None else None
        if role is None or call.store.get(f"{call.api.name}:{self.collection}", store_id) is None:
            return None
        self.refresh(call, store_id)
        answer = handle_resource(
            call.api,
            call.operation,
            role,
            call.decision,
            params={**call.path_params, role.id_param or "": store_id},
            body=None,
            store=call.store,
            query={},
        )
        return None if answer is None else web_response(answer, call.headers)

    def _create_hook(self) -> OperationHook:
        """A new store answers as the store's routes will: nothing attached yet."""

        async def create(call: MockCall) -> Any:
            op, decision = call.operation, call.decision
            pointer = json_schema(decision)
            role = op.resource
            if decision.status >= 300 or pointer is None or role is None:
                return None
            query = call.request.query
            made = handle_resource(
                call.api,
                op,
                role,
                decision,
                params=call.path_params,
                body=call.body,
                store=call.store,
                query=query,
            )
            if made is None or made.status >= 300:
                return None if made is None else web_response(made, call.headers)
            body = json.loads(made.body)
            try:
                store_id = str(resolve(body, role.id_pointer or "/id"))
            except KeyError:
                return web_response(made, call.headers)
            self.refresh(call, store_id)
            edits = Edits(body, lambda value: call.api.schemas.is_valid(pointer, value, formats=True))
            for name, value in self.derived(call, store_id, body).items():
                if name in body:
                    edits.set((name,), value)
            return json_response(call.api, op, decision, edits.body)

        return create
