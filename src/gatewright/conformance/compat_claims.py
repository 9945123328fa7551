"""What the compatibility phase claims of each wire: the requests it sends and how it judges answers.

A ``Claim`` adds fields to a valid request of the operation and judges the answer as the
wire's SDK reads it (``compat_read.Observed``), returning what is wrong or None. The
schemas the requests send (a weather tool, a time tool, a person) are fixed, so a
judge knows what valid arguments and content look like.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from gatewright.conformance.checks import (
    COMPAT_EMBEDDINGS,
    COMPAT_FRESH_IDS,
    COMPAT_N,
    COMPAT_STREAM,
    COMPAT_STREAM_TOOL_CALL,
    COMPAT_STRUCTURED_OUTPUT,
    COMPAT_TOKEN_LIMIT,
    COMPAT_TOOL_CALL,
    COMPAT_USAGE,
)
from gatewright.conformance.compat_read import Observed
from gatewright.spec.answers import Finish
from gatewright.spec.validation import describe

__all__ = ["CLAIMED", "CLAIMS", "EMBEDDING_INPUTS", "PHASE", "Claim", "checks_of"]

PHASE = "compatibility"
WEATHER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit", "days"],
    "additionalProperties": False,
}
TIME: dict[str, Any] = {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}
PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
    "additionalProperties": False,
}
_TOOLS = {"get_weather": WEATHER, "get_time": TIME}
_PROMPT = "What is the weather in Paris?"
# Request fields a claim decides: a valid example's own values (a small max_tokens, a stop, tools)
# would change what the answer must be.
CLAIMED = frozenset(
    {
        "messages",
        "input",
        "prompt",
        "instructions",
        "tools",
        "tool_choice",
        "stream",
        "stream_options",
        "n",
        "response_format",
        "text",
        "max_tokens",
        "max_completion_tokens",
        "max_output_tokens",
        "stop",
        "stop_sequences",
        "logprobs",
        "top_logprobs",
        "output_config",
        "background",
    }
)


@dataclass(frozen=True, slots=True)
class Claim:
    check: str  # the id findings carry, of a compatibility check registered in ``checks.py``
    says: str  # the claim, as a finding's title states it
    fields: Callable[[], dict[str, Any]]  # what the request adds to a valid body
    judge: Callable[[Observed, dict[str, Any]], str | None]  # what is wrong, or None
    stream: bool = False
    twice: bool = False  # send the same request twice (fresh ids)
    plain: bool = False  # asks for nothing special: a 4xx is a failure, not "not supported"


# -- judges ---------------------------------------------------------------------------------------


def _usage_adds_up(observed: Observed, names: tuple[str, str, str]) -> str | None:
    usage = observed.usage
    if usage is None:
        return "no usage in the answer"
    prompt, completion, total = (usage.get(name) for name in names)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (prompt, completion)):
        return f"usage {names[0]}/{names[1]} are not non-negative integers: {dict(usage)}"
    if names[2] and total is not None and total != prompt + completion:  # type: ignore[operator]
        return f"usage.{names[2]} is {total}, not {names[0]} + {names[1]} = {prompt + completion}"  # type: ignore[operator]
    return None


def _tool_call(expected: str, *, allow_any: bool = False) -> Callable[[Observed, dict[str, Any]], str | None]:
    def judge(observed: Observed, _request: dict[str, Any]) -> str | None:
        if not observed.choices:
            return "no choices in the answer"
        choice = observed.choices[0]
        if not choice.calls:
            return (
                f"no tool call although the request forces one (finish: {choice.finish_raw!r}); "
                "an agent loop using the SDK would stop here"
            )
        call = choice.calls[0]
        if not allow_any and call.name != expected:
            return f"called {call.name!r}, not the tool the request named ({expected!r})"
        schema = _TOOLS.get(call.name)
        try:
            arguments = json.loads(call.arguments)
        except ValueError:
            return f"arguments are not JSON: {call.arguments[:200]!r}; the SDK's parse helpers raise"
        if schema is not None:
            errors = sorted(Draft202012Validator(schema).iter_errors(arguments), key=lambda e: list(e.path))
            if errors:
                return f"arguments {arguments!r} fail the tool's schema: {describe(errors[0])}"
        if choice.finish not in (Finish.TOOL_CALLS, Finish.STOP, None) and choice.finish_raw is not None:
            # OpenAI itself finishes a forced (named) call with "stop"; a length cut is what breaks it
            return f"a tool call finished with {choice.finish_raw!r}"
        return None

    return judge


def _structured(observed: Observed, _request: dict[str, Any]) -> str | None:
    if not observed.choices or observed.choices[0].text is None:
        return "no text content in the answer"
    text = observed.choices[0].text
    try:
        value = json.loads(text)
    except ValueError:
        return f"content is not JSON: {text[:200]!r}; the SDK's parse() raises"
    errors = list(Draft202012Validator(PERSON).iter_errors(value))
    return f"content {value!r} fails the schema sent: {describe(errors[0])}" if errors else None


def _n_choices(observed: Observed, _request: dict[str, Any]) -> str | None:
    indexes = sorted(choice.index for choice in observed.choices)
    return None if indexes == [0, 1] else f"n=2 asked for two choices (index 0, 1); got indexes {indexes}"


def _length(finish_name: str) -> Callable[[Observed, dict[str, Any]], str | None]:
    def judge(observed: Observed, _request: dict[str, Any]) -> str | None:
        if not observed.choices:
            return "no choices in the answer"
        choice = observed.choices[0]
        if choice.finish is not Finish.LENGTH:
            return f"a 1-token limit ended with {choice.finish_raw!r}, not {finish_name!r}"
        return None

    return judge


def _usage(names: tuple[str, str, str]) -> Callable[[Observed, dict[str, Any]], str | None]:
    return lambda observed, _request: _usage_adds_up(observed, names)


def _stream(names: tuple[str, str, str] | None) -> Callable[[Observed, dict[str, Any]], str | None]:
    def judge(observed: Observed, _request: dict[str, Any]) -> str | None:
        if not observed.ended:
            return f"the stream ended after {observed.events} events without its terminal event"
        if len(observed.ids) > 1:
            return f"the chunks of one stream carry {len(observed.ids)} different ids"
        if not observed.choices or not (observed.choices[0].text or observed.choices[0].calls):
            return "the stream carried no content"
        return _usage_adds_up(observed, names) if names else None

    return judge


def _stream_tool(observed: Observed, request: dict[str, Any]) -> str | None:
    return _stream(None)(observed, request) or _tool_call("get_weather", allow_any=True)(observed, request)


# -- requests ---------------------------------------------------------------------------------------


def _chat_tools() -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": n, "parameters": s}} for n, s in _TOOLS.items()]


def _user() -> list[dict[str, Any]]:
    return [{"role": "user", "content": _PROMPT}]


CHAT_USAGE = ("prompt_tokens", "completion_tokens", "total_tokens")
RESPONSES_USAGE = ("input_tokens", "output_tokens", "total_tokens")
ANTHROPIC_USAGE = ("input_tokens", "output_tokens", "")

CLAIMS: dict[str, tuple[Claim, ...]] = {
    "openai-chat": (
        Claim(
            COMPAT_TOOL_CALL.id,
            "tool_choice required answers with a valid tool call",
            lambda: {"messages": _user(), "tools": _chat_tools(), "tool_choice": "required"},
            _tool_call("get_weather", allow_any=True),
        ),
        Claim(
            COMPAT_TOOL_CALL.id,
            "a named tool_choice calls that tool",
            lambda: {
                "messages": _user(),
                "tools": _chat_tools(),
                "tool_choice": {"type": "function", "function": {"name": "get_time"}},
            },
            _tool_call("get_time"),
        ),
        Claim(
            COMPAT_STRUCTURED_OUTPUT.id,
            "a json_schema response_format answers JSON valid against it",
            lambda: {
                "messages": _user(),
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "person", "schema": PERSON},
                },
            },
            _structured,
        ),
        Claim(COMPAT_N.id, "n=2 answers two choices", lambda: {"messages": _user(), "n": 2}, _n_choices),
        Claim(
            COMPAT_TOKEN_LIMIT.id,
            "max_tokens=1 finishes with length",
            lambda: {"messages": _user(), "max_tokens": 1},
            _length("length"),
        ),
        Claim(
            COMPAT_USAGE.id, "usage adds up", lambda: {"messages": _user()}, _usage(CHAT_USAGE), plain=True
        ),
        Claim(
            COMPAT_FRESH_IDS.id,
            "each answer has a fresh id",
            lambda: {"messages": _user()},
            lambda o, r: None,
            twice=True,
            plain=True,
        ),
        Claim(
            COMPAT_STREAM.id,
            "a stream with include_usage ends with [DONE] after a usage chunk",
            lambda: {"messages": _user(), "stream": True, "stream_options": {"include_usage": True}},
            _stream(CHAT_USAGE),
            stream=True,
        ),
        Claim(
            COMPAT_STREAM_TOOL_CALL.id,
            "a streamed tool call reassembles into valid arguments",
            lambda: {"messages": _user(), "tools": _chat_tools(), "tool_choice": "required", "stream": True},
            _stream_tool,
            stream=True,
        ),
    ),
    "openai-completions": (
        Claim(COMPAT_N.id, "n=2 answers two choices", lambda: {"prompt": "Say hi", "n": 2}, _n_choices),
        Claim(
            COMPAT_TOKEN_LIMIT.id,
            "max_tokens=1 finishes with length",
            lambda: {"prompt": "Say hi", "max_tokens": 1},
            _length("length"),
        ),
        Claim(COMPAT_USAGE.id, "usage adds up", lambda: {"prompt": "Say hi"}, _usage(CHAT_USAGE), plain=True),
        Claim(
            COMPAT_STREAM.id,
            "a stream ends with [DONE]",
            lambda: {"prompt": "Say hi", "stream": True},
            _stream(None),
            stream=True,
        ),
    ),
    "openai-responses": (
        Claim(
            COMPAT_TOOL_CALL.id,
            "tool_choice required answers with a valid function_call",
            lambda: {
                "input": _PROMPT,
                "tools": [{"type": "function", "name": n, "parameters": s} for n, s in _TOOLS.items()],
                "tool_choice": "required",
            },
            _tool_call("get_weather", allow_any=True),
        ),
        Claim(
            COMPAT_STRUCTURED_OUTPUT.id,
            "text.format json_schema answers JSON valid against it",
            lambda: {
                "input": _PROMPT,
                "text": {"format": {"type": "json_schema", "name": "person", "schema": PERSON}},
            },
            _structured,
        ),
        Claim(
            COMPAT_USAGE.id, "usage adds up", lambda: {"input": _PROMPT}, _usage(RESPONSES_USAGE), plain=True
        ),
        Claim(
            COMPAT_FRESH_IDS.id,
            "each answer has a fresh id",
            lambda: {"input": _PROMPT},
            lambda o, r: None,
            twice=True,
            plain=True,
        ),
        Claim(
            COMPAT_STREAM.id,
            "a stream ends with response.completed",
            lambda: {"input": _PROMPT, "stream": True},
            _stream(RESPONSES_USAGE),
            stream=True,
        ),
    ),
    "anthropic-messages": (
        Claim(
            COMPAT_TOOL_CALL.id,
            'tool_choice {"type": "any"} answers with a valid tool_use block',
            lambda: {
                "messages": _user(),
                "max_tokens": 256,
                "tools": [{"name": n, "input_schema": s} for n, s in _TOOLS.items()],
                "tool_choice": {"type": "any"},
            },
            _tool_call("get_weather", allow_any=True),
        ),
        Claim(
            COMPAT_TOOL_CALL.id,
            'a named tool_choice {"type": "tool"} calls that tool',
            lambda: {
                "messages": _user(),
                "max_tokens": 256,
                "tools": [{"name": n, "input_schema": s} for n, s in _TOOLS.items()],
                "tool_choice": {"type": "tool", "name": "get_time"},
            },
            _tool_call("get_time"),
        ),
        Claim(
            COMPAT_TOKEN_LIMIT.id,
            "max_tokens=1 stops with max_tokens",
            lambda: {"messages": _user(), "max_tokens": 1},
            _length("max_tokens"),
        ),
        Claim(
            COMPAT_USAGE.id,
            "usage is reported",
            lambda: {"messages": _user(), "max_tokens": 64},
            _usage(ANTHROPIC_USAGE),
        ),
        Claim(
            COMPAT_FRESH_IDS.id,
            "each answer has a fresh id",
            lambda: {"messages": _user(), "max_tokens": 64},
            lambda o, r: None,
            twice=True,
            plain=True,
        ),
        Claim(
            COMPAT_STREAM.id,
            "a stream ends with message_stop",
            lambda: {"messages": _user(), "max_tokens": 64, "stream": True},
            _stream(ANTHROPIC_USAGE),
            stream=True,
        ),
        Claim(
            COMPAT_STREAM_TOOL_CALL.id,
            "a streamed tool_use reassembles into valid input",
            lambda: {
                "messages": _user(),
                "max_tokens": 256,
                "tools": [{"name": n, "input_schema": s} for n, s in _TOOLS.items()],
                "tool_choice": {"type": "any"},
                "stream": True,
            },
            _stream_tool,
            stream=True,
        ),
    ),
}
EMBEDDING_INPUTS = ["alpha", "beta", "gamma", "alpha"]


def checks_of(wire: str) -> tuple[str, ...]:
    """The check ids a wire's claims carry, in order: one unit (one pytest item) each."""
    if wire == "openai-embeddings":
        return (COMPAT_EMBEDDINGS.id,)
    return tuple(dict.fromkeys(claim.check for claim in CLAIMS.get(wire, ())))
