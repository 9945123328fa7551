"""The top-level package exposes the library calls, and nothing it does not list."""

from __future__ import annotations

import subprocess
import sys

import gatewright


def test_every_listed_name_resolves_to_the_object_of_that_name() -> None:
    assert len(set(gatewright.__all__)) == len(gatewright.__all__)
    for name in gatewright.__all__:
        value = getattr(gatewright, name)
        if callable(value):  # a class or function: the one defined under that name
            assert value.__name__ == name and value.__module__.startswith("gatewright."), (name, value)
        else:  # a constant: the spec layer's own
            assert value is getattr(gatewright.spec, name), name


def test_stage_entry_points_are_the_library_calls() -> None:
    from gatewright.conformance import run_conformance
    from gatewright.mock import create_app
    from gatewright.normalize import normalize_all

    assert gatewright.normalize_all is normalize_all
    assert gatewright.create_app is create_app
    assert gatewright.run_conformance is run_conformance


def test_importing_gatewright_does_not_load_the_mock_or_schemathesis() -> None:
    code = "import sys, gatewright; print(any(m in sys.modules for m in ('aiohttp', 'schemathesis')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
