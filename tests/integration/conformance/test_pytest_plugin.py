"""The pytest plugin: conformance units as pytest items, ``-k`` selection, junitxml, a failing case.

Each inner pytest run is a subprocess: the plugin's mock fixture serves from a thread, and an
in-process run left that state in this interpreter (a clean-clone CI run once segfaulted right after).
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from faultserver import KEY, SPEC, faulty_gateway

pytestmark = pytest.mark.slow  # each test runs an inner pytest session in a subprocess (pytester)

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
    result.stdout.fnmatch_lines(
        ["*faulty.openapi.json::createItem PASSED*", "*faulty.openapi.json::lifecycle:createJob PASSED*"]
    )


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


UNITS = [
    "listModels",
    "createItem",
    "getItem",
    "deleteItem",
    "createJob",
    "getJob",
    "cancelJob",
    "createChatCompletion",
    "lifecycle:createJob",
    "stream:createChatCompletion",
    "stateful",
]
UNREACHABLE = "http://127.0.0.1:9"  # collection alone sends nothing


def listed(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "::" in line and not line.startswith(("=", "_"))]


def test_collect_only_counts_what_it_lists(pytester: pytest.Pytester, spec_file: Path) -> None:
    pytester.makepyfile(test_own="def test_own():\n    assert True\n")
    everything = pytester.runpytest_subprocess(*args(spec_file, UNREACHABLE, "--co", "-q"))
    assert listed(everything) == [f"faulty.openapi.json::{unit}" for unit in UNITS] + [
        "test_own.py::test_own"
    ]
    everything.stdout.fnmatch_lines([f"{len(UNITS) + 1} tests collected*"])
    some = pytester.runpytest_subprocess(*args(spec_file, UNREACHABLE, "--co", "-q", "-k", "Item or own"))
    assert len(listed(some)) == 4
    some.stdout.fnmatch_lines([f"4/{len(UNITS) + 1} tests collected ({len(UNITS) - 3} deselected)*"])


def test_run_counts_are_never_negative(pytester: pytest.Pytester, spec_file: Path) -> None:
    with faulty_gateway() as url:
        result = pytester.runpytest_subprocess(*args(spec_file, url, "-k", "Item"))
    result.stdout.fnmatch_lines([f"collected {len(UNITS)} items / {len(UNITS) - 3} deselected / 3 selected"])
    result.assert_outcomes(passed=3, deselected=len(UNITS) - 3)


def test_a_unit_is_selected_by_its_node_id(pytester: pytest.Pytester, spec_file: Path) -> None:
    with faulty_gateway() as url:
        result = pytester.runpytest_subprocess(
            *args(spec_file, url, "-v", "faulty.openapi.json::lifecycle:createJob")
        )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*collected 1 item", "faulty.openapi.json::lifecycle:createJob PASSED*"])


def test_junit_names_and_classnames_are_the_spec_and_the_unit(
    pytester: pytest.Pytester, spec_file: Path
) -> None:
    junit = pytester.path / "out.xml"
    with faulty_gateway() as url:
        pytester.runpytest_subprocess(*args(spec_file, url, "-k", "Item or lifecycle", f"--junitxml={junit}"))
    cases = [(case.get("classname"), case.get("name")) for case in ET.parse(junit).getroot().iter("testcase")]
    assert cases == [
        ("faulty.openapi.json", "createItem"),
        ("faulty.openapi.json", "getItem"),
        ("faulty.openapi.json", "deleteItem"),
        ("faulty.openapi.json", "lifecycle:createJob"),
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "*--gatewright-base-url needs exactly one of --gatewright-api ID or --gatewright-spec PATH*"),
        (("--gatewright-spec", "missing.json"), "*gatewright: missing.json: file not found*"),
        (("--gatewright-api", "voxvey", "--gatewright-phases", "nope"), "*unknown phases*"),
        (
            ("--gatewright-api", "voxvey", "--gatewright-report-dir", "tox.ini/r"),
            "*cannot write reports to tox.ini/r*",
        ),
    ],
)
def test_incomplete_options_are_a_usage_error(
    pytester: pytest.Pytester, extra: tuple[str, ...], message: str
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--gatewright-base-url", UNREACHABLE, *extra
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_without_base_url_the_plugin_adds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    assert True\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


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


def test_include_and_exclude_choose_the_units(pytester: pytest.Pytester, spec_file: Path) -> None:
    include = ("--gatewright-include", "createItem", "--gatewright-include", "getJob")
    chosen = pytester.runpytest_subprocess(*args(spec_file, UNREACHABLE, "--co", "-q", *include))
    assert listed(chosen) == ["faulty.openapi.json::createItem", "faulty.openapi.json::getJob"]
    rest = pytester.runpytest_subprocess(
        *args(spec_file, UNREACHABLE, "--co", "-q", "--gatewright-exclude", "createItem")
    )
    assert "faulty.openapi.json::createItem" not in listed(rest)
    assert "faulty.openapi.json::getItem" in listed(rest)


SHOW_OPTIONS = """
from gatewright.pytest_items import OPTIONS_KEY

def pytest_collection_finish(session):
    options = session.config.stash[OPTIONS_KEY]
    print("options:", options.rate_limit, options.request_timeout, options.poll_interval, options.budget)
"""


def test_the_verify_options_reach_the_run(pytester: pytest.Pytester, spec_file: Path) -> None:
    pytester.makeconftest(SHOW_OPTIONS)
    timing = ("--gatewright-request-timeout", "2.5", "--gatewright-poll-interval", "0.05")
    result = pytester.runpytest_subprocess(
        *args(spec_file, UNREACHABLE, "--co", "-s", "--gatewright-rate-limit", "120/m", *timing)
    )
    result.stdout.fnmatch_lines(["options: 2.0 2.5 0.05 None"])


def test_budget_skips_the_units_it_cannot_pay_for(pytester: pytest.Pytester, spec_file: Path) -> None:
    with faulty_gateway() as url:
        result = pytester.runpytest_subprocess(
            *args(
                spec_file,
                url,
                "-k",
                "Item",
                "-rs",
                "--gatewright-budget",
                "1",
                "--gatewright-rate-limit",
                "50",
            )
        )
    result.assert_outcomes(passed=1, skipped=2, deselected=len(UNITS) - 3)
    result.stdout.fnmatch_lines(["SKIPPED*--budget of 1 requests spent before this unit*"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--gatewright-include", "noSuchOperation"), "*gatewright: *noSuchOperation*"),
        (("--gatewright-rate-limit", "fast"), "*--gatewright-rate-limit*invalid rate limit 'fast'*"),
        (
            ("--gatewright-request-timeout", "0"),
            "*--gatewright-request-timeout*'0' is not a positive number*",
        ),
    ],
)
def test_a_verify_option_the_plugin_refuses_is_a_usage_error(
    pytester: pytest.Pytester, spec_file: Path, extra: tuple[str, ...], message: str
) -> None:
    result = pytester.runpytest_subprocess(*args(spec_file, UNREACHABLE, *extra))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
