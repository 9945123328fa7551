from __future__ import annotations

from passkit import apply, located, spec

from gatewright.normalize.passes.openapi_version import upgrade_openapi_version


def test_relabels_3_0_as_3_1() -> None:
    document = {**spec(), "openapi": "3.0.3"}
    out, repairs = apply(upgrade_openapi_version, document)
    assert out["openapi"] == "3.1.0"
    [repair] = repairs
    assert (repair.pointer, repair.before, repair.after) == ("/openapi", "3.0.3", "3.1.0")
    assert located(document, repair.pointer) == "3.0.3"


def test_leaves_3_1_alone() -> None:
    assert apply(upgrade_openapi_version, spec())[1] == []
