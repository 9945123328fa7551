"""The bundled API ids are the canonical specs present, found by a directory listing (checkout or wheel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewright.spec import bundled
from gatewright.spec.bundled import API_IDS, api_ids, canonical_path
from gatewright.spec.errors import SpecError

KNOWN = {"voxvey", "ipop", "beatra", "imarouter", "empiriolabs"}


def test_the_five_known_apis_are_found_in_a_stable_order() -> None:
    assert set(API_IDS) == KNOWN
    assert API_IDS == tuple(sorted(KNOWN)) == api_ids()


def test_a_new_canonical_file_is_discovered_and_only_specs_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "zeta.openapi.json",
        "alpha.openapi.json",
        "alpha.repairs.json",  # the repair log beside a spec
        ".alpha.openapi.json.k2j3.tmp",  # a writer's temporary file
        ".hidden.openapi.json",
        ".openapi.json",
        "README.md",
    ):
        (tmp_path / name).write_text("not JSON: ids come from names, nothing is parsed", encoding="utf-8")
    monkeypatch.setattr(bundled, "canonical_dir", lambda: tmp_path)
    assert api_ids() == ("alpha", "zeta")
    (tmp_path / "beta.openapi.json").write_text("{}", encoding="utf-8")
    assert api_ids() == ("alpha", "beta", "zeta")


def test_a_wheel_reads_its_packaged_canonical_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "canonical").mkdir()
    (tmp_path / "canonical" / "gw.openapi.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(bundled, "_PACKAGE_DIR", tmp_path)  # site-packages/gatewright
    assert bundled.canonical_dir() == tmp_path / "canonical"
    assert api_ids() == ("gw",)


def test_no_canonical_folder_is_no_bundled_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled, "canonical_dir", lambda: tmp_path / "missing")
    assert api_ids() == ()


def test_an_unknown_id_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(
        SpecError, match="unknown API 'nope'; known: beatra, empiriolabs, imarouter, ipop, voxvey"
    ):
        canonical_path("nope")
