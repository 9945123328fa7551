from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.public_operations import explicit_security

RESPONSES = {"200": {"description": "ok"}, "401": {"description": "no key"}, "402": {"description": "unpaid"}}


def health(**op: Any) -> dict[str, Any]:
    return spec(paths={"/health": {"get": {"responses": dict(RESPONSES), **op}}})


def test_marks_an_unsecured_operation_public_and_drops_auth_errors() -> None:
    document = health()
    out, repairs = apply(explicit_security, document)
    op = out["paths"]["/health"]["get"]
    assert op["security"] == []
    assert list(op["responses"]) == ["200"]
    assert [r.pointer for r in repairs] == [
        "/paths/~1health/get/security",
        "/paths/~1health/get/responses/401",
        "/paths/~1health/get/responses/402",
    ]
    assert [r.before for r in repairs[1:]] == ["no key", "unpaid"]
    for repair in repairs:
        located(document, repair.pointer)


def test_an_explicitly_public_operation_loses_auth_errors() -> None:
    out, repairs = apply(explicit_security, health(security=[]))
    assert list(out["paths"]["/health"]["get"]["responses"]) == ["200"]
    assert len(repairs) == 2


def test_global_security_leaves_operations_alone() -> None:
    document = {**health(), "security": [{"bearer": []}]}
    assert apply(explicit_security, document)[1] == []


def test_secured_operations_keep_their_auth_errors() -> None:
    assert apply(explicit_security, health(security=[{"bearer": []}]))[1] == []
