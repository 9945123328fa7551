"""The check registry: every check of gatewright's own is declared once, in ``conformance/checks.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gatewright
from gatewright.conformance import checks, streaming
from gatewright.conformance.checks import CHECKS, CheckRegistry, CheckSpec, judges
from gatewright.conformance.compat_claims import CLAIMS, checks_of
from gatewright.proxy import client_checks, judge

SOURCE = Path(gatewright.__file__).parent
REGISTRY_MODULE = Path(checks.__file__)


def test_an_id_is_registered_once() -> None:
    registry = CheckRegistry()
    spec = CheckSpec("x_check", "stream", "stream", "X", "x holds")
    assert registry.register(spec) is spec
    with pytest.raises(ValueError, match="'x_check' is registered twice"):
        registry.register(CheckSpec("x_check", "lifecycle", "task", "Y", "y holds"))
    assert registry.get_all_names() == ["x_check"]


def test_every_check_has_a_title_and_an_explanation() -> None:
    assert len(CHECKS) == len(set(CHECKS.get_all_names()))
    for spec in CHECKS:
        assert spec.title and spec.explanation, spec.id


def test_no_check_id_is_restated_outside_the_registry() -> None:
    """Code names a check through its ``CheckSpec``: no string literal of an id anywhere else."""
    ids = set(CHECKS.get_all_names())
    restated = [
        f"{path.relative_to(SOURCE)}:{node.lineno} {node.value}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path != REGISTRY_MODULE
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ids
    ]
    assert restated == []


def test_compatibility_claims_carry_registered_checks_and_every_one_is_claimed() -> None:
    carried = {check for wire in [*CLAIMS, "openai-embeddings"] for check in checks_of(wire)}
    assert carried == {spec.id for spec in CHECKS.in_phase("compatibility")}
    for claims in CLAIMS.values():
        for claim in claims:
            assert CHECKS.get_one(claim.check).phase == "compatibility"


def test_the_checks_each_place_runs_are_registered() -> None:
    assert streaming.CHECKS == ("stream_starts", "stream_chunks", "stream_terminates")
    assert judge.STREAM_CHECKS == ("stream_chunks", "stream_terminates")
    assert judge.TASK_CHECKS == ("task_status_declared", "task_status_forward")
    assert judge.TRANSPORT_CHECK == "request_completes"
    assert client_checks.DOCUMENTED == "request_documented"
    assert client_checks.CHECKS == ("request_parameters_conformance", "request_body_conformance")
    assert {spec.id for spec in CHECKS.in_phase("client")} == {
        client_checks.DOCUMENTED,
        *client_checks.CHECKS,
    }


@pytest.mark.parametrize("spec", CHECKS.get_all(), ids=lambda spec: spec.id)
def test_explanations_point_where_they_always_did(spec: CheckSpec) -> None:
    """Report pointers are read by tools: each id's spec section is what its old prefix chose."""
    prefix = spec.id.split("_", 1)[0]
    # public_access (new in issue 20) points at the operation's security, as ignored_auth does
    expected = {"task": "task", "compat": "compatibility", "stream": "stream", "public": "security"}.get(
        prefix, "operation"
    )
    assert judges(spec.id) == expected


@pytest.mark.parametrize(
    ("check", "section"),
    [
        ("status_code_conformance", "responses"),
        ("response_schema_conformance", "responses"),
        ("not_a_server_error", "responses"),
        ("negative_data_rejection", "request"),
        ("missing_required_header", "request"),
        ("ignored_auth", "security"),
        ("use_after_free", "operation"),
    ],
)
def test_schemathesis_checks_point_at_what_they_judge(check: str, section: str) -> None:
    assert check not in CHECKS
    assert judges(check) == section
