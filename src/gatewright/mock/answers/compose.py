"""The answer policy: what the mock says to a ``Prompt``.

- Tools: a call when the request forces one (``required``/``any``, a named tool) or
  allows one (``auto``) while the latest message is the user's; text after a tool
  result or with ``none``, so agent loops end. Arguments are valid against the tool's
  schema.
- Structured output: JSON valid against the requested schema (``json_object``: an object).
- ``n`` choices; ``max_tokens`` cuts text and finishes with ``length``; a stop sequence
  ends the text before it.
- Ids are fresh per answer (reproducible under a seed); text and arguments depend only on
  the request, so the same request gets the same answer.
"""

from __future__ import annotations

import json
import random
import string
import time
from collections.abc import Callable

from gatewright.mock.answers.arguments import SchemaValues
from gatewright.mock.answers.models import Answer, Choice, Finish, Prompt, ToolCall
from gatewright.mock.answers.text import count_tokens, cut_at_stop, sentences, truncate_tokens

__all__ = ["Composer", "IdSource"]

_ALPHABET = string.ascii_letters + string.digits


class IdSource:
    """Fresh opaque ids; the same sequence after every ``reset`` under a seed."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self._rng = random.Random(seed) if seed is not None else random.SystemRandom()

    def next(self) -> str:
        """24 base-62 characters (OpenAI-style opaque ids)."""
        number = self._rng.getrandbits(143)
        out: list[str] = []
        for _ in range(24):
            number, digit = divmod(number, 62)
            out.append(_ALPHABET[digit])
        return "".join(out)

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
        return max(1, count_tokens(prompt.text) + 3 * prompt.messages)

    def answer(self, prompt: Prompt, *, wire: str = "", default_model: str = "") -> Answer:
        key = f"{self.seed}|{wire}|{prompt.model}|{prompt.text}"
        choices = tuple(self._choice(prompt, f"{key}|{index}") for index in range(prompt.n))
        return Answer(
            id=self.ids.next(),
            created=int(self.clock()),
            model=prompt.model or default_model,
            choices=choices,
            prompt_tokens=self.prompt_tokens(prompt),
        )

    def _choice(self, prompt: Prompt, key: str) -> Choice:
        if prompt.wants_tool:
            tool = prompt.tool()
            arguments = self.values.value(tool.parameters, salt=key)
            call = ToolCall(self.ids.next(), tool.name, arguments)
            tokens = count_tokens(json.dumps(arguments, separators=(", ", ": ")))
            return Choice(None, (call,), Finish.TOOL_CALLS, tokens=max(1, tokens))
        rng = random.Random(key)
        if prompt.output.kind == "json_schema":
            text = json.dumps(self.values.value(prompt.output.schema, salt=key), ensure_ascii=False)
        elif prompt.output.kind == "json_object":
            text = json.dumps({"answer": sentences(rng, 1)})
        else:
            text = sentences(rng)
        finish = Finish.STOP
        text, stop = cut_at_stop(text, prompt.stop)
        if stop is not None:
            finish = Finish.STOP_SEQUENCE
        if prompt.max_tokens is not None:
            text, cut = truncate_tokens(text, prompt.max_tokens)
            if cut:
                finish, stop = Finish.LENGTH, None
        return Choice(text, (), finish, stop, tokens=count_tokens(text))
