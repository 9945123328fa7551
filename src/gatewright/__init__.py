"""gatewright: normalize AI gateway OpenAPI documents, mock them, and verify live gateways against them.

The three stages are importable calls (``gatewright.normalize.normalize`` for one document,
``normalize_all``, ``create_app``/``serve``, ``run_conformance``); each is loaded on first use,
so ``import gatewright`` stays cheap: a caller that only normalizes never loads aiohttp or schemathesis.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from gatewright._version import __version__ as __version__
from gatewright.spec import API_IDS, Spec, SpecError, TaskSpec, load_spec

if TYPE_CHECKING:
    from gatewright.conformance import RunOptions, run_conformance
    from gatewright.mock import create_app, serve
    from gatewright.normalize import normalize_all

__all__ = [
    "API_IDS",
    "RunOptions",
    "Spec",
    "SpecError",
    "TaskSpec",
    "create_app",
    "load_spec",
    "normalize_all",
    "run_conformance",
    "serve",
]

_LAZY = {
    "normalize_all": "gatewright.normalize",
    "create_app": "gatewright.mock",
    "serve": "gatewright.mock",
    "run_conformance": "gatewright.conformance",
    "RunOptions": "gatewright.conformance",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gatewright' has no attribute {name!r}")
