"""Rules: when a request looks like this, answer like that (README, "Programming the mock").

A ``Rule`` has a ``When`` (every condition given must hold) and one ``Reply`` or a
sequence of them (one per match, the last repeating). A ``Reply`` is what to answer
(``text``, ``tool_calls``, ``json``, ``body``, ``example`` or an error ``status``) and
how (``headers``, latency, stream faults). Values only: loading and checking them is
``loader.py``, matching is ``matcher.py``, numbering, counting and storing is ``book.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from gatewright.mock.sse.faults import StreamFaults

NO_STREAM_FAULTS = StreamFaults()

__all__ = ["FAULT_STATUSES", "Pattern", "Reply", "Rule", "StreamFaults", "ToolCallScript", "When"]

# Statuses a rule may answer on any operation, documented or not: what gateways do under load.
FAULT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})


class Pattern(Protocol):
    """A compiled ``when.regex``: an RE2 program (``loader``), so a search takes time linear in the
    text, whatever the pattern says."""

    def search(self, text: str) -> object | None: ...


@dataclass(frozen=True, slots=True)
class When:
    api: str | None = None
    operation: str | None = None
    method: str | None = None
    path: str | None = None  # a canonical path template, e.g. /v1/jobs/{job_id}
    model: str | None = None  # a glob
    contains: str | None = None  # substring of the latest user message
    regex: Pattern | None = None  # searched in the latest user message
    tools: bool | None = None
    after_tool_result: bool | None = None
    body: tuple[tuple[str, Any], ...] = ()  # JSON pointer -> value
    headers: tuple[tuple[str, str], ...] = ()  # lower-case name -> value

    @property
    def names_operation(self) -> bool:
        return self.operation is not None or self.method is not None or self.path is not None

    @property
    def reads_prompt(self) -> bool:
        return (
            self.contains is not None
            or self.regex is not None
            or self.tools is not None
            or self.after_tool_result is not None
        )


@dataclass(frozen=True, slots=True)
class ToolCallScript:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    text: str | None = None
    tool_calls: tuple[ToolCallScript, ...] = ()
    json: Any = None
    has_json: bool = False  # ``json: null`` is a value
    body: Any = None
    has_body: bool = False
    example: str | None = None
    status: int | None = None
    message: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay_ms: float = 0.0
    stream: StreamFaults = NO_STREAM_FAULTS
    conformant: bool = True

    @property
    def scripts_answer(self) -> bool:
        """Whether it says what an LLM answers (text, tool calls, structured content)."""
        return self.text is not None or bool(self.tool_calls) or self.has_json

    @property
    def sets_body(self) -> bool:
        """Whether it says what the body is (scripted, given, or a named example); a rule that only
        delays, adds headers or cuts a stream leaves the body to the operation's own answer."""
        return self.scripts_answer or self.has_body or self.example is not None

    @property
    def fault(self) -> str | None:
        """A short name of the fault it injects, for the journal (None for a plain answer)."""
        if self.status is not None and self.status >= 400:
            return f"status {self.status}"
        parts = [
            name
            for name, value in (
                ("cut", self.stream.cut_after),
                ("truncate", self.stream.truncate_after),
                ("malformed", self.stream.malformed_after),
                ("stall", self.stream.stall_after),
            )
            if value is not None
        ]
        if self.delay_ms or self.stream.ttft_ms or self.stream.tokens_per_second:
            parts.append("latency")
        return ", ".join(parts) or None


@dataclass(frozen=True, slots=True)
class Rule:
    when: When
    replies: tuple[Reply, ...]  # one, or a sequence (the last repeats)
    id: str = ""  # given by the RuleBook that holds it: rule-1, rule-2, ... per app
    name: str | None = None
    times: int | None = None
    source: str = "runtime"  # a file path, or "runtime" for the control API and Python
    only: frozenset[tuple[str, str]] | None = (
        None  # (api, operationId) it may answer; None: wherever it matches
    )
    document: dict[str, Any] = field(default_factory=dict, compare=False)  # as written, for GET

    @property
    def label(self) -> str:
        return self.name or self.id

    def reply(self, match_number: int) -> Reply:
        """The reply for the ``match_number``-th match (1-based): a sequence's last one repeats."""
        return self.replies[min(match_number, len(self.replies)) - 1]
