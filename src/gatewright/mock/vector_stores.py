"""Vector stores hold the files attached to them, and their search reads those files' text.

An attachment is a task create (``x-gatewright-task``) on ``POST {store}/files`` whose request
names an uploaded file (``file_id``); its lifecycle is the file's ingestion. The hooks here run
before the task hooks:

- attach: a file the mock holds (``mock.blobs``) becomes a row of that store, a task whose bodies
  state the file, the store (the field named like the store's path parameter), the bytes and the
  chunk count (``facts``); attaching it again answers the same row (OpenAI and ipop: idempotent);
  a file that is not there (deleted, or never given: ``uploaded_files.named_upload``) or a store
  that is not there is refused in the API's envelope (its documented 404), and nothing is kept; where
  the spec states the purpose an attached file was uploaded with (``x-gatewright-file-purpose``: ipop's
  ``purpose=assistants``), a file of another purpose is refused (``uploaded_files.purpose_refusal``, as
  ``mock.file_purposes`` refuses it elsewhere) once the store is found: a missing store is its 404 first;
- retrieve and delete name a row by store and file: the row's task answers (tasks are keyed by id
  alone, so the route's file id is translated to the row's task id), a file not attached there is a
  404; lists are the task lists, scoped to the store by its path parameter;
- search (``POST {store}/search`` with a ``query``) scores the chunks (non-blank lines, at most
  ``CHUNK_WORDS`` words each) of the store's ingested files by the share of the query's distinct
  words they contain (0..1, ``mock.relevance``), best first, and answers them in the search
  answer's list shape;
- the store's own routes state what is attached to it (``file_count``, ``usage_bytes``, ``status``:
  ``mock.vector_store_items``);
- a route under a store that answers the store itself (ipop's ``reindex``, found by its answer's
  schema: ``upload_targets.item_owner``) answers the stored store as its read does;
- every route under a store that is not there (deleted, or never made: ``StoreItems.gone``) answers
  its documented 404: those above, and any other under the store's path (ipop's ``reindex``, which
  answered a generated store), found by the path, not named.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock.attachments import Attachments
from gatewright.mock.extensions import MockCall, OperationHook, TaskStarter
from gatewright.mock.fit import fit
from gatewright.mock.fit import replace as replaced
from gatewright.mock.negotiation import json_schema
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome, error_response, web_response
from gatewright.mock.relevance import share
from gatewright.mock.render import render
from gatewright.mock.resource_bodies import render_list
from gatewright.mock.scalars import digest_id
from gatewright.mock.tasks.facts import FactsRef
from gatewright.mock.tasks.index import Lifecycle
from gatewright.mock.tasks.models import Task
from gatewright.mock.tasks.responses import json_response
from gatewright.mock.tasks.wants import wants_task
from gatewright.mock.upload_targets import item_owner
from gatewright.mock.uploaded_files import named_upload, purpose_refusal, refused_upload
from gatewright.mock.vector_store_items import StoreItems
from gatewright.spec.tasks import Phase

if TYPE_CHECKING:
    from gatewright.mock.shared_values import Shared

__all__ = ["VectorStoreExtension", "chunks"]

FILE_FIELD = "file_id"
QUERY_FIELD = "query"
LIMIT_FIELD = "max_num_results"
FACTS = "vector_store_file"  # the name an attachment's facts are registered under (``tasks.facts``)
DEFAULT_RESULTS = 10  # OpenAI's and ipop's default page of hits
CHUNK_WORDS = 100  # words in a chunk at most (a longer line is several chunks)

Answered = web.StreamResponse | JsonOutcome | None


def chunks(text: str) -> list[str]:
    """The searchable pieces of a file: its non-blank lines, long ones cut every ``CHUNK_WORDS`` words."""
    found: list[str] = []
    for line in text.splitlines():
        words = line.split()
        found.extend(" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS))
    return found


@dataclass(frozen=True, slots=True)
class _Routes:
    """One API's attachment lifecycle: the create, the parameter naming the store, and search."""

    lifecycle: Lifecycle
    store_param: str  # the attach path's last parameter (``vector_store_id``)
    file_param: str  # the poll path's last parameter (``file_id``)
    items: StoreItems  # the stores' own routes


class VectorStoreExtension:
    """Binds attachment creates, their retrieve and delete, and search (see the module docstring)."""

    name = "vector_stores"
    repeatable = False  # answers depend on what was attached

    def __init__(self, tasks: TaskStarter) -> None:
        self.tasks = tasks
        self.attached = Attachments()
        self.rows_made = 0  # salts row ids: a file attached again after a cancel is a new row
        tasks.register_facts(FACTS, _row_facts)
        self._routes: dict[str, list[_Routes]] = {}  # api -> its attachment lifecycles

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        routes = self._routes.get(api.name)
        if routes is None:
            routes = self._routes[api.name] = self._find(api)
        if routes and _deletes_a_file(operation, routes):
            return self._forget_hook(routes)
        for found in routes:
            lifecycle = found.lifecycle
            spec = lifecycle.spec
            if operation.operation_id == lifecycle.create.operation_id:
                return self._attach_hook(found)
            if operation.operation_id in (spec.poll, spec.cancel):
                return self._row_hook(found, operation)
            if (hook := found.items.bind(operation)) is not None:
                return hook
            store_path = lifecycle.create.operation.template.path.removesuffix("/files")
            path = operation.operation.template.path
            if (
                operation.operation.method == "POST"
                and path == f"{store_path}/search"
                and QUERY_FIELD in api.request_fields(operation)
            ):
                return self._search_hook(found)
            if path.startswith(f"{store_path}/"):  # the file list, reindex, ...: nothing else of its own
                owner = item_owner(api, operation)
                answers_store = owner is not None and owner.collection == found.items.collection
                return self._under_store_hook(found, answers_store=answers_store)
        return None

    def reset(self) -> None:
        self.attached.rows.clear()
        self.rows_made = 0

    def shared_stores(self) -> list[Shared]:
        """What replicas share (``mock.shared``): which file each store's rows hold."""
        return [self.attached]

    def snapshot(self) -> dict[str, Any]:
        return {"attached": sum(len(files) for files in self.attached.rows.values())}

    def _find(self, api: MockApi) -> list[_Routes]:
        """Task creates on ``POST .../{store}/files`` that take a ``file_id`` and poll ``.../{file}``."""
        self.tasks.index.add(api)
        found = []
        for (name, _), lifecycle in self.tasks.index.creates.items():
            create = lifecycle.create.operation
            poll = api.operations.get(lifecycle.spec.poll)
            if (
                name != api.name
                or create.method != "POST"
                or not create.template.path.endswith("/files")
                or not create.template.names
                or poll is None
                or FILE_FIELD not in api.request_fields(lifecycle.create)
            ):
                continue
            poll_names = poll.operation.template.names
            if len(poll_names) > len(create.template.names):
                items = StoreItems.of(self.tasks, self.attached, lifecycle)
                found.append(_Routes(lifecycle, create.template.names[-1], poll_names[-1], items))
        return found

    # --- hooks -----------------------------------------------------------------------------------

    def _attach_hook(self, routes: _Routes) -> OperationHook:
        lifecycle = routes.lifecycle

        async def attach(call: MockCall) -> Answered:
            if call.decision.status >= 300 or not wants_task(lifecycle.spec, call):
                return None
            api, op = call.api, call.operation
            store_id = call.path_params.get(routes.store_param, "")
            if routes.items.gone(call, store_id):
                return _no_store(call, store_id)
            for field, purpose in op.file_purposes:  # the store is there: now whether the file may be named
                refusal = purpose_refusal(call, field, purpose)
                if refusal is not None:
                    return refusal
            blob = named_upload(call, FILE_FIELD)
            file_id = str(call.body.get(FILE_FIELD)) if isinstance(call.body, Mapping) else ""
            if blob is None:
                return refused_upload(call, FILE_FIELD, f"No such file: '{file_id}'.")
            if isinstance(blob, web.Response):
                return blob
            rows = self.attached.of(api.name, store_id)
            existing = self.tasks.engine.get(api.name, rows.get(file_id, ""))
            if existing is not None and existing.phase is not Phase.CANCELLED:  # attached before: that row
                body = self.tasks.bodies.render(
                    api, existing, lifecycle.spec, call.decision, salt=f"create-{existing.id}"
                )
                return None if body is None else json_response(api, op, call.decision, body)
            pieces = chunks(blob.data.decode("utf-8", errors="replace"))
            facts = {
                FILE_FIELD: file_id,
                routes.store_param: store_id,
                "bytes": len(blob.data),
                "chunk_count": len(pieces),
            }
            self.rows_made += 1
            replica = self.tasks.engine.replica  # replicas number their rows apart (``mock.shared``)
            made = self.rows_made if replica == "0" else f"{replica}.{self.rows_made}"
            row_id = f"{lifecycle.id_prefix}{digest_id(f'{api.name}/{store_id}/{file_id}/{made}')}"
            answer = self.tasks.hooks.start(
                lifecycle, call, task_id=row_id, results=(), facts=FactsRef(FACTS, facts)
            )
            if answer is not None:
                self.attached.attach(api.name, store_id, file_id, row_id)
                routes.items.refresh(call, store_id)
            return answer

        return attach

    def _row_hook(self, routes: _Routes, operation: MockOperation) -> OperationHook:
        """Retrieve or delete the row a route names by (store, file): the row's task answers."""
        engine, index, hooks = self.tasks.engine, self.tasks.index, self.tasks.hooks
        key = (routes.lifecycle.api.name, operation.operation_id)
        delegate = (
            hooks.poll_hook(index.polls[key])
            if operation.operation_id == routes.lifecycle.spec.poll
            else hooks.cancel_hook(index.cancels[key])
        )

        async def row(call: MockCall) -> Answered:
            store_id = call.path_params.get(routes.store_param, "")
            file_id = call.path_params.get(routes.file_param, "")
            if routes.items.gone(call, store_id) and call.decision.status < 300:
                return _no_store(call, store_id)
            rows = self.attached.of(call.api.name, store_id)
            row_id = rows.get(file_id)
            if row_id is None:  # never attached here, or detached since
                if not rows and not self.attached.touched(call.api.name, store_id):
                    return None  # a store nobody attached to: its fixtures answer, as its list shows them
                if call.decision.status >= 300 or not call.operation.documents(404):
                    return None
                return error_response(call.api, call.operation, 404, f"No file '{file_id}' in '{store_id}'.")
            answer = await delegate(
                replace(call, path_params={**call.path_params, routes.file_param: row_id})
            )
            if engine.get(call.api.name, row_id) is None:  # deleted (or expired): detached
                self.attached.detach(call.api.name, store_id, file_id)
            routes.items.refresh(call, store_id)
            if answer is None and call.decision.status < 300:  # a route without a body (DELETE: 204)
                return web_response(render(call.api, call.operation, call.decision, call.body), call.headers)
            return answer

        return row

    def _under_store_hook(self, routes: _Routes, *, answers_store: bool) -> OperationHook:
        """A route under a store that has no hook of its own here (the store's file list, ipop's
        ``reindex``): a 404 where the store is not there; a route that answers the store itself
        (``answers_store``: reindex "returns the post-reindex store object") answers the stored store
        as its read does (it answered a generated stranger); else what answers it (the task list, the
        spec's own body)."""

        async def under_store(call: MockCall) -> Answered:
            store_id = call.path_params.get(routes.store_param, "")
            if call.decision.status >= 300:
                return None
            if routes.items.gone(call, store_id):
                return _no_store(call, store_id)
            return routes.items.answer_store(call, store_id) if answers_store else None

        return under_store

    def _forget_hook(self, routes: list[_Routes]) -> OperationHook:
        """Deleting a file removes it from every store it is attached to (OpenAI: "Delete a file and
        remove it from all vector stores"); the file's own delete answers."""

        async def forget(call: MockCall) -> Answered:
            file_id = call.path_params.get(FILE_FIELD, "")
            if call.decision.status >= 300 or call.store.blobs.get(file_id) is None:
                return None
            for (api, store_id), files in list(self.attached.rows.items()):
                row_id = files.get(file_id) if api == call.api.name else None
                if row_id is not None:
                    self.tasks.engine.delete(api, row_id)
                    self.attached.detach(api, store_id, file_id)
                    for found in routes:
                        found.items.refresh(call, store_id)
            return None

        return forget

    def _search_hook(self, routes: _Routes) -> OperationHook:
        async def search(call: MockCall) -> Answered:
            if call.decision.status >= 300 or call.preferences.example is not None:
                return None
            api = call.api
            store_id = call.path_params.get(routes.store_param, "")
            if routes.items.gone(call, store_id):  # a deleted store has nothing to search
                return _no_store(call, store_id)
            rows = self.attached.of(api.name, store_id)
            if not rows and call.store.find(f"{api.name}:", store_id) is None:
                return None  # a store the mock knows nothing of: the generated answer
            request = call.body if isinstance(call.body, Mapping) else {}
            query = str(request.get(QUERY_FIELD) or "")
            limit = request.get(LIMIT_FIELD)
            limit = (
                limit
                if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0
                else DEFAULT_RESULTS
            )
            hits = sorted(self._hits(call, rows, query), key=lambda hit: -hit["score"])
            rendered = render_list(
                api, call.operation, call.decision, hits[:limit], has_more=len(hits) > limit
            )
            pointer = json_schema(call.decision)
            if rendered is None or pointer is None:
                return None
            body, _ = fit(
                json.loads(rendered.body),
                {"search_query": query},
                lambda value: api.schemas.is_valid(pointer, value, formats=True),
                merge=replaced,
            )
            return json_response(api, call.operation, call.decision, body)

        return search

    def _hits(self, call: MockCall, rows: Mapping[str, str], query: str) -> Iterator[dict[str, Any]]:
        """Every chunk of the store's ingested files that shares a word with ``query``."""
        for file_id, row_id in rows.items():
            task = self.tasks.engine.get(call.api.name, row_id)
            blob = call.store.blobs.get(file_id)
            if task is None or task.phase is not Phase.SUCCEEDED or blob is None:
                continue
            for index, text in enumerate(chunks(blob.data.decode("utf-8", errors="replace"))):
                value = share(query, text)
                if value > 0:
                    yield {
                        "file_id": file_id,
                        "filename": blob.filename,
                        "score": round(value, 4),
                        "content": [{"type": "text", "text": text}],
                        "chunk_id": f"chunk_{digest_id(f'{file_id}/{index}')}",
                    }


def _deletes_a_file(operation: MockOperation, routes: list[_Routes]) -> bool:
    """The delete of an uploaded file (``DELETE /v1/files/{file_id}``), not of a store's row."""
    role = operation.resource
    rows = {op for found in routes for op in (found.lifecycle.spec.poll, found.lifecycle.spec.cancel)}
    return (
        operation.operation.method == "DELETE"
        and role is not None
        and role.id_param == FILE_FIELD
        and operation.operation_id not in rows
    )


def _row_facts(facts: Mapping[str, Any], task: Task) -> Mapping[str, Any]:
    """A row states its file and store in every phase; its error only when ingestion failed
    (``tasks.facts``; ``facts`` as the attach hook gives them)."""
    failed = task.phase is Phase.FAILED and task.error is not None
    return {**facts, "last_error": task.error.message if failed and task.error is not None else None}


def _no_store(call: MockCall, store_id: str) -> Answered:
    """The refusal of a route under a vector store that is not there: its documented 404, else the
    spec's own answer."""
    if not call.operation.documents(404):
        return None
    return error_response(call.api, call.operation, 404, f"No vector store '{store_id}'.")
