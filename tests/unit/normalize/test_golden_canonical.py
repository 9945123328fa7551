"""The five real sources normalize to the committed canonical specs, which meet every convention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewright.normalize.checks import canonical_problems
from gatewright.normalize.lifecycles import lifecycles_beside, load_lifecycles
from gatewright.normalize.passes.base import Context
from gatewright.normalize.pipeline import build_all, find_sources, output_files, run_passes
from gatewright.spec import API_IDS
from gatewright.spec.loader import load_source

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "specs" / "sources"
CANONICAL = ROOT / "specs" / "canonical"

pytestmark = pytest.mark.slow  # normalizes every real source (and every canonical spec) once more


@pytest.fixture(scope="module")
def results():  # type: ignore[no-untyped-def]
    return {result.api_id: result for result in build_all(SOURCES)}


@pytest.mark.parametrize("api_id", API_IDS)
def test_normalize_reproduces_the_committed_files_byte_for_byte(results, api_id: str) -> None:
    for path, content in output_files(results[api_id], CANONICAL).items():
        assert path.read_bytes() == content, f"{path.name} is stale: run `gatewright normalize`"


@pytest.mark.parametrize("api_id", API_IDS)
def test_canonical_spec_meets_every_convention(results, api_id: str) -> None:
    problems = canonical_problems(results[api_id].document)
    assert problems == [], "\n".join(map(str, problems[:20]))


@pytest.mark.parametrize("api_id", API_IDS)
def test_normalizing_the_canonical_spec_changes_nothing(results, api_id: str) -> None:
    document = results[api_id].document
    source = find_sources(SOURCES)[api_id]
    lifecycles = load_lifecycles(lifecycles_beside(source))
    prose = load_source(source).prose  # what a lifecycle file quotes from a Markdown page's prose
    again, repairs = run_passes(document, Context(api_id, prose=prose, lifecycles=lifecycles))
    assert repairs == []
    assert again == document


@pytest.mark.parametrize("api_id", API_IDS)
def test_every_repair_is_logged_with_pass_pointer_and_why(results, api_id: str) -> None:
    log = json.loads((CANONICAL / f"{api_id}.repairs.json").read_text())
    assert log["count"] == len(log["repairs"]) > 0
    for entry in log["repairs"]:
        assert entry["pass"] and entry["why"] and entry["change"]
        assert entry["pointer"].startswith("/")


def test_canonical_specs_are_openapi_31_with_full_paths(results) -> None:
    for api_id, result in results.items():
        document = result.document
        assert document["openapi"] == "3.1.0", api_id
        assert all(path.startswith("/") and "#" not in path for path in document["paths"]), api_id
    assert all(path.startswith("/v1/") or path == "/v1" for path in results["ipop"].document["paths"])


def test_imarouter_fragment_variants_fold_into_model_discriminated_bodies(results) -> None:
    post = results["imarouter"].document["paths"]["/v1/videos"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert len(schema["oneOf"]) == 10
    assert schema["discriminator"]["propertyName"] == "model"
    mapping = schema["discriminator"]["mapping"]
    assert mapping["kling-v1"].endswith("/KlingVideoRequest")
    assert mapping["veo-3.0-generate-001"].endswith("/VeoVideoCreateRequest")


def test_auth_is_modelled_as_security_schemes(results) -> None:
    beatra = results["beatra"].document
    for path_item in beatra["paths"].values():
        for op in path_item.values():
            assert not any(p.get("name", "").lower() == "authorization" for p in op.get("parameters", []))
    empiriolabs = results["empiriolabs"].document
    assert empiriolabs["components"]["securitySchemes"]["apiKeyHeader"]["name"] == "x-api-key"
    messages = empiriolabs["paths"]["/v1/messages"]["post"]
    assert any(p["name"] == "anthropic-version" and p["required"] for p in messages["parameters"])
