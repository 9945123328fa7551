"""The canonical specs that ship with gatewright, found the same way in a checkout and a wheel."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gatewright.spec.errors import SpecError
from gatewright.spec.loader import load_source, require_openapi
from gatewright.spec.model import Spec

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_SPEC_SUFFIX = ".openapi.json"


def canonical_dir() -> Path:
    """``gatewright/canonical`` in an installed wheel, else ``specs/canonical`` of the checkout."""
    packaged = _PACKAGE_DIR / "canonical"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent.parent / "specs" / "canonical"


def api_ids() -> tuple[str, ...]:
    """The ids of the canonical specs present (``<api>.openapi.json`` in ``canonical_dir()``), sorted.

    A spec added to the canonical folder is an API gatewright serves and verifies, with no list to
    edit. One directory listing and no parsing, so importing the package stays cheap; sorted by name
    so the order (``--api`` choices, the mock's default APIs) is the same on every machine, whatever
    order the file system lists them in. Hidden files (a writer's temporary ones) are not specs.
    """
    try:
        names = os.listdir(canonical_dir())
    except OSError:  # no canonical folder: no bundled APIs (``--spec PATH`` still serves a file)
        return ()
    return tuple(
        sorted(
            name.removesuffix(_SPEC_SUFFIX)
            for name in names
            if name.endswith(_SPEC_SUFFIX) and len(name) > len(_SPEC_SUFFIX) and not name.startswith(".")
        )
    )


API_IDS = api_ids()  # found once, at import


def canonical_path(api_id: str) -> Path:
    if api_id not in API_IDS:
        raise SpecError(f"unknown API {api_id!r}; known: {', '.join(API_IDS)}")
    return canonical_dir() / f"{api_id}.openapi.json"


def read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError("file not found", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno) from None
    if not isinstance(document, dict):
        raise SpecError("not an OpenAPI document", source=str(path))
    return document


def load_spec(api_id: str | None = None, path: Path | str | None = None) -> Spec:
    """A bundled canonical spec by API id, or any conforming OpenAPI 3.1 JSON/YAML file by path (one
    whose ``$ref``s name files beside it is bundled by ``load_source``)."""
    if path is not None:
        source = Path(path)
        return Spec(load_source(source).document, name=target_name(api_id, source))
    if api_id is None:
        raise SpecError("name an API id or a spec path")
    return Spec(read_json(canonical_path(api_id)), name=api_id)


def target_name(api_id: str | None, path: Path | None) -> str:
    """The short name a run against an API id or a spec file goes by (reports, report dirs, the API a
    recording names): ``gw.openapi.json`` is ``gw``, so the mock, verify and the proxy agree on it."""
    if api_id:
        return api_id
    return path.stem.split(".")[0] if path else "api"


def load_target(api_id: str | None, path: Path | None) -> Spec:
    """The bundled spec by id, or the file at ``path`` once it reads as an OpenAPI 3.x document
    (what ``verify --spec`` and ``proxy --spec`` accept)."""
    if path is None:
        return load_spec(api_id, None)
    source = load_source(path)
    require_openapi(source.document, str(path))
    return Spec(source.document, name=target_name(api_id, path))
