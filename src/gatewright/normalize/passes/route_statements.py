"""What the prose says a route does with what it is sent: the files a request names, what a list shows.

Three behaviour statements of the lifecycle file (docs/lifecycles.md#behaviours), applied by
``declare_task_lifecycles`` after the others, each quote checked first like every statement's:

- ``file_purpose`` ``{field, purpose}``: the file a request names in ``field`` must be one uploaded with
  that purpose (ipop's batch create: "The input file must have been uploaded via POST /v1/files with
  purpose=batch."). The operation gains ``x-gatewright-file-purpose: {field: purpose}`` (statements about
  one operation add to one mapping); the mock refuses a request naming a file it does not hold, or one
  uploaded for another purpose, as OpenAI-compatible gateways do, where it started the job over nothing.
- ``list_order`` ``asc``/``desc``: the order a list's items come in where the request cannot ask one (ipop's
  vector store list "Returns the most recent vector stores"): ``x-gatewright-list-order``. A list that
  declares an ``order`` parameter is refused: that parameter's own default says it.
- ``list_shows`` ``{parameter, value, tasks}``: with that query value the list shows the tasks polled at
  ``tasks`` in place of its own (voxvey's video list "to provider-native tasks when `provider=byte` is
  supplied"): ``x-gatewright-list-shows: {parameter: {value: poll operationId}}``; the parameter's enum
  gained the value in ``prose_patterns``.
"""

from __future__ import annotations

from gatewright.normalize.lifecycle_model import ApiLifecycles, FilePurpose, ListShows
from gatewright.normalize.passes.base import Document
from gatewright.normalize.passes.behaviours import (
    Resolve,
    declares_parameter,
    extend_operation,
    quoted,
    refused,
    request_declaring,
)
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import FILE_PURPOSE_EXTENSION, LIST_ORDER_EXTENSION, LIST_SHOWS_EXTENSION
from gatewright.spec.pointer import escape

__all__ = ["declare_file_purposes", "declare_list_orders", "declare_list_shows"]


def declare_file_purposes(
    document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog
) -> None:
    """``x-gatewright-file-purpose`` on every operation a ``file_purpose`` statement names, whose JSON
    request body must declare the field at its top (where the mock reads the file's id)."""
    for behaviour in declared.statements("file_purpose"):
        stated: FilePurpose = behaviour.value
        for name in behaviour.operations:
            operation = resolve(name)
            request_declaring(document, declared, behaviour, operation, name, fields=(stated.field,))
            before = operation.definition.get(FILE_PURPOSE_EXTENSION)
            wanted = {**(before if isinstance(before, dict) else {}), stated.field: stated.purpose}
            change = (
                f"declared that the file `{stated.field}` names was uploaded with purpose {stated.purpose}"
            )
            extend_operation(
                operation, FILE_PURPOSE_EXTENSION, wanted, log, change=change, why=quoted(behaviour)
            )


def declare_list_orders(
    document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog
) -> None:
    """``x-gatewright-list-order`` on every list a ``list_order`` statement names: a GET that declares no
    ``order`` query parameter."""
    for behaviour in declared.statements("list_order"):
        for name in behaviour.operations:
            operation = resolve(name)
            if operation.method.upper() != "GET":
                raise refused(declared, behaviour, f"{name} is no list: a list is a GET")
            if declares_parameter(document, operation, "query", "order"):
                message = f"{name} declares an order parameter: state its default (parameter_default)"
                raise refused(declared, behaviour, message)
            before = operation.definition.get(LIST_ORDER_EXTENSION)
            if before == behaviour.value:
                continue
            operation.definition[LIST_ORDER_EXTENSION] = behaviour.value
            path = f"{operation.pointer}/{escape(LIST_ORDER_EXTENSION)}"
            change = "declared that the list comes " + (
                "newest first" if behaviour.value == "desc" else "oldest first"
            )
            log.add(path, change, quoted(behaviour), before=before, after=behaviour.value)


def declare_list_shows(document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog) -> None:
    """``x-gatewright-list-shows`` on every list a ``list_shows`` statement names: a GET declaring the query
    parameter; statements about one list add to one mapping."""
    for behaviour in declared.statements("list_shows"):
        shows: ListShows = behaviour.value
        poll = resolve(shows.tasks).definition.get("operationId")
        for name in behaviour.operations:
            operation = resolve(name)
            if operation.method.upper() != "GET":
                raise refused(declared, behaviour, f"{name} is no list: a list is a GET")
            if not declares_parameter(document, operation, "query", shows.parameter):
                raise refused(declared, behaviour, f"{name} declares no query parameter {shows.parameter}")
            before = operation.definition.get(LIST_SHOWS_EXTENSION)
            wanted = dict(before) if isinstance(before, dict) else {}
            wanted[shows.parameter] = {**wanted.get(shows.parameter, {}), shows.value: poll}
            asked = f"{shows.parameter}={shows.value}"
            change = f"declared that with {asked} the list shows the tasks {shows.tasks} polls"
            extend_operation(
                operation, LIST_SHOWS_EXTENSION, wanted, log, change=change, why=quoted(behaviour)
            )
