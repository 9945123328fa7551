"""Rerank answers: the request's documents ranked against its query, deterministically.

An operation marked ``x-gatewright-rerank`` (normalize writes it from a ``rerank`` statement) answers with
each document's index and a relevance score in [0, 1], highest first, ``top_n`` of them (all when not
sent), each with its ``document`` only when ``return_documents`` is true, in the form the results declare
(a string, or ``{"text": ...}``). A score is what a RAG test can rely on without a model: the same
request always ranks the same way (as embeddings are the same per input), and a document that shares a
word with the query ranks above one that shares none. The share of the query's words a document holds
(``gatewright.mock.relevance``) sets the score, and a hash of (seed, model, query, document) orders
documents that hold the same share.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gatewright.mock.answers.text import count_tokens
from gatewright.mock.fit import write_at
from gatewright.mock.relevance import share
from gatewright.spec.pointer import split

__all__ = ["RerankShape", "relevance", "rerank_body"]

_NONE_SHARED = 0.1  # scores of documents sharing no word lie below this; those sharing one, above it


@dataclass(frozen=True, slots=True)
class RerankShape:
    """Where an answer holds what (the ``x-gatewright-rerank`` value, read once per operation)."""

    results: tuple[str, ...]  # the tokens of the pointer to the results array
    document: str | None  # "string", "object" (``{"text": ...}``) or None: results hold no document
    usage: tuple[str, ...] | None  # the tokens of the pointer to the tokens billed, None: none stated

    @classmethod
    def of(cls, extension: Any) -> RerankShape | None:
        """The shape an extension value declares; None for no value or a malformed one (nothing ranked)."""
        if not isinstance(extension, Mapping) or not isinstance(extension.get("results"), str):
            return None
        results = split(extension["results"])
        document = extension.get("document")
        usage = extension.get("usage")
        return (
            cls(
                tuple(results),
                document if document in ("string", "object") else None,
                tuple(split(usage)) if isinstance(usage, str) and usage.startswith("/") else None,
            )
            if results
            else None
        )


def relevance(query: str, document: str, model: str, seed: int | None = None) -> float:
    """The document's score for the query, in [0, 1]: above ``_NONE_SHARED`` exactly when it shares a
    word with the query, growing with the share of the query's words it holds."""
    digest = hashlib.sha256(f"{seed}|{model}|{query}|{document}".encode("utf-8", "surrogatepass")).digest()
    jitter = int.from_bytes(digest[:8], "big") / 2**64  # in [0, 1)
    shared = share(query, document)
    if not shared:
        return round(_NONE_SHARED * jitter * 0.99, 6)
    return round(_NONE_SHARED + 0.85 * shared + 0.05 * jitter, 6)


def rerank_body(
    shape: RerankShape, request: Mapping[str, Any], model: str, seed: int | None
) -> dict[str, Any]:
    """The answer's parts (results, and the tokens billed where the answer states them), to lay over the
    spec's own body: the documents ranked, highest score first (ties by index), cut at ``top_n``."""
    query = request.get("query") if isinstance(request.get("query"), str) else ""
    assert isinstance(query, str)
    sent = request.get("documents")
    documents = [d if isinstance(d, str) else "" for d in sent] if isinstance(sent, list) else []
    scored = sorted(
        ((relevance(query, text, model, seed), index) for index, text in enumerate(documents)),
        key=lambda pair: (-pair[0], pair[1]),
    )
    top_n = request.get("top_n")
    if isinstance(top_n, int) and not isinstance(top_n, bool) and top_n > 0:
        scored = scored[:top_n]
    with_documents = request.get("return_documents") is True and shape.document is not None
    results = []
    for score, index in scored:
        result: dict[str, Any] = {"index": index, "relevance_score": score}
        if with_documents:
            text = documents[index]
            result["document"] = {"text": text} if shape.document == "object" else text
        results.append(result)
    body: dict[str, Any] = {}
    write_at(body, shape.results, results)
    if shape.usage is not None:  # a cross-encoder reads the query beside each document
        write_at(body, shape.usage, sum(count_tokens(query) + count_tokens(text) for text in documents))
    return body
