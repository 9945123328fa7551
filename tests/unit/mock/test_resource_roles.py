"""Which creates answer free-form bodies the mock writes the new resource into (``open_answer``)."""

from __future__ import annotations

import pytest

from gatewright.mock.app import load_apis
from gatewright.mock.operations import MockApi


@pytest.fixture(scope="module")
def apis() -> dict[str, MockApi]:
    return load_apis(["voxvey", "ipop", "empiriolabs"], seed=1)


def _role_at(api: MockApi, method: str, path: str) -> object:
    op = next(
        op for op in api.operations.values() if (op.operation.method, op.operation.path) == (method, path)
    )
    return op.resource


def test_a_free_form_create_of_an_id_the_mock_makes_is_open(apis: dict[str, MockApi]) -> None:
    role = _role_at(apis["voxvey"], "POST", "/v1/byte/files")
    assert role is not None and role.open_answer and role.id_pointer == "/id"  # type: ignore[attr-defined]


def test_a_name_the_client_picks_or_a_linked_job_is_not_an_open_create(apis: dict[str, MockApi]) -> None:
    """ipop's hosted-app domains are keyed by the client's own name; empiriolabs' research answers a
    report synchronously and links its 202 to a job: writing an id into either would invent one."""
    assert _role_at(apis["ipop"], "POST", "/v1/hosted-apps/{app_id}/domains") is None
    research = _role_at(apis["empiriolabs"], "POST", "/v1/research")
    assert research is None or not research.open_answer  # type: ignore[attr-defined]
    assert not any(
        op.resource is not None and op.resource.open_answer for op in apis["empiriolabs"].operations.values()
    )
