"""The rules in force and the global faults: which reply, if any, a request gets.

Rules added at runtime (control API, Python, the pytest fixture) are consulted before
the rules loaded from files, each in the order given; the first whose ``When`` holds
and whose ``times`` is not spent wins. Counters live in the ``ControlStore``. With no
rules and no global faults the pipeline never calls in here (``active`` is False).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gatewright.mock.answers.prompt import read_prompt
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.rules.loader import parse_rules
from gatewright.mock.rules.matcher import RequestFacts, matches
from gatewright.mock.rules.models import Reply, Rule
from gatewright.mock.state import ControlStore
from gatewright.spec.answers import Prompt

__all__ = ["FaultSettings", "Picked", "RuleBook"]


@dataclass(frozen=True, slots=True)
class FaultSettings:
    """Faults for a whole run (``--latency``, ``--error-rate``, ``--rpm``)."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    rpm: int | None = None

    @property
    def any(self) -> bool:
        return self.latency_ms > 0 or self.error_rate > 0 or self.rpm is not None


@dataclass(frozen=True, slots=True)
class Picked:
    rule: Rule
    reply: Reply
    match: int  # which match of the rule this is (1-based)


class RuleBook:
    def __init__(
        self,
        apis: Mapping[str, MockApi],
        store: ControlStore,
        *,
        file_rules: Sequence[Rule] = (),
        faults: FaultSettings = FaultSettings(),
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.apis = apis
        self.store = store
        self.file_rules = tuple(file_rules)
        self.faults = faults
        self.clock = clock
        self._random = random.Random(seed)
        self._static = bool(self.file_rules) or faults.any  # what never changes while serving

    @property
    def active(self) -> bool:
        """Whether the pipeline must consult the book at all (checked on every request: cheap)."""
        return self._static or self.store.has_rules

    def rules(self) -> list[Rule]:
        return [*self.store.rules(), *self.file_rules]

    def add(self, document: Any) -> list[str]:
        """Add a rules document at runtime (all of it, or nothing: ``RuleError``); returns the new ids."""
        rules = parse_rules(document, self.apis)
        self.store.add_rules(rules)
        return [rule.id for rule in rules]

    def remove(self, rule_id: str) -> bool:
        return self.store.remove_rule(rule_id)

    def clear(self) -> None:
        self.store.clear_rules()

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "id": rule.id,
                "name": rule.name,
                "source": rule.source,
                "matched": self.store.matched(rule.id),
                **{k: v for k, v in rule.document.items() if k != "name"},
            }
            for rule in self.rules()
        ]

    def pick(self, api: MockApi, op: MockOperation, body: Any, headers: Mapping[str, str]) -> Picked | None:
        wire = op.operation.compatible_wire

        def prompt() -> Prompt | None:
            return read_prompt(wire, body) if wire is not None and wire != "openai-embeddings" else None

        facts = RequestFacts(
            api=api.name,
            operation=op.operation_id,
            method=op.operation.method,
            path=op.operation.path,
            body=body,
            headers=_lower(headers),
            read_prompt=prompt,
        )
        for rule in self.rules():
            if rule.times is not None and self.store.matched(rule.id) >= rule.times:
                continue
            if rule.only is not None and (api.name, op.operation_id) not in rule.only:
                continue
            if matches(rule.when, facts):
                count = self.store.count_match(rule.id)
                return Picked(rule, rule.reply(count), count)
        return None

    def error_roll(self) -> bool:
        """Whether this request fails under ``--error-rate``."""
        return self.faults.error_rate > 0 and self._random.random() < self.faults.error_rate

    def take_quota(self, api: str) -> tuple[bool, int, float]:
        """Spend one request of ``--rpm``: (allowed, remaining, seconds until a slot frees)."""
        assert self.faults.rpm is not None
        return self.store.take(f"rpm:{api}", self.faults.rpm, 60.0, self.clock())


def _lower(headers: Mapping[str, str]) -> Mapping[str, str]:
    """Header lookups by lower-case name (aiohttp's headers are case-insensitive already)."""
    return headers if hasattr(headers, "getall") else {k.lower(): v for k, v in headers.items()}
