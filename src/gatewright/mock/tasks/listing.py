"""Which list operations show which tasks, and which tasks one list request asks for.

A lifecycle's list is found from the spec, not from a table: ``GET`` on its poll
route's collection (``/v1/jobs`` for ``GET /v1/jobs/{job_id}``) or on its create
path (``/v1/videos``). Lifecycles that share a poll operation are one kind of
task (beatra's four creates all poll ``/v1/tasks/{task_id}``), so each of their
lists shows all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gatewright.mock.operations import MockApi
from gatewright.mock.paging import page_size
from gatewright.mock.tasks.engine import TaskEngine
from gatewright.mock.tasks.models import Task
from gatewright.spec.pointer import split

__all__ = ["ListQuery", "list_operations"]


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
class ListQuery:
    """One list request: its path parameters, a status filter and a page size, where the op declares
    them, and the cursor an SDK pages by (``after``: the last task id it has; ``mock.paging``).

    Without a ``limit`` in the request the page size is the one the spec documents as the
    parameter's default (``default_limit``); a list is never all tasks unless neither says.
    """

    path_params: Mapping[str, str]
    status: str | None = None
    limit: int | None = None
    after: str | None = None

    @classmethod
    def parse(
        cls,
        path_params: Mapping[str, str],
        query: Mapping[str, str],
        declared: Sequence[str],
        status_pointer: str,
        default_limit: Any = None,
    ) -> ListQuery:
        tokens = split(status_pointer)
        status_name = tokens[-1] if tokens else "status"
        status = query.get(status_name) if status_name in declared else None
        limit = page_size(query, declared, default_limit)
        return cls(path_params, status or None, limit, query.get("after") or None)

    def matches(self, task: Task) -> bool:
        """Whether ``task`` belongs in this list (same parent resource, matching status)."""
        return self._in_scope(task) and (self.status is None or task.status == self.status)

    def page(self, engine: TaskEngine, api: str, operation_ids: Sequence[str]) -> tuple[list[Task], bool]:
        """One page from ``engine`` and whether more remain; visits about ``limit`` tasks, not all."""
        fetch = None if self.limit is None else self.limit + 1
        chosen = engine.list_tasks(api, operation_ids, where=self._where(), limit=fetch)
        if self.limit is not None and len(chosen) > self.limit:
            return chosen[: self.limit], True
        return chosen, False

    def _where(self) -> Callable[[Task], bool]:
        """``matches``, from the task after the cursor on (the engine shows tasks oldest first, each
        once; an id no task has gives an empty page, so a client paging by it stops)."""
        if self.after is None:
            return self.matches
        passed = False

        def after_cursor(task: Task) -> bool:
            nonlocal passed
            if not passed:
                passed = task.id == self.after
                return False
            return self.matches(task)

        return after_cursor

    def _in_scope(self, task: Task) -> bool:
        created_under = task.context.get("path_params")
        if not isinstance(created_under, Mapping):
            return True
        return all(created_under.get(name, value) == value for name, value in self.path_params.items())
