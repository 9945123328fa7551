"""The answers kept per model name (which models reason unasked, which show their thinking) keep no name
longer than any model's: a client sending made-up names, each as long as a body may be, cannot grow the
mock (review: 300 names of 1 MiB held 320 MiB)."""

from __future__ import annotations

import re
import tracemalloc

from gatewright.mock.answers.effort import CACHED_NAME, default_effort
from gatewright.mock.answers.prompt import _thinks

LONG = 100_000


def _retained(ask: object) -> int:
    """Bytes still held after asking about 40 distinct long names."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(40):
            ask(f"o3-{number}-" + "x" * LONG)  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_long_model_names_are_answered_but_not_kept() -> None:
    thinkers = (re.compile("reasoner"),)
    assert _retained(default_effort) < LONG
    assert _retained(lambda model: _thinks(thinkers, model)) < LONG
    assert default_effort("openai/o3-" + "x" * CACHED_NAME) == "medium"  # the same answer, not kept
    assert _thinks(thinkers, "deepseek-reasoner-" + "x" * CACHED_NAME)
    assert default_effort("gpt-4o-mini") is None and default_effort("O3") == "medium"
