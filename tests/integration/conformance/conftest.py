"""Fixtures of the conformance tests.

``spec_path``: the spec of ``faultserver``'s gateway (``SPEC``) as a file, written once per module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faultserver import SPEC


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "faulty.openapi.json"
    path.write_text(json.dumps(SPEC), encoding="utf-8")
    return path
