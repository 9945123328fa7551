"""What a request asks the model to spend before its answer: an Anthropic thinking budget, an OpenAI
reasoning effort, or the effort a reasoning model spends where the request names none. Fixed numbers, so a
test can count what its cost tracking should bill; the prompt readers (``prompt.py``) read them into
``Prompt.thinking`` and ``Prompt.reasoning``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gatewright.spec.answers import Prompt

__all__ = [
    "REASONING_TOKENS",
    "SUMMARIES",
    "THINKING_BUDGET",
    "default_effort",
    "reason_by_default",
    "reasoning_summary",
    "reasoning_tokens",
    "thinking_budget",
]

THINKING_BUDGET = 1024  # Anthropic's least budget: a request enabling thinking without one gets this

# The hidden tokens an answer reasons for at each OpenAI effort (chat ``reasoning_effort``, Responses
# ``reasoning.effort``; openai-python 3.63's ``ReasoningEffort`` lists ``none`` to ``max``). ``none`` and
# ``minimal`` reason not at all; an effort not listed here asks for no reasoning. A request reaches here
# validated against the API's own schema, so an effort reasons only where that schema takes it (``max``:
# wherever the effort is free-form; beatra's and ipop's chat enums stop at ``high`` and ``xhigh``).
REASONING_TOKENS = {
    "none": 0,
    "minimal": 0,
    "low": 64,
    "medium": 256,
    "high": 1024,
    "xhigh": 2048,
    "max": 4096,
}


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


# The reasoning models by name (after any ``provider/`` prefix, case aside), with the effort each reasons at
# where the request names none, as OpenAI documents it (openai-python's ``ReasoningEffort``): the o-series
# and every gpt-5 before gpt-5.1 at ``medium``, gpt-5-pro only at ``high``, gpt-5.1 and later at ``none``
# (no reasoning unless asked); gpt-5's chat models do not reason. The families that always reason and have
# no effort to name (DeepSeek's reasoner and R1, the ``-thinking`` models, GLM-Z1, Hunyuan-T1, QwQ) reason
# as much as ``medium``. The first pattern that matches decides.
_DEFAULT_EFFORTS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^o[1-9](?:-|$)"), "medium"),
    (re.compile(r"^gpt-5(?:-[0-9-]+)?-chat\b|^gpt-5\.[0-9]+-chat\b"), None),
    (re.compile(r"^gpt-5\.[1-9]"), "none"),
    (re.compile(r"^gpt-5(?:-[0-9-]+)?-pro\b"), "high"),
    (re.compile(r"^gpt-5(?:$|-)"), "medium"),
    (re.compile(r"(?:non|no)-?thinking"), None),
    (re.compile(r"reasoner|(?:^|[-_.])r1(?:$|[-_.])|thinking|glm-z1|hunyuan-t1|^qwq"), "medium"),
)


def default_effort(model: str) -> str | None:
    """The effort ``model`` reasons at where an OpenAI-style request (chat, Responses) names none, None for
    a model that does not reason: the one home for which models reason unasked (``_DEFAULT_EFFORTS``).
    ``none`` is an effort too: the model could reason, but does not unless asked."""
    name = model.rsplit("/", 1)[-1].lower()
    return _known_effort(name) if len(name) <= CACHED_NAME else _effort_of(name)


def _effort_of(name: str) -> str | None:
    for pattern, effort in _DEFAULT_EFFORTS:
        if pattern.search(name):
            return effort
    return None


# Asked on every chat and Responses request (seven regexes: 2 µs), so kept per model name; a name longer
# than any model's is looked at each time, so a client's made-up names cannot grow the cache past bytes.
CACHED_NAME = 256
_known_effort = lru_cache(maxsize=1024)(_effort_of)


# The wires whose requests name an OpenAI reasoning effort; an Anthropic model thinks only where asked.
_EFFORT_WIRES = frozenset({"openai-chat", "openai-responses"})


def reason_by_default(prompt: Prompt, wire: str, body: Any) -> None:
    """A reasoning model asked for no effort reasons at its default (``default_effort``), as OpenAI's and
    DeepSeek's do: hidden tokens billed, and on the Responses API its reasoning item, with the summary that
    ``reasoning.summary`` asks for. Not where the request named an effort (``none`` included), nor where
    the model already shows its chain (``thinking``: spent once), nor at a default of ``none``."""
    if prompt.reasoning is not None or prompt.thinking is not None or wire not in _EFFORT_WIRES:
        return
    effort = default_effort(prompt.model)
    if effort is None or effort == "none":
        return
    prompt.reasoning = reasoning_tokens(effort)
    if wire == "openai-responses":
        asked = body.get("reasoning") if isinstance(body, Mapping) else None
        prompt.summary = reasoning_summary(
            {**(asked if isinstance(asked, Mapping) else {}), "effort": effort}
        )
