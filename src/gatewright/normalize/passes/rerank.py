"""``x-gatewright-rerank`` on the operations a ``rerank`` statement names: the prose says the answer ranks
the request's ``documents`` against its ``query`` (each result the document's index and a relevance score),
which no schema says; without the statement the mock answers such a route with a generated list.

The statement names only where the results are (``{results: /output/results}``); the pass reads the rest
from the operation's schemas, so the mock needs no look of its own: whether a result's ``document`` is a
string or an object holding it in ``text`` (or is not declared), and where the answer's usage states its
tokens (``usage.total_tokens``), if it does. A request that declares no ``query`` or ``documents``, or
results that do not declare ``index`` and ``relevance_score``, refuse the statement: the vocabulary is the
one rerank APIs share (Cohere's, Jina's, empiriolabs').
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.lifecycle_model import ApiLifecycles, Behaviour
from gatewright.normalize.passes.base import Document
from gatewright.normalize.passes.behaviours import (
    Resolve,
    extend_operation,
    quoted,
    refused,
    request_declaring,
)
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import OperationRef, success_bodies
from gatewright.spec.model import RERANK_EXTENSION
from gatewright.spec.schemas import locate, properties, types

__all__ = ["REQUEST_FIELDS", "RESULT_FIELDS", "declare_rerank"]

REQUEST_FIELDS = (
    "query",
    "documents",
)  # what a rerank request must declare (``top_n``, ``return_documents`` optional)
RESULT_FIELDS = ("index", "relevance_score")  # what each result must declare
USAGE = "/usage/total_tokens"


def declare_rerank(document: Document, declared: ApiLifecycles, resolve: Resolve, log: RepairLog) -> None:
    """``x-gatewright-rerank: {"results", "document", "usage"}`` on every operation a ``rerank`` statement
    names (``document``: ``"string"``, ``"object"`` (``{"text": ...}``) or absent where results declare no
    document; ``usage``: the pointer of the tokens billed, absent where the answer declares none)."""
    for behaviour in declared.statements("rerank"):
        for name in behaviour.operations:
            operation = resolve(name)
            request_declaring(document, declared, behaviour, operation, name, fields=REQUEST_FIELDS)
            wanted = _answer_shape(document, declared, behaviour, operation, name)
            change = "declared that the answer ranks the request's documents against its query"
            extend_operation(operation, RERANK_EXTENSION, wanted, log, change=change, why=quoted(behaviour))


def _answer_shape(
    document: Document, declared: ApiLifecycles, behaviour: Behaviour, operation: OperationRef, name: str
) -> dict[str, Any]:
    """What the first 2xx JSON answer declares at the statement's ``results``: the extension's value."""
    results: str = behaviour.value
    bodies = success_bodies(document, operation)
    if not bodies:
        raise refused(declared, behaviour, f"{name} answers no 2xx JSON body")
    _, where, body = bodies[0]
    found = locate(document, body, where, results)
    if found is None or "array" not in types(document, found[1]):
        raise refused(declared, behaviour, f"the 2xx JSON answer of {name} declares no array at {results}")
    item = locate(document, body, where, f"{results}/0")
    declares = properties(document, item[1]) if item is not None else {}
    missing = [field for field in RESULT_FIELDS if field not in declares]
    if missing:
        raise refused(declared, behaviour, f"the results of {name} declare no {missing[0]}")
    wanted: dict[str, Any] = {"results": results}
    held = locate(document, body, where, f"{results}/0/document")
    if held is not None:
        kinds = types(document, held[1])
        if "object" in kinds and "text" in properties(document, held[1]):
            wanted["document"] = "object"
        elif "string" in kinds:
            wanted["document"] = "string"
    if locate(document, body, where, USAGE) is not None:
        wanted["usage"] = USAGE
    return wanted
