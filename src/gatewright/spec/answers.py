"""One model of an LLM answer, independent of any wire shape, shared by the mock and the runner.

A ``Prompt`` is what a chat, messages, responses or completions request asks for; an
``Answer`` is what comes back. The mock composes answers and renders them per wire
(``mock.answers``); the conformance runner judges a gateway's answers against the same
vocabulary (``conformance.compat``): how each wire spells a finish reason, which event
ends its stream. So the two can never disagree about what "compatible" means.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from gatewright.spec.wires import STREAM_END

__all__ = [
    "ANTHROPIC_STOP",
    "OPENAI_FINISH",
    "REASONING_CONTENT",
    "STREAM_END",
    "Answer",
    "Choice",
    "Finish",
    "OutputFormat",
    "Prompt",
    "TokenLogprob",
    "Tool",
    "ToolCall",
    "ToolChoice",
    "ToolMode",
]


# The chat message field (and stream delta field) holding a thinking model's chain of thought, as the
# OpenAI-compatible routers that show one spell it (DeepSeek, beatra, imarouter): where a spec's prose says
# which models show it, normalize marks the chat ``x-gatewright-reasoning-content``.
REASONING_CONTENT = "reasoning_content"


class ToolMode(enum.Enum):
    AUTO = "auto"  # call a tool while the latest message is the user's, else answer in text
    NONE = "none"  # never call a tool
    REQUIRED = "required"  # always call one (OpenAI "required", Anthropic "any")
    NAMED = "named"  # always call the named one


class Finish(enum.Enum):
    """Why a choice ended; each wire spells it its own way (see ``wire.py``)."""

    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"
    STOP_SEQUENCE = "stop_sequence"

    # Members are singletons, so identity is their hash: in C, where ``Enum.__hash__`` hashes the
    # name in Python on every lookup in the tables below (one per answer choice and stream).
    __hash__ = object.__hash__


# How each wire spells why a choice ended.
OPENAI_FINISH = {
    Finish.STOP: "stop",
    Finish.STOP_SEQUENCE: "stop",
    Finish.LENGTH: "length",
    Finish.TOOL_CALLS: "tool_calls",
}
ANTHROPIC_STOP = {
    Finish.STOP: "end_turn",
    Finish.STOP_SEQUENCE: "stop_sequence",
    Finish.LENGTH: "max_tokens",
    Finish.TOOL_CALLS: "tool_use",
}


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    parameters: Any  # a JSON Schema (dict or bool); None when the tool declares none


@dataclass(frozen=True, slots=True)
class ToolChoice:
    mode: ToolMode = ToolMode.AUTO
    name: str | None = None


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """``text``, ``json_object`` (any JSON object; with a ``schema``, the one its prompt states, an instance
    of it) or ``json_schema`` (valid against ``schema``)."""

    kind: str = "text"
    schema: Any = None


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class Prompt:
    """What one request asks for, whatever its wire shape."""

    model: str
    text: str  # every message's text, for token counts and seeding
    latest_user_text: str
    after_tool_result: bool  # the latest message is a tool result
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice = ToolChoice()
    output: OutputFormat = OutputFormat()
    n: int = 1
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    messages: int = 1
    prompts: tuple[str, ...] = ()  # a legacy completion's batch, each answered ``n`` times (empty: ``text``)
    logprobs: int | None = None  # the likeliest tokens to list per answer token (None: no logprobs asked)
    thinking: int | None = None  # tokens the model may think: an Anthropic budget, a chat thinking model's
    # A chain shown on every turn, after a tool's result too (a chat thinking model's, as DeepSeek's); an
    # Anthropic turn that goes on after a tool's result thinks no more.
    thinks_after_tools: bool = False
    reasoning: int | None = None  # hidden tokens an OpenAI reasoning effort costs (None: none asked)
    # A Responses answer's reasoning item: None shows none (no effort asked, or ``none``), False one with an
    # empty summary, True one whose summary says what it reasoned (``reasoning.summary`` asked).
    summary: bool | None = None
    called: frozenset[str] = frozenset()  # the tools the conversation's earlier turns called, by name

    @property
    def batch(self) -> tuple[str, ...]:
        """The prompts answered ``n`` times each, in order (so ``N * n`` choices): a batch's, or ``text``."""
        return self.prompts or (self.text,)

    @property
    def wants_tool(self) -> bool:
        """Whether the answer calls a tool. Never one the request does not declare: a choice naming
        an undeclared tool (OpenAI's 400, which the spec may not document) is answered in text."""
        if not self.tools:
            return False
        mode = self.tool_choice.mode
        if mode is ToolMode.NONE:
            return False
        if mode is ToolMode.NAMED:
            return any(tool.name == self.tool_choice.name for tool in self.tools)
        if mode is ToolMode.AUTO:
            return not self.after_tool_result
        return True

    def tool(self) -> Tool:
        """The tool to call (``wants_tool``): the named one, else the first declared that the conversation
        has not called yet, else the last declared. A forced call (``required``/``any``) after a tool's
        result moves on through the tools, as a model does once it has what a tool gave: an agent whose
        way out is a tool (pydantic-ai's and instructor's output tool, declared after the function tools)
        reaches it, where always calling the first tool would loop until the agent's request limit."""
        if self.tool_choice.name is not None:
            for tool in self.tools:
                if tool.name == self.tool_choice.name:
                    return tool
        if self.called:
            for tool in self.tools:
                if tool.name not in self.called:
                    return tool
            return self.tools[-1]
        return self.tools[0]


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: Any  # the decoded arguments; wires serialize them as they need


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """One answer token's log probability, and the likeliest tokens at its place (best first: itself)."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()  # (token, logprob) pairs, as many as the request asked


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class Choice:
    text: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish: Finish = Finish.STOP
    stop_sequence: str | None = None  # the one that ended the text (Finish.STOP_SEQUENCE)
    tokens: int = 0  # completion tokens this choice used
    logprobs: tuple[TokenLogprob, ...] | None = None  # one per token of ``text`` (None: not asked for)
    thinking: str | None = None  # the reasoning shown before the answer, where asked (counted in ``tokens``)
    reasoning: int | None = None  # the hidden reasoning tokens before it, where asked (counted in ``tokens``)
    thinking_tokens: int = 0  # the tokens of ``thinking`` (counted in ``tokens``)
    # A Responses reasoning item's summary parts, where the answer shows the item (None: no item). Within
    # the ``reasoning`` tokens, never billed beside them.
    summary: tuple[str, ...] | None = None


_TOKENS = attrgetter("tokens")


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class Answer:
    id: str
    created: int
    model: str
    choices: tuple[Choice, ...]
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        return sum(map(_TOKENS, self.choices))

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def reasoning_tokens(self) -> int | None:
        """The reasoning tokens its choices billed (within ``completion_tokens``): an effort's hidden ones
        and a thinking model's shown chain; None where the request asked for neither, so its usage states
        none (every choice was asked alike)."""
        first = self.choices[0] if self.choices else None
        if first is None or (first.reasoning is None and first.thinking is None):
            return None
        return sum((choice.reasoning or 0) + choice.thinking_tokens for choice in self.choices)
