"""Read what a request asks for from its wire shape into a ``Prompt``.

One reader per family: OpenAI chat completions, legacy completions, the Responses
API and Anthropic Messages. Readers are tolerant: the request was already validated
against the API's own schema, which may be looser or stricter than the official
one, so anything unexpected falls back to the default (no tools, text, one choice).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from gatewright.mock.answers.content import text_of, texts_of
from gatewright.mock.answers.effort import (
    CACHED_NAME,
    THINKING_BUDGET,
    reason_by_default,
    reasoning_summary,
    reasoning_tokens,
    thinking_budget,
)
from gatewright.mock.answers.prompted import may_ask_for_schema, stated_schema
from gatewright.mock.extensions import UNKNOWN
from gatewright.spec.answers import OutputFormat, Prompt, Tool, ToolChoice, ToolMode

if TYPE_CHECKING:
    from gatewright.mock.extensions import MockCall
    from gatewright.mock.operations import MockOperation

__all__ = ["READERS", "prompt_of", "read_for", "read_prompt"]


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else empty: a request field of the wrong type is no input."""
    return value if isinstance(value, list) else []


def _called(calls: Any, key: str | None = None) -> frozenset[str]:
    """The names of the tool calls in ``calls``: each call's own ``name``, or under ``key`` (chat's
    ``function``). ``Prompt.tool`` reads them to move on from the tools already called."""
    holders = (call.get(key) if key and isinstance(call, Mapping) else call for call in _list(calls))
    return frozenset(h["name"] for h in holders if isinstance(h, Mapping) and isinstance(h.get("name"), str))


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _count(value: Any) -> int | None:
    """A count the request gives (zero included), or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _stops(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    return ()


_TEXT = OutputFormat()  # the defaults every plain request reads as: one each, not one a request
_AUTO = ToolChoice()


def _model(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    return model if isinstance(model, str) else ""


def _schema_format(kind: Any, schema: Any) -> OutputFormat:
    if kind == "json_schema":
        return OutputFormat("json_schema", schema if isinstance(schema, Mapping | bool) else {})
    if kind == "json_object":
        return _JSON_MODE
    return _TEXT


_JSON_MODE = OutputFormat("json_object")


def _prompted(
    messages: list[Any], instructions: Any = None, otherwise: OutputFormat = _JSON_MODE
) -> OutputFormat:
    """JSON with the schema the prompt states (``prompted.py``), an instance of it; ``otherwise`` where it
    states none. Asked in JSON mode, and (``otherwise`` is text) of a message whose words ask for one."""
    text = text_of(instructions) if instructions else None
    schema = stated_schema(messages, text, asked_in_words=otherwise is not _JSON_MODE)
    return otherwise if schema is None else OutputFormat("json_object", schema)


def _openai_choice(value: Any, *, flat: bool) -> ToolChoice:
    """``"auto"|"none"|"required"``, a named function (chat: under ``function``; responses: flat), or
    ``allowed_tools`` (its ``mode``; which tools it allows is ``_allowed_tools``)."""
    if value == "none":
        return ToolChoice(ToolMode.NONE)
    if value == "required":
        return ToolChoice(ToolMode.REQUIRED)
    if isinstance(value, Mapping) and value.get("type") == "allowed_tools":
        allowed = _allowed(value, flat=flat)
        return ToolChoice(ToolMode.REQUIRED) if allowed and allowed.get("mode") == "required" else _AUTO
    if isinstance(value, Mapping) and value.get("type") == "function":
        holder = value if flat else value.get("function")
        name = holder.get("name") if isinstance(holder, Mapping) else None
        if not isinstance(name, str):
            name = value.get("name") if isinstance(value.get("name"), str) else None
        if isinstance(name, str):
            return ToolChoice(ToolMode.NAMED, name)
    return _AUTO


def _allowed(choice: Any, *, flat: bool) -> Mapping[str, Any] | None:
    """An ``allowed_tools`` choice's ``mode`` and ``tools`` (chat nests them under ``allowed_tools``,
    the Responses API has them flat), or None for any other choice."""
    if not isinstance(choice, Mapping) or choice.get("type") != "allowed_tools":
        return None
    holder = choice if flat else choice.get("allowed_tools")
    return holder if isinstance(holder, Mapping) else None


def _allowed_tools(tools: tuple[Tool, ...], choice: Any, *, flat: bool) -> tuple[Tool, ...]:
    """The declared tools an ``allowed_tools`` choice lets the model call (all of them otherwise):
    chat names each under ``function``, the Responses API flat."""
    allowed = _allowed(choice, flat=flat)
    if allowed is None:
        return tools
    names = set()
    for tool in _list(allowed.get("tools")):
        named = tool.get("function") if isinstance(tool, Mapping) and not flat else tool
        if isinstance(named, Mapping) and isinstance(named.get("name"), str):
            names.add(named["name"])
    return tuple(tool for tool in tools if tool.name in names)


def read_chat(body: Mapping[str, Any]) -> Prompt:
    """A chat request's prompt, read in one pass over its messages (it runs on every chat answer)."""
    texts: list[str] = []
    latest: Mapping[str, Any] = {}
    latest_user = ""
    called: frozenset[str] = frozenset()
    for message in _list(body.get("messages")):
        if not isinstance(message, dict | Mapping):
            continue
        content = message.get("content")
        text = content if isinstance(content, str) else text_of(content)
        texts.append(text)
        latest = message
        if message.get("role") == "user":
            latest_user = text
        elif message.get("tool_calls"):
            called |= _called(message["tool_calls"], "function")
    prompt = Prompt(_model(body), "\n".join(texts), latest_user, latest.get("role") in ("tool", "function"))
    prompt.messages, prompt.called = len(texts), called
    if not _CHAT_OPTIONS.isdisjoint(body):  # most requests send none of them: one look at the keys
        _chat_options(prompt, body)
    if prompt.output.kind == "text" and may_ask_for_schema(prompt.text):
        prompt.output = _prompted(_list(body.get("messages")), otherwise=_TEXT)
    return prompt


# The fields of a chat request that shape its answer beyond the messages (what ``_chat_options`` reads).
_CHAT_OPTIONS = frozenset(
    {
        "tools",
        "tool_choice",
        "response_format",
        "n",
        "max_completion_tokens",
        "max_tokens",
        "stop",
        "logprobs",
        "reasoning_effort",
    }
)


def _chat_options(prompt: Prompt, body: Mapping[str, Any]) -> None:
    """What a chat request asks beyond its messages, each read only when the request sends it."""
    if (declared := body.get("tools")) is not None:
        tools: list[Tool] = []
        for tool in _list(declared):
            function = tool.get("function") if isinstance(tool, Mapping) else None
            if isinstance(function, Mapping) and isinstance(function.get("name"), str):
                tools.append(Tool(function["name"], function.get("parameters")))
        prompt.tools = tuple(tools)
    if (choice := body.get("tool_choice")) is not None:
        prompt.tool_choice = _openai_choice(choice, flat=False)
        prompt.tools = _allowed_tools(prompt.tools, choice, flat=False)
    if isinstance(response_format := body.get("response_format"), Mapping):
        inner = response_format.get("json_schema")
        schema = inner.get("schema") if isinstance(inner, Mapping) else None
        prompt.output = _schema_format(response_format.get("type"), schema)
        if prompt.output is _JSON_MODE:
            prompt.output = _prompted(_list(body.get("messages")))
    if (n := body.get("n")) is not None:
        prompt.n = _positive(n) or 1
    if "max_completion_tokens" in body or "max_tokens" in body:
        newer = _count(body.get("max_completion_tokens"))
        prompt.max_tokens = newer if newer is not None else _count(body.get("max_tokens"))
    if (stop := body.get("stop")) is not None:
        prompt.stop = _stops(stop)
    if body.get("logprobs") is True:
        prompt.logprobs = _count(body.get("top_logprobs")) or 0
    if (effort := body.get("reasoning_effort")) is not None:
        prompt.reasoning = reasoning_tokens(effort)


def read_completion(body: Mapping[str, Any]) -> Prompt:
    prompts = tuple(texts_of(body.get("prompt")))
    text = " ".join(prompts)
    return Prompt(
        model=_model(body),
        text=text,
        latest_user_text=text,
        after_tool_result=False,
        n=_positive(body.get("n")) or 1,
        max_tokens=_count(body.get("max_tokens")),
        stop=_stops(body.get("stop")),
        messages=len(prompts),  # each prompt counts as a message does, so a batch's usage adds up
        prompts=prompts,
        logprobs=_count(body.get("logprobs")),  # legacy: an integer, the likeliest tokens to list
    )


def read_responses(body: Mapping[str, Any]) -> Prompt:
    raw = body.get("input")
    items: list[Any] = [{"role": "user", "content": raw}] if isinstance(raw, str) else _list(raw)
    items = [i for i in items if isinstance(i, Mapping)]
    latest = items[-1] if items else {}
    users = [i for i in items if i.get("role") == "user"]
    tools = tuple(
        Tool(t["name"], t.get("parameters"))
        for t in _list(body.get("tools"))
        if isinstance(t, Mapping) and t.get("type") == "function" and isinstance(t.get("name"), str)
    )
    tools = _allowed_tools(tools, body.get("tool_choice"), flat=True)
    text_config = body.get("text")
    fmt = text_config.get("format") if isinstance(text_config, Mapping) else None
    output = _schema_format(fmt.get("type"), fmt.get("schema")) if isinstance(fmt, Mapping) else _TEXT
    instructions = body.get("instructions")
    reasoning = body.get("reasoning")
    texts = [instructions] if isinstance(instructions, str) else []
    texts += [text_of(i.get("content", i.get("output", i.get("arguments")))) for i in items]
    text = "\n".join(texts)
    if output is _JSON_MODE or (output.kind == "text" and may_ask_for_schema(text)):
        output = _prompted(items, instructions, output)
    return Prompt(
        model=_model(body),
        text=text,
        latest_user_text=text_of(users[-1].get("content")) if users else "",
        after_tool_result=latest.get("type") == "function_call_output",
        tools=tools,
        tool_choice=_openai_choice(body.get("tool_choice"), flat=True),
        output=output,
        max_tokens=_count(body.get("max_output_tokens")),
        messages=len(items),
        reasoning=reasoning_tokens(reasoning.get("effort")) if isinstance(reasoning, Mapping) else None,
        summary=reasoning_summary(reasoning),
        called=_called([i for i in items if i.get("type") == "function_call"]),
    )


def _anthropic_choice(value: Any) -> ToolChoice:
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind == "none":
        return ToolChoice(ToolMode.NONE)
    if kind == "any":
        return ToolChoice(ToolMode.REQUIRED)
    if kind == "tool" and isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return ToolChoice(ToolMode.NAMED, value["name"])
    return _AUTO


def read_messages(body: Mapping[str, Any]) -> Prompt:
    messages = [m for m in _list(body.get("messages")) if isinstance(m, Mapping)]
    latest = messages[-1] if messages else {}
    content = latest.get("content")
    after_tool = (
        latest.get("role") == "user"
        and isinstance(content, list)
        and any(isinstance(b, Mapping) and b.get("type") == "tool_result" for b in content)
    )
    users = [
        m
        for m in messages
        if m.get("role") == "user"
        and not (
            isinstance(m.get("content"), list)
            and all(isinstance(b, Mapping) and b.get("type") == "tool_result" for b in m["content"])
        )
    ]
    tools = tuple(
        Tool(t["name"], t.get("input_schema"))
        for t in _list(body.get("tools"))
        if isinstance(t, Mapping) and isinstance(t.get("name"), str) and "input_schema" in t
    )
    output = _TEXT
    for holder in (body.get("output_config"), body):  # structured outputs: output_config.format
        fmt = (
            holder.get("format" if holder is not body else "output_format")
            if isinstance(holder, Mapping)
            else None
        )
        if isinstance(fmt, Mapping):
            output = _schema_format(fmt.get("type"), fmt.get("schema"))
            break
    system = body.get("system")
    texts = [text_of(system)] if system else []
    texts += [text_of(m.get("content")) for m in messages]
    text = "\n".join(texts)
    if output.kind == "text" and may_ask_for_schema(text):  # no JSON mode here: the prompt asks in words
        output = _prompted(messages, system, _TEXT)
    return Prompt(
        model=_model(body),
        text=text,
        latest_user_text=text_of(users[-1].get("content")) if users else "",
        after_tool_result=after_tool,
        tools=tools,
        tool_choice=_anthropic_choice(body.get("tool_choice")),
        output=output,
        max_tokens=_count(body.get("max_tokens")),
        stop=_stops(body.get("stop_sequences")),
        messages=len(messages),
        thinking=thinking_budget(body.get("thinking")),
        called=_called(
            [
                b
                for m in messages
                for b in _list(m.get("content"))
                if isinstance(b, Mapping) and b.get("type") == "tool_use"
            ]
        ),
    )


READERS: dict[str, Callable[[Mapping[str, Any]], Prompt]] = {
    "openai-chat": read_chat,
    "openai-completions": read_completion,
    "openai-responses": read_responses,
    "anthropic-messages": read_messages,
}


def read_prompt(wire: str, body: Any) -> Prompt:
    return READERS[wire](body if isinstance(body, Mapping) else {})


def prompt_of(call: MockCall) -> Prompt | None:
    """The prompt of ``call``'s request, read once however many stages ask (rules, answers); None
    where its operation's wire carries none."""
    if call.prompt is UNKNOWN:
        wire = call.operation.wire
        call.prompt = prompt_as(call, wire) if wire is not None else None
    prompt: Prompt | None = call.prompt  # typed, not ``cast``: a call on every answer
    return prompt


def prompt_as(call: MockCall, wire: str) -> Prompt | None:
    """``call``'s request read as a request of ``wire`` (a count of its input tokens is one, on a route
    of its own), with what the conversation it continues saw before (a ``previous_response_id``, an
    Anthropic thread); None where ``wire`` carries none."""
    body = call.body
    if call.conversations is not None and isinstance(body, Mapping):
        body = call.conversations.continued(wire, call.api.name, body)
    return read_for(call.operation, wire, body) if wire in READERS else None


def read_for(op: MockOperation, wire: str, body: Any) -> Prompt:
    """``body`` read as a request of ``wire`` (one of ``READERS``) to ``op``, with what its model does
    unasked: a thinking model's shown chain, a reasoning model's default effort."""
    prompt = read_prompt(wire, body)
    thinkers = op.thinking_models  # the models a chat's spec says show their chain of thought
    if thinkers and prompt.thinking is None and _thinks(thinkers, prompt.model):
        prompt.thinking, prompt.thinks_after_tools = THINKING_BUDGET, True
    reason_by_default(prompt, wire, body)  # a reasoning model asked for no effort: at its default
    return prompt


def _thinks(thinkers: tuple[re.Pattern[str], ...], model: str) -> bool:
    """Whether ``model`` is one the spec says shows its chain of thought (kept per model name, as
    ``effort.default_effort`` keeps its answers: a regex each on every chat request otherwise)."""
    return _known_thinker(thinkers, model) if len(model) <= CACHED_NAME else _shows_thinking(thinkers, model)


def _shows_thinking(thinkers: tuple[re.Pattern[str], ...], model: str) -> bool:
    return any(pattern.search(model) for pattern in thinkers)


_known_thinker = lru_cache(maxsize=1024)(_shows_thinking)
