"""The pytest plugin: conformance units as pytest items, ``-k`` selection, junitxml, a failing case.

Each inner pytest run is a subprocess: the plugin's mock fixture serves from a thread, and an
in-process run left that state in this interpreter (a clean-clone CI run once segfaulted right after).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faultserver import KEY, SPEC, faulty_gateway

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def inner_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


@pytest.fixture
def spec_file(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "faulty.openapi.json"
    path.write_text(json.dumps(SPEC), encoding="utf-8")
    return path


def args(spec: Path, url: str, *extra: str) -> list[str]:
    return [
        "-p",
        "no:cacheprovider",
        "--gatewright-spec",
        str(spec),
        "--gatewright-base-url",
        url,
        "--gatewright-api-key",
        KEY,
        "--gatewright-max-examples",
        "3",
        "--gatewright-seed",
        "1",
        "--gatewright-task-timeout",
        "1",
        "--gatewright-stream-timeout",
        "1",
        *extra,
    ]


def test_units_become_items_and_pass_on_a_clean_server(pytester: pytest.Pytester, spec_file: Path) -> None:
    with faulty_gateway() as url:
        result = pytester.runpytest_subprocess(*args(spec_file, url, "-k", "Item or lifecycle", "-v"))
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*gatewright*createItem*PASSED*", "*lifecycle:createJob*PASSED*"])


def test_failing_unit_fails_with_findings_and_junit(pytester: pytest.Pytester, spec_file: Path) -> None:
    junit = pytester.path / "out.xml"
    with faulty_gateway("task_backwards", "missing_field") as url:
        result = pytester.runpytest_subprocess(
            *args(
                spec_file,
                url,
                "-k",
                "getItem or lifecycle",
                f"--junitxml={junit}",
                "--gatewright-phases",
                "examples,fuzzing,lifecycle",
            )
        )
    result.assert_outcomes(passed=0, failed=2)
    result.stdout.fnmatch_lines(
        ["*[[]response_schema_conformance[]]*", "*[[]task_status_forward[]] Task status went backwards*"]
    )
    assert KEY not in result.stdout.str()
    text = junit.read_text()
    assert "lifecycle:createJob" in text and KEY not in text


def test_without_base_url_the_plugin_adds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    assert True\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.slow
def test_mock_fixture_serves_and_resets(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json, urllib.request

        def test_health(gatewright_mock_url):
            with urllib.request.urlopen(gatewright_mock_url + "/__gatewright/health") as r:
                assert json.load(r)["status"] == "ok"

        def test_factory(gatewright_mock):
            assert gatewright_mock("voxvey").startswith("http://127.0.0.1:")
        """
    )
    pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--gatewright-mock-api", "voxvey"
    ).assert_outcomes(passed=2)
