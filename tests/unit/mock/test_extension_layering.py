"""No mock extension imports another's modules, and the services under them import no extension.

The rule and its table are ``mock.extensions`` (``EXTENSION_MODULES``, ``ASSEMBLY_MODULES``;
ARCHITECTURE.md, mock, "Extensions and services"). The imports are read from the source with ``ast``,
not from ``sys.modules``: importing the mock loads every extension anyway (``mock.defaults``), and an
import inside a function or under ``TYPE_CHECKING`` is a dependency all the same. A package's
``__init__`` is a facade: a name imported through it counts as the module it comes from.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import dedent

import gatewright
from gatewright.mock.defaults import default_extensions
from gatewright.mock.extensions import ASSEMBLY_MODULES, EXTENSION_MODULES
from gatewright.mock.replay.extension import ReplayExtension

PACKAGE = "gatewright.mock"
SOURCE = Path(gatewright.__file__).parent.parent  # the folder that holds ``gatewright/``


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # what the statement reads from, relative imports resolved
    name: str | None  # the name taken from it (None: ``import module``)
    bound: str | None  # the name it is bound to in the importing module


@dataclass(slots=True)
class Mock:
    """The mock's modules under ``source`` and what each imports."""

    source: Path
    files: dict[str, Path] = field(default_factory=dict)  # dotted name -> file (a package: its __init__)
    imports: dict[str, list[Import]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in sorted((self.source / "gatewright" / "mock").rglob("*.py")):
            parts = path.relative_to(self.source).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            self.files[name] = path
        for name, path in self.files.items():
            self.imports[name] = list(_imports(name, path))

    def is_facade(self, name: str) -> bool:
        return self.files[name].name == "__init__.py"

    def homes(self, statement: Import) -> set[str]:
        """The mock modules an import depends on: a facade's re-exports resolved to their own module."""
        module, name = statement.module, statement.name
        if module != PACKAGE and not module.startswith(f"{PACKAGE}."):
            return set()
        if name is not None and f"{module}.{name}" in self.files:
            return self.homes(Import(f"{module}.{name}", None, None))
        if module not in self.files or not self.is_facade(module):
            return {module} if module in self.files else set()
        exported = [i for i in self.imports[module] if name is None or i.bound == name]
        if name is not None and not exported:
            return {module}  # defined in the ``__init__`` itself
        return {home for i in exported for home in self.homes(i)}

    def named(self, name: str) -> set[str]:
        """Every mock module ``name`` imports (itself left out)."""
        return {home for i in self.imports[name] for home in self.homes(i)} - {name}


def _imports(name: str, path: Path) -> Iterator[Import]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, None, alias.asname)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                yield Import(base, alias.name, alias.asname or alias.name)


def violations(mock: Mock, extensions: Mapping[str, Set[str]], assembly: Set[str]) -> list[str]:
    """Each import that breaks the layering, as ``importer -> imported (why)``."""
    owner = {module: extension for extension, modules in extensions.items() for module in modules}
    found: list[str] = []
    for name in sorted(mock.files):
        if name in assembly or mock.is_facade(name):
            continue
        for imported in sorted(mock.named(name)):
            if imported in assembly:
                found.append(f"{name} -> {imported} (assembles the extensions)")
            elif imported in owner and name not in owner:
                found.append(f"{name} -> {imported} (a service imports the {owner[imported]} extension)")
            elif imported in owner and owner[imported] != owner[name]:
                found.append(f"{name} -> {imported} ({owner[name]} imports the {owner[imported]} extension)")
    return found


def test_no_extension_imports_another_and_no_service_imports_one() -> None:
    assert violations(Mock(SOURCE), EXTENSION_MODULES, ASSEMBLY_MODULES) == []


def test_the_table_lists_every_extension_the_mock_installs() -> None:
    mock = Mock(SOURCE)
    listed = {module for modules in EXTENSION_MODULES.values() for module in modules}
    assert listed <= set(mock.files) - {name for name in mock.files if mock.is_facade(name)}
    assert set(mock.files) >= ASSEMBLY_MODULES
    installed = [*default_extensions(), ReplayExtension.__new__(ReplayExtension)]
    for extension in installed:  # under its name; the stored responses' is the answers' (not a key)
        module = type(extension).__module__
        where = EXTENSION_MODULES.get(extension.name, listed)
        assert module in where, f"{type(extension).__name__} ({module}) is not in EXTENSION_MODULES"


def test_the_check_sees_imports_through_facades_functions_and_relative_names(tmp_path: Path) -> None:
    """The checker itself: each way of importing it must see is reported (none would pass silently)."""
    files = {
        "__init__.py": "",
        "core.py": "VALUE = 1",
        "defaults.py": """
            from gatewright.mock.a import AThing
            from gatewright.mock.b import run
        """,
        "a/__init__.py": """
            from gatewright.mock.a.extension import AThing
            from gatewright.mock.a.words import WORD
        """,
        "a/extension.py": """
            from gatewright.mock.a.words import WORD
            from gatewright.mock.core import VALUE
        """,
        "a/words.py": "from .extension import AThing",
        "b.py": """
            from typing import TYPE_CHECKING
            from gatewright.mock.a import WORD
            if TYPE_CHECKING:
                from gatewright.mock.a import AThing
            def run():
                from gatewright.mock import defaults
        """,
    }
    for name, text in files.items():
        path = tmp_path / "gatewright" / "mock" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    extensions = {"a": {"gatewright.mock.a.extension"}, "b": {"gatewright.mock.b"}}
    assert violations(Mock(tmp_path), extensions, {"gatewright.mock.defaults"}) == [
        "gatewright.mock.a.words -> gatewright.mock.a.extension (a service imports the a extension)",
        "gatewright.mock.b -> gatewright.mock.a.extension (b imports the a extension)",
        "gatewright.mock.b -> gatewright.mock.defaults (assembles the extensions)",
    ]
