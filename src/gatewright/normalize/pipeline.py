"""Run the repair passes over each source and write the canonical specs, all or nothing."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gatewright.normalize.lifecycle_model import ApiLifecycles
from gatewright.normalize.lifecycles import lifecycles_beside, load_lifecycles
from gatewright.normalize.passes import PASSES
from gatewright.normalize.passes.base import Context, Document, RepairPass
from gatewright.normalize.repairs import Repair
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import SourceDocument, load_source

SOURCE_SUFFIXES = (".json", ".yaml", ".yml", ".md")


@dataclass(frozen=True, slots=True)
class NormalizeResult:
    """One normalized document, its repairs, and ``notes`` about the run that are not repairs (such as
    "no lifecycle file beside ...: no tasks declared") for the caller to show."""

    api_id: str
    document: Document
    repairs: tuple[Repair, ...]
    spec_path: Path | None = None
    notes: tuple[str, ...] = ()

    def spec_bytes(self) -> bytes:
        return dump(self.document)

    def repairs_bytes(self) -> bytes:
        log = {"api": self.api_id, "count": len(self.repairs), "repairs": [r.to_json() for r in self.repairs]}
        return dump(log)


def dump(value: Any) -> bytes:
    """The canonical serialization: 2-space JSON, UTF-8, key order as built, one trailing newline."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def run_passes(
    document: Document, context: Context, passes: tuple[RepairPass, ...] = PASSES
) -> tuple[Document, list[Repair]]:
    repairs: list[Repair] = []
    for repair_pass in passes:
        document, found = repair_pass.apply(document, context)
        repairs.extend(found)
    return document, repairs


def normalize_document(
    source: SourceDocument, api_id: str, lifecycles: ApiLifecycles | None = None
) -> NormalizeResult:
    """Repair one parsed source into a canonical OpenAPI 3.1 document; tasks come only from ``lifecycles``."""
    context = Context(
        api_id=api_id,
        prose=source.prose,
        source_version=str(source.document.get("openapi")),
        lifecycles=lifecycles,
    )
    document, repairs = run_passes(source.document, context)
    return NormalizeResult(api_id, document, tuple(repairs))


def normalize(
    path: Path | str, api_id: str | None = None, lifecycles: Path | str | None = None
) -> NormalizeResult:
    """Normalize one source file; ``api_id`` defaults to the file's stem.

    Task lifecycles come from ``lifecycles`` when given (it must exist), else from the file beside the
    source with the same stem (``foo.yaml`` -> ``foo.lifecycles.yaml``); without one no tasks are
    declared, and the result's notes say so.
    """
    source_path = Path(path)
    source = load_source(source_path)
    api_id = api_id or source_path.stem
    declared_path = Path(lifecycles) if lifecycles is not None else lifecycles_beside(source_path)
    if lifecycles is None and not declared_path.is_file():
        note = f"no lifecycle file beside {source_path.name} ({declared_path.name}): no tasks declared"
        return replace(normalize_document(source, api_id), notes=(note,))
    return normalize_document(source, api_id, load_lifecycles(declared_path))


def find_sources(sources_dir: Path) -> dict[str, Path]:
    """Each API's source in ``sources_dir``, by id: ``<id>.json|yaml|yml|md`` where the id starts with a
    lower-case letter and has no dot (so ``<id>.lifecycles.yaml``, ``README.md`` and hidden files are no
    sources); the APIs are the sources present, sorted by id."""
    if not sources_dir.is_dir():
        raise SpecError("sources directory not found", source=str(sources_dir))
    found: dict[str, Path] = {}
    for suffix in SOURCE_SUFFIXES:  # the first suffix wins when an API has two sources
        for path in sorted(sources_dir.glob(f"*{suffix}")):
            api_id = path.name[: -len(suffix)]
            if api_id and "." not in api_id and api_id[0].islower() and path.is_file():
                found.setdefault(api_id, path)
    if not found:
        raise SpecError(
            f"no API sources here (expected <api>{'|'.join(SOURCE_SUFFIXES)})", source=str(sources_dir)
        )
    return dict(sorted(found.items()))


def build_all(sources_dir: Path) -> list[NormalizeResult]:
    return [normalize(path, api_id) for api_id, path in find_sources(sources_dir).items()]


def output_files(result: NormalizeResult, out_dir: Path) -> dict[Path, bytes]:
    return {
        out_dir / f"{result.api_id}.openapi.json": result.spec_bytes(),
        out_dir / f"{result.api_id}.repairs.json": result.repairs_bytes(),
    }


def normalize_all(
    sources_dir: Path | str = "specs/sources",
    out_dir: Path | str = "specs/canonical",
) -> list[NormalizeResult]:
    """Rebuild every canonical spec. Nothing is written unless every source normalized."""
    sources_dir, out_dir = Path(sources_dir), Path(out_dir)
    results = build_all(sources_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        files = output_files(result, out_dir)
        for path, content in files.items():
            _write_atomic(path, content)
        written.append(replace(result, spec_path=out_dir / f"{result.api_id}.openapi.json"))
    for orphan in _orphans(results, out_dir):  # an API whose source is gone is gone from the contract too
        orphan.unlink()
    return written


def check_canonical(
    sources_dir: Path | str = "specs/sources",
    out_dir: Path | str = "specs/canonical",
) -> list[str]:
    """The canonical files that are missing or differ from a fresh normalize."""
    stale = []
    results = build_all(Path(sources_dir))
    for result in results:
        for path, content in output_files(result, Path(out_dir)).items():
            if not path.is_file() or path.read_bytes() != content:
                stale.append(str(path))
    return stale + [str(path) for path in _orphans(results, Path(out_dir))]  # normalize removes them


def _orphans(results: list[NormalizeResult], out_dir: Path) -> list[Path]:
    """The canonical files in ``out_dir`` (spec or repair log) of an API that has no source."""
    sourced = {result.api_id for result in results}
    return sorted(
        path
        for suffix in (".openapi.json", ".repairs.json")
        for path in out_dir.glob(f"*{suffix}")
        if path.name.removesuffix(suffix) not in sourced
    )


def _write_atomic(path: Path, content: bytes) -> None:
    """Write through a temporary file and a rename; the file gets the mode the user's umask gives
    a new file (``mkstemp`` would leave it 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
