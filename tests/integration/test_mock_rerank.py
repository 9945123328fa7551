"""empiriolabs' ``POST /v1/reranks`` ranks the request's documents against its query, over real HTTP.

The route's prose: "Sort candidate `documents` by semantic relevance to a `query`. Returns each document's
original index plus a 0-1 relevance score (higher = more relevant)."; its 200 is "Sorted relevance
scores.", ``top_n`` "Defaults to all." and a result's ``document`` is "Returned only when
`return_documents` is true." (an object holding ``text``). The mock answered ``results: [{}]``, so a RAG
pipeline's rerank step could not be tested against it. A ``rerank`` statement in
``empiriolabs.lifecycles.yaml`` marks the route ``x-gatewright-rerank``; the mock ranks deterministically
(the same request, the same ranking; a document sharing a word with the query above one sharing none).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewright.mock.schemas import SchemaSet
from gatewright.spec import load_spec

AUTH = {"Authorization": "Bearer sk-test"}
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["empiriolabs"], "seed": 3}
QUERY = "What is a rerank model?"
# The page's own example documents.
DOCUMENTS = [
    "Rerank models sort candidate documents by relevance.",
    "Quantum computing is a cutting-edge field of computer science.",
    "Pre-trained language models advanced rerank models.",
]
POINTER = "/paths/~1v1~1reranks/post/responses/200/content/application~1json/schema"
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@cache
def _schemas() -> SchemaSet:
    return SchemaSet(load_spec("empiriolabs").document)


def _rerank(url: str, **fields: Any) -> dict[str, Any]:
    """The 200 answer to a rerank request, checked against the route's documented schema."""
    sent = {"model": "qwen3-rerank", "query": QUERY, "documents": DOCUMENTS, **fields}
    answered = requests.post(f"{url}/v1/reranks", json=sent, headers=AUTH, timeout=10)
    assert answered.status_code == 200, answered.text
    body: dict[str, Any] = answered.json()
    assert _schemas().is_valid(POINTER, body, formats=True), _schemas().errors(POINTER, body, formats=True)
    return body


def _assert_ranked(results: list[dict[str, Any]], count: int, expected: int) -> None:
    """``expected`` results of distinct valid indexes (of ``count`` documents), scores in [0, 1], highest
    first."""
    assert len(results) == expected, results
    indexes = [result["index"] for result in results]
    assert len(set(indexes)) == expected and all(0 <= index < count for index in indexes), indexes
    scores = [result["relevance_score"] for result in results]
    assert all(isinstance(score, float) and 0.0 <= score <= 1.0 for score in scores), scores
    assert scores == sorted(scores, reverse=True), scores


def test_the_route_is_declared_a_rerank_in_the_canonical_spec() -> None:
    operation = load_spec("empiriolabs").document["paths"]["/v1/reranks"]["post"]
    assert operation["x-gatewright-rerank"] == {
        "results": "/output/results",
        "document": "object",
        "usage": "/usage/total_tokens",
    }


def test_the_pages_example_ranks_the_rerank_documents_first_with_their_text(mock: str) -> None:
    body = _rerank(mock, top_n=2, return_documents=True)
    results = body["output"]["results"]
    _assert_ranked(results, 3, 2)
    assert sorted(result["index"] for result in results) == [0, 2]  # both name rerank models; 1 neither
    for result in results:
        assert result["document"] == {"text": DOCUMENTS[result["index"]]}
        assert set(result) == {"index", "relevance_score", "document"}


def test_top_n_defaults_to_all_and_documents_are_left_out_unless_asked(mock: str) -> None:
    body = _rerank(mock)
    results = body["output"]["results"]
    _assert_ranked(results, 3, 3)
    assert sorted(result["index"] for result in results) == [0, 1, 2]
    assert all(set(result) == {"index", "relevance_score"} for result in results), results
    assert _rerank(mock, return_documents=False)["output"]["results"] == results


@pytest.mark.parametrize("top_n", [1, 2, 3, 4, 500])
def test_top_n_cuts_the_ranking_at_its_head(mock: str, top_n: int) -> None:
    everything = _rerank(mock)["output"]["results"]
    results = _rerank(mock, top_n=top_n)["output"]["results"]
    assert results == everything[:top_n]
    _assert_ranked(results, 3, min(top_n, 3))


def test_the_same_request_ranks_the_same_way(mock: str) -> None:
    first = _rerank(mock, return_documents=True)
    again = _rerank(mock, return_documents=True)
    _assert_ranked(first["output"]["results"], 3, 3)
    assert first["output"] == again["output"]
    assert [r["relevance_score"] for r in first["output"]["results"]] == [
        r["relevance_score"] for r in again["output"]["results"]
    ]


def test_a_document_sharing_a_word_with_the_query_ranks_above_those_sharing_none(mock: str) -> None:
    documents = [
        "Bananas grow in tropical climates.",
        "Lighthouses guide ships at night.",
        "Volcanic eruptions reshape coastlines.",
        "A penguin colony huddles for warmth.",
    ]
    # each shares one word with its target alone ("bananas" meets "Bananas", "ship" meets "ships")
    queries = ["tell me about bananas", "where do ship sail", "how do volcanic islands form", "penguin facts"]
    for target, query in enumerate(queries):
        results = _rerank(mock, query=query, documents=documents)["output"]["results"]
        assert results[0]["index"] == target, (query, results)
        assert results[0]["relevance_score"] > results[1]["relevance_score"]


def test_usage_states_the_tokens_the_query_and_documents_took(mock: str) -> None:
    usage = _rerank(mock)["usage"]
    # the query (5 words) read beside each document (7, 9, 6 words)
    assert usage == {"total_tokens": 5 * 3 + 7 + 9 + 6}


def test_no_documents_rank_as_no_results(mock: str) -> None:
    assert _rerank(mock, documents=[])["output"]["results"] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=TEXT,
    documents=st.lists(TEXT, max_size=25),
    top_n=st.none() | st.integers(min_value=1, max_value=30),
    return_documents=st.booleans(),
)
def test_any_documents_rank_as_a_permutation_of_their_indexes(
    mock_url: str, query: str, documents: list[str], top_n: int | None, return_documents: bool
) -> None:
    fields: dict[str, Any] = {"query": query, "documents": documents, "return_documents": return_documents}
    if top_n is not None:
        fields["top_n"] = top_n
    results = _rerank(mock_url, **fields)["output"]["results"]
    expected = len(documents) if top_n is None else min(top_n, len(documents))
    _assert_ranked(results, len(documents), expected)
    for result in results:
        if return_documents:
            assert result["document"] == {"text": documents[result["index"]]}
        else:
            assert "document" not in result
    assert _rerank(mock_url, **fields)["output"]["results"] == results
