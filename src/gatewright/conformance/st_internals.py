"""Every touch of schemathesis's internals (4.x), in one place; the rest of verify uses its public API.

Three touches: the check registry (to pick checks by name), a case's body written past its edit
tracking (``cases.py``'s positive bodies), and the coverage module imported ahead of time.
"""

from __future__ import annotations

import importlib
from typing import Any

from schemathesis.checks import CHECKS, load_all_checks  # the check registry

# schemathesis imports its coverage module lazily, on the first coverage case. Units run on worker
# threads, and under pytest (where schemathesis is a plugin whose modules pytest rewrites with
# ast.parse) a first import there races another thread's compile on CPython 3.11's shared AST
# state: "SystemError: AST constructor recursion depth mismatch". Importing it here, once, on the
# importing thread, takes the race away.
importlib.import_module("schemathesis.specs.openapi.coverage._operation")


def checks_by_name() -> dict[str, Any]:
    """Every check schemathesis registers (its own and any loaded plugin's), by name."""
    load_all_checks()
    return dict(zip(CHECKS.get_all_names(), CHECKS.get_all(), strict=True))


def write_body_untracked(case: Any, body: Any) -> None:
    """Give ``case`` this body without schemathesis noticing the edit: the tracking would relabel the
    case on send (any body with a file part as negative)."""
    object.__setattr__(case, "body", body)
