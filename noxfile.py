"""Developer sessions: tests, lint, types, spec linters and the long conformance judges."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "types"]
nox.options.default_venv_backend = "venv"

SOURCES = ["src", "tests", "benchmarks", "noxfile.py"]


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def fast(session: nox.Session) -> None:
    """The fast lane: every test not marked ``slow`` (under two minutes; no subprocess servers, Redis,
    pytester runs or whole normalize/verify passes). Before a push, run ``nox -s tests`` too."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def types(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def canonical(session: nox.Session) -> None:
    """The committed canonical specs match a fresh normalize."""
    session.install("-e", ".")
    session.run("gatewright", "normalize", "--check")


@nox.session(python=False)
def spec_lint(session: nox.Session) -> None:
    """Redocly (recommended rules) and Spectral (spectral:oas) over every canonical spec: 0 errors."""
    tools = ".nox/spec_lint_node"
    session.run(
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--prefix",
        tools,
        "@redocly/cli@2",
        "@stoplight/spectral-cli@6",
        external=True,
    )
    for spec in sorted(Path("specs/canonical").glob("*.openapi.json")):
        session.run(
            f"{tools}/node_modules/.bin/redocly",
            "lint",
            "--extends",
            "recommended",
            "--format",
            "summary",
            str(spec),
            external=True,
        )
        session.run(
            f"{tools}/node_modules/.bin/spectral",
            "lint",
            "-r",
            ".spectral.yaml",
            "--fail-severity",
            "error",
            str(spec),
            external=True,
        )


@nox.session
def differential(session: nox.Session) -> None:
    """The mock's request validation against openapi-core, 50 random requests per operation (CI: 2)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "tests/integration/test_validation_differential.py",
        *session.posargs,
        env={"GATEWRIGHT_DIFFERENTIAL_EXAMPLES": "50"},
    )


@nox.session
def verify_mock(session: nox.Session) -> None:
    """``gatewright verify`` against the project's own mock, all five APIs (posargs: API ids)."""
    session.install("-e", ".")
    session.run("python", "tests/judges/run_judges.py", "verify", *session.posargs, "--max-examples", "10")


@nox.session
def mock_judge(session: nox.Session) -> None:
    """Plain schemathesis (``st run --checks all``) against the mock, all five APIs (posargs: API ids)."""
    session.install("-e", ".")
    session.run(
        "python", "tests/judges/run_judges.py", "schemathesis", *session.posargs, "--max-examples", "5"
    )
