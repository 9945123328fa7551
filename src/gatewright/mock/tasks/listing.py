"""Which list operations show which tasks, and which tasks one list request asks for.

A lifecycle's list is found from the spec, not from a table: ``GET`` on its poll
route's collection (``/v1/jobs`` for ``GET /v1/jobs/{job_id}``) or on its create
path (``/v1/videos``). Lifecycles that share a poll operation are one kind of
task (beatra's four creates all poll ``/v1/tasks/{task_id}``), so each of their
lists shows all of them. A list may also show another lifecycle's tasks when a query parameter has a
value (``x-gatewright-list-shows``, a ``list_shows`` statement: voxvey's video list with
``provider=byte``): ``Shows`` says which, and which creates one request's tasks come from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gatewright.mock.operations import MockApi
from gatewright.mock.paging import Expand, ListPage, cursor_page
from gatewright.mock.tasks.engine import TaskEngine
from gatewright.mock.tasks.models import Task
from gatewright.spec.model import LIST_SHOWS_EXTENSION
from gatewright.spec.pointer import split

__all__ = ["ItemOf", "ListQuery", "Shows", "list_operations", "shown_lists"]

ItemOf = Callable[[Task], Mapping[str, Any] | None]  # a task as its list shows it


def list_operations(api: MockApi, creates: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """list operationId -> the create operationIds whose tasks it shows."""
    families: dict[str, set[str]] = {}  # poll operationId -> create operationIds
    paths: dict[str, set[str]] = {}  # candidate list path -> poll operationIds
    for create_id in creates:
        create = api.operations[create_id]
        spec = create.task
        if spec is None or spec.poll not in api.operations:
            continue
        families.setdefault(spec.poll, set()).add(create_id)
        item = api.operations[spec.poll].operation.template.item
        candidates = {create.operation.template.path}
        if item is not None:
            candidates.add(item[0])
        for path in candidates:
            paths.setdefault(path, set()).add(spec.poll)
    found: dict[str, tuple[str, ...]] = {}
    for op in api.operations.values():
        polls = paths.get(op.operation.template.path)
        if op.operation.method != "GET" or polls is None or op.task is not None:
            continue
        if op.operation_id in families:  # a poll route is never a list
            continue
        found[op.operation_id] = tuple(sorted(c for poll in polls for c in families[poll]))
    return found


@dataclass(frozen=True, slots=True)
class Shows:
    """What one list shows: its own tasks (``creates``), or, where the request gives one of its
    ``parameters`` a value in ``when``, the tasks of the creates named there instead."""

    creates: tuple[str, ...]
    when: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (parameter, value, create operationIds)

    @property
    def parameters(self) -> frozenset[str]:
        """The query parameters that choose the tasks: they filter nothing."""
        return frozenset(parameter for parameter, _, _ in self.when)

    @property
    def every(self) -> tuple[str, ...]:
        """Every create whose tasks this list may show, for any request."""
        return tuple(dict.fromkeys([*self.creates, *(c for _, _, shown in self.when for c in shown)]))

    def chosen(self, query: Mapping[str, str]) -> tuple[str, ...]:
        """The creates whose tasks ``query`` asks for: the first value it gives that selects others,
        else the list's own."""
        return next((shown for name, value, shown in self.when if query.get(name) == value), self.creates)


def shown_lists(api: MockApi, creates: Iterable[str]) -> dict[str, Shows]:
    """list operationId -> what it shows: ``list_operations`` and each list's ``x-gatewright-list-shows``
    (``{parameter: {value: poll operationId}}``: the tasks of the creates polled there)."""
    polled: dict[str, list[str]] = {}
    for create_id in creates:
        spec = api.operations[create_id].task
        if spec is not None:
            polled.setdefault(spec.poll, []).append(create_id)
    found = {list_id: Shows(shown) for list_id, shown in list_operations(api, creates).items()}
    for op in api.operations.values():
        stated = op.operation.definition.get(LIST_SHOWS_EXTENSION)
        if op.operation.method != "GET" or not isinstance(stated, Mapping):
            continue
        when = tuple(
            (parameter, value, tuple(sorted(polled[poll])))
            for parameter, values in stated.items()
            if isinstance(values, Mapping)
            for value, poll in values.items()
            if poll in polled
        )
        if when:
            found[op.operation_id] = Shows(found.get(op.operation_id, Shows(())).creates, when)
    return found


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One list request: its path parameters and the page it asks for (``mock.paging.ListPage``: the
    filters, time bounds, order, cursor and page size its operation declares, and ``after``, the cursor
    an SDK pages by), read against each task as the list shows it.

    Without a ``limit`` in the request the page size is the one the spec documents as the
    parameter's default (``default_limit``); a list is never all tasks unless neither says.
    """

    path_params: Mapping[str, str]
    asks: ListPage = field(default_factory=ListPage)
    status_name: str = "status"  # the item field holding the task's status word

    @classmethod
    def parse(
        cls,
        path_params: Mapping[str, str],
        query: Mapping[str, str],
        declared: Sequence[str],
        status_pointer: str,
        default_limit: Any = None,
        *,
        default_order: Any = None,
        expand: Expand | None = None,
    ) -> ListQuery:
        tokens = split(status_pointer)
        page = ListPage.of(query, declared, default_limit, expand, default_order)
        return cls(path_params, page, tokens[-1] if tokens else "status")

    def matches(self, task: Task, item_of: ItemOf | None = None) -> bool:
        """Whether ``task`` belongs in this list (same parent resource, passing the page's filters; a
        filter on a field its item lacks filters nothing, as on the stored lists)."""
        if not self._in_scope(task):
            return False
        asks = self.asks
        if not asks.filters and not asks.bounds:
            return True
        view: dict[str, Any] = {self.status_name: task.status, "created_at": task.created_at}
        wanted = {name for name, _ in asks.filters} | {f"{stem}_at" for stem, _, _ in asks.bounds}
        if item_of is not None and not wanted <= view.keys():  # (a body is rendered only when read)
            view = {**(item_of(task) or {}), **view}
        return asks.accepts(view, frozenset(view))

    def page(
        self, engine: TaskEngine, api: str, operation_ids: Sequence[str], item_of: ItemOf | None = None
    ) -> tuple[list[Task], bool]:
        """One page from ``engine`` and whether more remain. Oldest first it visits about ``limit``
        tasks, not all; newest first (``order=desc``) it reads every task that passes, turned round."""
        limit = self.asks.limit

        def where(task: Task) -> bool:
            return self.matches(task, item_of)

        if self.asks.descending:
            passing = engine.list_tasks(api, operation_ids, where=where)[::-1]
            return cursor_page(passing, after=self.asks.after, limit=limit, key=lambda task: (task.id,))
        fetch = None if limit is None else limit + 1
        chosen = engine.list_tasks(api, operation_ids, where=self._after_cursor(where), limit=fetch)
        if limit is not None and len(chosen) > limit:
            return chosen[:limit], True
        return chosen, False

    def _after_cursor(self, where: Callable[[Task], bool]) -> Callable[[Task], bool]:
        """``where``, from the task after the cursor on (the engine shows tasks oldest first, each
        once; an id no task has gives an empty page, so a client paging by it stops)."""
        if self.asks.after is None:
            return where
        passed = False

        def after_cursor(task: Task) -> bool:
            nonlocal passed
            if not passed:
                passed = task.id == self.asks.after
                return False
            return where(task)

        return after_cursor

    def _in_scope(self, task: Task) -> bool:
        created_under = task.context.get("path_params")
        if not isinstance(created_under, Mapping):
            return True
        return all(created_under.get(name, value) == value for name, value in self.path_params.items())
