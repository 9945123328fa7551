from __future__ import annotations

import pytest

from gatewright.spec import API_IDS, load_spec
from gatewright.spec.routing import RouteMatch, RouteMiss, Router, RouteSpec


def _router() -> Router:
    return Router(
        [
            RouteSpec("GET", "/v1/models", "listModels"),
            RouteSpec("GET", "/v1/models/{model_id}", "getModel"),
            RouteSpec("GET", "/v1/models/search", "searchModels"),
            RouteSpec("DELETE", "/v1/models/{model_id}", "deleteModel"),
            RouteSpec("POST", "/v1/audio/speech:stream", "streamSpeech"),
            RouteSpec("POST", "/v1/jobs/{job_id}:cancel", "cancelJob"),
            RouteSpec("GET", "/v1/gpu/connect/{instance_id}/{path}", "connect", frozenset({"path"})),
        ]
    )


def test_literal_beats_template() -> None:
    match = _router().match("GET", "/v1/models/search")
    assert isinstance(match, RouteMatch)
    assert match.operation_id == "searchModels"


def test_template_captures_and_decodes() -> None:
    match = _router().match("GET", "/v1/models/org%2Fmodel")
    assert isinstance(match, RouteMatch)
    assert match.params == {"model_id": "org/model"}


def test_greedy_parameter_matches_slashes() -> None:
    match = _router().match("GET", "/v1/gpu/connect/i-1/a/b/c")
    assert isinstance(match, RouteMatch)
    assert match.params == {"instance_id": "i-1", "path": "a/b/c"}


def test_partial_segment_templates() -> None:
    router = _router()
    assert isinstance(router.match("POST", "/v1/audio/speech:stream"), RouteMatch)
    match = router.match("POST", "/v1/jobs/j1:cancel")
    assert isinstance(match, RouteMatch)
    assert match.params == {"job_id": "j1"}


def test_unknown_path_is_404_and_wrong_method_is_405_with_allow() -> None:
    router = _router()
    assert router.match("GET", "/v1/nothing") == RouteMiss(404)
    miss = router.match("POST", "/v1/models/abc")
    assert miss == RouteMiss(405, ("DELETE", "GET"))


def test_trailing_slash_and_head() -> None:
    router = _router()
    match = router.match("HEAD", "/v1/models/")
    assert isinstance(match, RouteMatch)
    assert match.operation_id == "listModels"


@pytest.mark.parametrize("api", API_IDS)
def test_the_lookup_of_paths_without_parameters_answers_as_the_trie(api: str) -> None:
    """``match`` answers paths without parameters from one precomputed lookup: the same answers."""
    spec = load_spec(api)
    router = Router(RouteSpec.of(op) for op in spec.operations)
    trie_only = Router(RouteSpec.of(op) for op in spec.operations)
    trie_only._matches.clear()
    paths = {op.path for op in spec.operations if "{" not in op.path}
    assert paths
    for path in paths:
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "get", "OPTIONS"):
            assert router.match(method, path) == trie_only.match(method, path), (method, path)
            assert router.match(method, path + "/") == trie_only.match(method, path + "/"), (method, path)


def test_a_shared_match_cannot_be_changed() -> None:
    match = _router().match("GET", "/v1/models")
    assert isinstance(match, RouteMatch)
    with pytest.raises(TypeError):
        match.params["x"] = "y"  # type: ignore[index]
