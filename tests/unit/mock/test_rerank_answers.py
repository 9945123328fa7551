"""``mock.answers.rerank``: the shape an ``x-gatewright-rerank`` value declares, and the ranked body."""

from __future__ import annotations

from typing import Any

import pytest

from gatewright.mock.answers.rerank import RerankShape, relevance, rerank_body

DOCUMENTS = ["alpha beta", "gamma delta", "Alphas everywhere"]


@pytest.mark.parametrize(
    "value",
    [None, "x", {}, {"results": 3}, {"results": ""}],
    ids=["none", "a string", "no results", "results not a pointer", "the root"],
)
def test_a_malformed_value_declares_no_shape(value: Any) -> None:
    assert RerankShape.of(value) is None


def test_a_string_document_is_the_text_itself_and_no_usage_is_stated_where_none_is_declared() -> None:
    shape = RerankShape.of({"results": "/results", "document": "string"})
    assert shape is not None
    request = {"query": "alpha", "documents": DOCUMENTS, "top_n": 2, "return_documents": True}
    body = rerank_body(shape, request, "m", seed=1)
    assert set(body) == {"results"}
    assert [(r["index"], r["document"]) for r in body["results"]] == [
        (0, "alpha beta"),
        (2, "Alphas everywhere"),
    ]


def test_an_unknown_document_form_is_never_sent() -> None:
    shape = RerankShape.of({"results": "/a/b", "document": "list", "usage": "/u/n"})
    assert shape is not None and shape.document is None
    body = rerank_body(shape, {"query": "q", "documents": ["x"], "return_documents": True}, "m", None)
    assert body == {"a": {"b": [{"index": 0, "relevance_score": relevance("q", "x", "m")}]}, "u": {"n": 2}}


def test_a_shared_word_scores_above_every_unshared_one_and_every_score_is_in_the_unit_interval() -> None:
    unshared = [
        relevance("penguin colony", f"document {n}", "m", seed) for n in range(200) for seed in (1, 2)
    ]
    shared = [relevance("penguin colony", f"a penguin {n}", "m", seed) for n in range(200) for seed in (1, 2)]
    assert min(unshared) >= 0.0 and max(unshared) < 0.1 < min(shared) and max(shared) <= 1.0
    assert relevance("penguin colony", "penguin colony", "m") > max(shared)  # all its words beat half
