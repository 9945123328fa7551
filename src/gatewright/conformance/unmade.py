"""A create refused for what it names: the ids a generated request carries that nobody made.

verify's lifecycle phase starts each task from a generated (or documented example) request, and
makes nothing first but the files the spec states a purpose for (``made_files.py``) and the top-level
parents its path names that it can delete again (``made_parents.py``): a create whose path names another
parent (ipop's ``/v1/projects/{project_id}/jobs/{job_id}/runs``) or whose body names another resource
(``file_id``, ``input_file_id``) names ids no one made. A gateway
that answers such a create with the 404 the operation documents is right, as any gateway would be, and
the lifecycle cannot be driven; verify skips it, saying which ids. Only then: a 404 the operation
does not document, or one to a create that names no ids (nothing to be missing), stays a finding.

Where the spec states the purpose the files a request names must have been uploaded with
(``x-gatewright-file-purpose``: ipop's batch input, "uploaded via POST /v1/files with purpose=batch"), a
generated id names no such file, and the operation's documented refusal of it (400 or 404) is the gateway
keeping the contract (``refused_file``): schemathesis's ``positive_data_acceptance`` does not count it
against the gateway (``fairness.py``), and where verify could not make the file (``made_files.py``:
no upload operation, no route for a batch's lines) the lifecycle is skipped alike. A field that names
a file verify uploaded for its purpose is made: refusing it is no such refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatewright.spec import Operation
from gatewright.spec.model import FILE_PURPOSE_EXTENSION

__all__ = ["named_ids", "not_there", "refused_file"]

NOT_FOUND = 404
BAD_REQUEST = 400
ID_SUFFIX = "_id"


def named_ids(case: Any, made: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The ids a create request names that verify did not make: its path parameters, and the top-level
    body fields named ``…_id`` that carry a string (less the ``made`` ones: the parents verify created,
    the files it uploaded)."""
    path = tuple(str(name) for name in (getattr(case, "path_parameters", None) or {}) if name not in made)
    body = getattr(case, "body", None)
    fields = (
        tuple(
            str(name)
            for name, value in body.items()
            if str(name).endswith(ID_SUFFIX) and isinstance(value, str) and value and name not in made
        )
        if isinstance(body, Mapping)
        else ()
    )
    return path + tuple(name for name in fields if name not in path)


def not_there(
    status: int | None,
    operation: Operation,
    case: Any,
    *,
    made: frozenset[str] = frozenset(),
    unmade: str | None = None,
) -> str | None:
    """Why a create's answer skips its lifecycle (its documented 404 to a request naming ids nobody
    made, else ``refused_file`` of the files verify did not make, ``unmade`` saying why), or None."""
    documented = operation.definition.get("responses", {})
    names = named_ids(case, made)
    if status != NOT_FOUND or not ({str(NOT_FOUND), "4XX"} & set(documented)) or not names:
        body = getattr(case, "body", None)
        return refused_file(status, operation.definition, body, made=made, unmade=unmade)
    return (
        f"the create answered its documented 404: what the request names ({', '.join(names)}) "
        "was not made, and verify makes nothing before a lifecycle but the files it states a purpose for "
        "and the top-level parents it can create and delete again"
    )


def refused_file(
    status: int | None,
    definition: Mapping[str, Any],
    body: Any,
    *,
    made: frozenset[str] = frozenset(),
    unmade: str | None = None,
) -> str | None:
    """Why a documented 400 or 404 to a request that names files the operation states a purpose for
    (``x-gatewright-file-purpose``) is no finding, or None: it is not such a refusal. Fields in ``made``
    name files verify uploaded for their purpose (no excuse); ``unmade`` says why it made no others."""
    stated = definition.get(FILE_PURPOSE_EXTENSION)
    documented = definition.get("responses", {})
    if (
        status not in (BAD_REQUEST, NOT_FOUND)
        or not ({str(status), "4XX"} & set(documented if isinstance(documented, Mapping) else ()))
        or not isinstance(stated, Mapping)
        or not isinstance(body, Mapping)
    ):
        return None
    named = [
        f"{field} (purpose {purpose})"
        for field, purpose in stated.items()
        if isinstance(body.get(field), str) and field not in made
    ]
    if not named:
        return None
    return (
        f"the create answered its documented {status}: the files it names ({', '.join(named)}) must be "
        f"ones uploaded for that purpose, and verify could not make them ({unmade or 'generated ids'})"
    )
