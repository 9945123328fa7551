"""Normalize discovers each API's source in a directory, and ``check_canonical`` reports canonical specs
that are missing, differ from a fresh normalize, or have no source any more."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatewright.normalize.pipeline import SOURCE_SUFFIXES, check_canonical, find_sources, normalize_all
from gatewright.spec.errors import SpecError

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "specs" / "sources"


def touch(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).write_text("{}\n")


# --- find_sources -----------------------------------------------------------------------------------


def test_the_suffixes_in_the_order_they_win() -> None:
    assert SOURCE_SUFFIXES == (".json", ".yaml", ".yml", ".md")


def test_each_suffix_is_a_source_and_other_files_are_not(tmp_path: Path) -> None:
    touch(tmp_path, "alpha.json", "bravo.yaml", "charlie.yml", "delta.md")
    touch(tmp_path, "alpha.lifecycles.yaml", "bravo.lifecycles.yaml", "notes.txt", "echo.JSON.bak", "README")
    found = find_sources(tmp_path)
    assert found == {
        "alpha": tmp_path / "alpha.json",
        "bravo": tmp_path / "bravo.yaml",
        "charlie": tmp_path / "charlie.yml",
        "delta": tmp_path / "delta.md",
    }


def test_a_lifecycles_file_is_no_source_even_without_its_api(tmp_path: Path) -> None:
    touch(tmp_path, "alpha.json", "orphan.lifecycles.yaml", "orphan.lifecycles.yml")
    assert list(find_sources(tmp_path)) == ["alpha"]


def test_names_with_a_dot_hidden_names_and_directories_are_no_source(tmp_path: Path) -> None:
    touch(tmp_path, "v1.2.json", ".hidden.yaml", ".json", "x.y.md", "real.yml")
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "folder.json" / "inner.json").write_text("{}")
    assert find_sources(tmp_path) == {"real": tmp_path / "real.yml"}


@pytest.mark.parametrize(
    ("present", "winner"),
    [
        (("x.yaml", "x.json"), "x.json"),
        (("x.md", "x.yml", "x.yaml"), "x.yaml"),
        (("x.md", "x.yml"), "x.yml"),
        (("x.md", "x.json", "x.yml", "x.yaml"), "x.json"),
    ],
)
def test_the_first_suffix_wins_when_an_api_has_two_sources(
    tmp_path: Path, present: tuple[str, ...], winner: str
) -> None:
    touch(tmp_path, *present)
    assert find_sources(tmp_path) == {"x": tmp_path / winner}


# An API id starts with a lower-case letter (``README.md`` beside the sources is no API).
ids = st.builds(
    str.__add__,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", max_size=11),
)


def test_a_readme_beside_the_sources_is_no_api(tmp_path: Path) -> None:
    touch(tmp_path, "README.md", "Notes.yaml", "x.json", "_draft.json")
    assert find_sources(tmp_path) == {"x": tmp_path / "x.json"}


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        ids,
        st.sets(st.sampled_from(SOURCE_SUFFIXES), min_size=1),
        min_size=1,
        max_size=8,
    ),
    st.randoms(use_true_random=False),
)
def test_sources_by_id_sorted_first_suffix_wins(apis: dict[str, set[str]], shuffler: random.Random) -> None:
    names = [api_id + suffix for api_id, suffixes in apis.items() for suffix in suffixes]
    shuffler.shuffle(names)  # creation order must not matter
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        touch(directory, *names)
        touch(directory, *(f"{api_id}.lifecycles.yaml" for api_id in apis))
        found = find_sources(directory)
        assert list(found) == sorted(apis)
        for api_id, suffixes in apis.items():
            first = next(suffix for suffix in SOURCE_SUFFIXES if suffix in suffixes)
            assert found[api_id] == directory / f"{api_id}{first}"


def test_a_missing_directory_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as got:
        find_sources(tmp_path / "absent")
    assert got.value.source == str(tmp_path / "absent")
    assert "not found" in got.value.message  # said to be missing, not to hold no sources


def test_a_file_in_place_of_the_directory_is_a_spec_error(tmp_path: Path) -> None:
    touch(tmp_path, "sources.json")
    with pytest.raises(SpecError) as got:
        find_sources(tmp_path / "sources.json")
    assert "not found" in got.value.message


@pytest.mark.parametrize(
    "names",
    [(), ("alpha.lifecycles.yaml",), ("notes.txt", "spec.JSON.orig", "v1.2.json", ".hidden.json")],
    ids=["empty", "lifecycles-only", "no-source-names"],
)
def test_a_directory_with_no_sources_is_a_spec_error(tmp_path: Path, names: tuple[str, ...]) -> None:
    touch(tmp_path, *names)
    with pytest.raises(SpecError) as got:
        find_sources(tmp_path)
    assert got.value.source == str(tmp_path)
    assert "no API sources" in got.value.message


# --- check_canonical --------------------------------------------------------------------------------


@pytest.fixture
def normalized(tmp_path: Path) -> tuple[Path, Path]:
    """A sources directory holding voxvey and its lifecycles, normalized into an out directory."""
    sources, out = tmp_path / "sources", tmp_path / "canonical"
    sources.mkdir()
    shutil.copy(SOURCES / "voxvey.json", sources / "voxvey.json")
    shutil.copy(SOURCES / "voxvey.lifecycles.yaml", sources / "voxvey.lifecycles.yaml")
    results = normalize_all(sources, out)
    assert [result.api_id for result in results] == ["voxvey"]
    assert (out / "voxvey.openapi.json").is_file()
    return sources, out


@pytest.mark.slow  # normalizes a real source
def test_a_fresh_normalize_is_current(normalized: tuple[Path, Path]) -> None:
    sources, out = normalized
    assert check_canonical(sources, out) == []
    assert check_canonical(str(sources), str(out)) == []


@pytest.mark.slow  # normalizes a real source
def test_a_canonical_spec_without_a_source_is_stale(normalized: tuple[Path, Path]) -> None:
    sources, out = normalized
    ghost = out / "ghost.openapi.json"
    shutil.copy(out / "voxvey.openapi.json", ghost)
    assert check_canonical(sources, out) == [str(ghost)]
    ghost.unlink()
    assert check_canonical(sources, out) == []


@pytest.mark.slow  # normalizes a real source
def test_a_source_removed_after_normalize_leaves_its_spec_stale(normalized: tuple[Path, Path]) -> None:
    sources, out = normalized
    shutil.copy(sources / "voxvey.json", sources / "second.json")
    normalize_all(sources, out)
    assert check_canonical(sources, out) == []
    (sources / "second.json").unlink()
    orphans = [str(out / "second.openapi.json"), str(out / "second.repairs.json")]
    assert check_canonical(sources, out) == orphans
    normalize_all(sources, out)  # what --check asks for: the API is gone from the contract too
    assert check_canonical(sources, out) == []
    assert not (out / "second.openapi.json").exists() and (out / "voxvey.openapi.json").is_file()


@pytest.mark.slow  # normalizes a real source
def test_an_edited_canonical_spec_is_stale(normalized: tuple[Path, Path]) -> None:
    sources, out = normalized
    spec = out / "voxvey.openapi.json"
    before = spec.read_bytes()
    edited = before.replace(b'"openapi": "3.1', b'"openapi": "3.0', 1)
    assert edited != before
    spec.write_bytes(edited)
    assert check_canonical(sources, out) == [str(spec)]


@pytest.mark.slow  # normalizes a real source
def test_an_edited_repairs_log_and_a_missing_spec_are_stale(normalized: tuple[Path, Path]) -> None:
    sources, out = normalized
    (out / "voxvey.repairs.json").write_bytes(b"{}\n")
    assert check_canonical(sources, out) == [str(out / "voxvey.repairs.json")]
    (out / "voxvey.openapi.json").unlink()
    assert check_canonical(sources, out) == [
        str(out / "voxvey.openapi.json"),
        str(out / "voxvey.repairs.json"),
    ]
