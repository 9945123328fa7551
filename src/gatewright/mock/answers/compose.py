"""The answer policy: what the mock says to a ``Prompt``.

- Tools: a call when the request forces one (``required``/``any``, a named tool) or
  allows one (``auto``) while the latest message is the user's; text after a tool
  result or with ``none``, so agent loops end. Arguments are valid against the tool's
  schema.
- Structured output: JSON valid against the requested schema (``json_object``: an object, an instance of
  the schema the prompt states where it states one: ``prompted.py``).
- ``n`` choices per prompt (a legacy completion's batch: ``N * n``, each prompt's text its
  own); ``max_tokens`` cuts text and finishes with ``length``; a stop sequence ends the
  text before it.
- Logprobs, where asked for, score the tokens of each choice's text (``token_logprobs``).
- Thinking (Anthropic) and reasoning (an OpenAI effort: the hidden tokens ``REASONING_TOKENS`` in
  ``effort.py`` lists) come before each choice's text, billed with it and inside ``max_tokens`` with it;
  a Responses answer shows its reasoning as an item, with a summary where asked (``Choice.summary``).
- Ids are fresh per answer (reproducible under a seed); text and arguments depend only on
  the request, so the same request gets the same answer.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gatewright.mock.answers.arguments import SchemaValues
from gatewright.mock.answers.text import (
    answer_text,
    count_tokens,
    cut_at_stop,
    sentence,
    token_logprobs,
    truncate_tokens,
)
from gatewright.spec.answers import Answer, Choice, Finish, Prompt, ToolCall

__all__ = ["Composer", "IdSource"]


class IdSource:
    """Fresh opaque ids; the same sequence after every ``reset`` under a seed."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        # Unseeded: a generator seeded once from the OS (not a system call per id).
        self._rng = random.Random(seed)

    def next(self) -> str:
        """24 hex digits: opaque, unique, cheap (the digits ``f"{bits:024x}"`` writes, in half its time)."""
        return self._rng.getrandbits(96).to_bytes(12, "big").hex()

    def reset(self) -> None:
        if self.seed is not None:
            self._rng = random.Random(self.seed)


class Composer:
    def __init__(
        self,
        *,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        ids: IdSource | None = None,
        values: SchemaValues | None = None,
    ) -> None:
        self.seed = seed
        self.clock = clock or time.time
        self.ids = ids or IdSource(seed)
        self.values = values or SchemaValues(seed=seed, clock=clock)

    def prompt_tokens(self, prompt: Prompt) -> int:
        if not prompt.prompts:  # one prompt: its text
            return max(1, count_tokens(prompt.text) + 3 * prompt.messages)
        return max(1, sum(count_tokens(text) for text in prompt.prompts) + 3 * prompt.messages)

    def answer(self, prompt: Prompt, *, wire: str = "", default_model: str = "") -> Answer:
        if prompt.n == 1 and not prompt.prompts:  # most requests: one choice for one prompt
            only = self._choice(prompt, f"{self.seed}|{wire}|{prompt.model}|{prompt.text}|0")
            choices: tuple[Choice, ...] = (self._scored(prompt, only),)
        else:
            key = f"{self.seed}|{wire}|{prompt.model}"
            choices = tuple(
                self._scored(prompt, self._choice(prompt, f"{key}|{text}|{index}"), index=index)
                for text in prompt.batch
                for index in range(prompt.n)
            )
        model = prompt.model or default_model
        return Answer(self.ids.next(), int(self.clock()), model, choices, self.prompt_tokens(prompt))

    def reply(self, prompt: Prompt, *, wire: str = "") -> str:
        """The text ``answer`` gives ``prompt``'s one choice (keyed alike: the same prompt and seed, the same
        text), for an answer shown outside an LLM wire (an agent task's ``output``). It mints no id, so
        the ids of the LLM answers that follow stay those a seed gives."""
        return self._text_choice(prompt, f"{self.seed}|{wire}|{prompt.model}|{prompt.text}|0").text or ""

    def scripted(
        self,
        prompt: Prompt,
        *,
        text: str | None,
        calls: tuple[tuple[str, Any], ...] = (),
        default_model: str = "",
    ) -> Answer:
        """The answer a rule scripts: this text and/or these tool calls (name, arguments), ``n`` times
        for each prompt."""

        def choice() -> Choice:
            tool_calls = tuple(ToolCall(self.ids.next(), name, arguments) for name, arguments in calls)
            tokens = count_tokens(text or "") + sum(
                count_tokens(json.dumps(call.arguments, separators=(", ", ": "))) for call in tool_calls
            )
            finish = Finish.TOOL_CALLS if tool_calls else Finish.STOP
            return Choice(text if text is not None or tool_calls else "", tool_calls, finish, tokens=tokens)

        return Answer(
            id=self.ids.next(),
            created=int(self.clock()),
            model=prompt.model or default_model,
            choices=tuple(
                self._scored(prompt, choice(), scripted=True, index=index % prompt.n)
                for index in range(len(prompt.batch) * prompt.n)
            ),
            prompt_tokens=self.prompt_tokens(prompt),
        )

    def _scored(self, prompt: Prompt, choice: Choice, *, scripted: bool = False, index: int = 0) -> Choice:
        """``choice`` with what the request asks beside it: the thinking or reasoning before it, its text's
        logprobs. A rule's ``scripted`` text is sent whole, reasoned or not (``max_tokens`` never cuts it)."""
        if prompt.thinking is not None and (prompt.thinks_after_tools or not prompt.after_tool_result):
            choice = self._thought(prompt, choice, cut=not scripted, index=index)
        if prompt.reasoning is not None:  # after a thinking model's shown chain, which it spends beside
            choice = _reasoned(prompt, choice, cut=not scripted, before=choice.thinking_tokens)
            if prompt.summary is not None:  # a Responses reasoning item, summarised where asked
                salt = f"|{index}" if index else ""
                seed = f"{self.seed}|summary|{prompt.text}{salt}"
                choice = replace(choice, summary=(answer_text(seed)[0],) if prompt.summary else ())
        if prompt.logprobs is not None:
            choice = replace(
                choice, logprobs=token_logprobs(choice.text or "", prompt.logprobs, str(self.seed))
            )
        return choice

    def _thought(self, prompt: Prompt, choice: Choice, *, cut: bool, index: int = 0) -> Choice:
        """``choice`` after its thinking, as Anthropic's: within the budget, billed as output tokens, and
        inside ``max_tokens`` with the text (which is cut to what the thinking leaves). An Anthropic turn
        that goes on after a tool's result thinks no more: its thinking came before the tool call (a chat
        thinking model's chain comes on every turn: ``Prompt.thinks_after_tools``). Not ``cut``: the
        text stays whole (a rule's, which ``max_tokens`` never cuts)."""
        assert prompt.thinking is not None
        room = prompt.thinking if prompt.max_tokens is None else min(prompt.thinking, prompt.max_tokens)
        salt = f"|{index}" if index else ""  # each of ``n`` choices thinks its own thought
        thought, _ = truncate_tokens(answer_text(f"{self.seed}|thinking|{prompt.text}{salt}")[0], room)
        thinking = count_tokens(thought)
        choice = replace(choice, thinking=thought, thinking_tokens=thinking, tokens=choice.tokens + thinking)
        return _within(prompt, choice, thinking) if cut else choice

    def _choice(self, prompt: Prompt, key: str) -> Choice:
        if prompt.wants_tool:
            tool = prompt.tool()
            arguments = self.values.value(tool.parameters, salt=key)
            call = ToolCall(self.ids.next(), tool.name, arguments)
            tokens = count_tokens(json.dumps(arguments, separators=(", ", ": ")))
            return Choice(None, (call,), Finish.TOOL_CALLS, tokens=max(1, tokens))
        return self._text_choice(prompt, key)

    def _text_choice(self, prompt: Prompt, key: str) -> Choice:
        kind = prompt.output.kind
        if kind == "text":  # the common case: a text written out once (``answer_text``), and its tokens
            text, tokens = answer_text(key)
            if not prompt.stop and prompt.max_tokens is None:
                return Choice(text, (), Finish.STOP, None, tokens)
        elif kind == "json_schema" or prompt.output.schema is not None:  # or JSON mode with a stated schema
            text = json.dumps(self.values.value(prompt.output.schema, salt=key), ensure_ascii=False)
        else:
            text = json.dumps({"answer": sentence(key)})
        finish, stop = Finish.STOP, None
        if prompt.stop:
            text, stop = cut_at_stop(text, prompt.stop)
            if stop is not None:
                finish = Finish.STOP_SEQUENCE
        if prompt.max_tokens is not None:
            text, cut = truncate_tokens(text, prompt.max_tokens)
            if cut:
                finish, stop = Finish.LENGTH, None
        return Choice(text, (), finish, stop, tokens=count_tokens(text))


def _reasoned(prompt: Prompt, choice: Choice, *, cut: bool, before: int = 0) -> Choice:
    """``choice`` after its hidden reasoning, as OpenAI's reasoning models: the effort's tokens
    (``Prompt.reasoning``), billed as completion tokens and shown as none, inside ``max_tokens`` with the
    text (which is cut to what the reasoning leaves: nothing, finishing with ``length``, where it takes
    all). Every turn reasons, after a tool's result too. Not ``cut``: the text stays whole (a rule's).
    ``before``: the tokens of a thinking model's shown chain (``reasoning_content``), spent first: the
    reasoning gets what they leave of the limit, and the text what both leave."""
    assert prompt.reasoning is not None
    limit = prompt.max_tokens
    reasoning = prompt.reasoning if limit is None else max(0, min(prompt.reasoning, limit - before))
    choice = replace(choice, reasoning=reasoning, tokens=choice.tokens + reasoning)
    return _within(prompt, choice, before + reasoning) if cut else choice


def _within(prompt: Prompt, choice: Choice, spent: int) -> Choice:
    """``choice`` inside ``max_tokens``: its text cut to what the ``spent`` tokens before it (thinking,
    reasoning; counted in ``tokens``) leave, finishing with ``length``. Tool calls are never cut: where
    what was spent leaves no room at all, none is made (the answer ends with ``length``, as a text's)."""
    if prompt.max_tokens is None or choice.tokens <= prompt.max_tokens:
        return choice
    if choice.tool_calls and spent >= prompt.max_tokens:
        return replace(choice, text="", tool_calls=(), finish=Finish.LENGTH, stop_sequence=None, tokens=spent)
    if not choice.text:
        return choice
    text, _ = truncate_tokens(choice.text, prompt.max_tokens - spent)
    tokens = spent + count_tokens(text)
    return replace(choice, text=text, finish=Finish.LENGTH, stop_sequence=None, tokens=tokens)
