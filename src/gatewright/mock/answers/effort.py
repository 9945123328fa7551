"""What a request asks the model to spend before its answer: an Anthropic thinking budget, an OpenAI
reasoning effort. Fixed numbers, so a test can count what its cost tracking should bill; the prompt
readers (``prompt.py``) read them into ``Prompt.thinking`` and ``Prompt.reasoning``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "REASONING_TOKENS",
    "SUMMARIES",
    "THINKING_BUDGET",
    "reasoning_summary",
    "reasoning_tokens",
    "thinking_budget",
]

THINKING_BUDGET = 1024  # Anthropic's least budget: a request enabling thinking without one gets this

# The hidden tokens an answer reasons for at each OpenAI effort (chat ``reasoning_effort``, Responses
# ``reasoning.effort``). ``none`` and ``minimal`` reason not at all; an effort not listed here asks for no
# reasoning (the request was validated against the API's own enum, which may list others).
REASONING_TOKENS = {"none": 0, "minimal": 0, "low": 64, "medium": 256, "high": 1024, "xhigh": 2048}


def thinking_budget(value: Any) -> int | None:
    """The thinking budget of an Anthropic request (``{"type": "enabled", "budget_tokens": N}``), None where
    it asks for none."""
    if not isinstance(value, Mapping) or value.get("type") != "enabled":
        return None
    if "budget_tokens" not in value:
        return THINKING_BUDGET
    budget = value.get("budget_tokens")  # a budget that is no count of tokens: no thinking
    return budget if isinstance(budget, int) and not isinstance(budget, bool) and budget > 0 else None


def reasoning_tokens(effort: Any) -> int | None:
    """The reasoning tokens an OpenAI effort costs (``REASONING_TOKENS``), None where it names none."""
    return REASONING_TOKENS.get(effort) if isinstance(effort, str) else None


# The ``reasoning.summary`` values that ask a Responses answer to summarise its reasoning (OpenAI's; ``auto``
# gives the most detailed summary the model has).
SUMMARIES = frozenset({"auto", "concise", "detailed"})


def reasoning_summary(reasoning: Any) -> bool | None:
    """Whether a Responses answer shows a reasoning item (``Prompt.summary``), and with a summary: OpenAI's
    reasoning models put one before their output wherever they reason, at any effort it lists but ``none``
    (which turns reasoning off); True where ``reasoning.summary`` asks for its summary."""
    if not isinstance(reasoning, Mapping):
        return None
    effort = reasoning.get("effort")
    if reasoning_tokens(effort) is None or effort == "none":
        return None
    return reasoning.get("summary") in SUMMARIES
