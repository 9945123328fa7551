"""The rules in force and the global faults: which reply, if any, a request gets.

Rules added at runtime (control API, Python, the pytest fixture) are consulted before
the rules loaded from files, each in the order given; the first whose ``When`` holds
and whose ``times`` is not spent wins. Counters live in the ``ControlStore``. With no
rules and no global faults the pipeline never calls in here (``active`` is False).

The book numbers its rules, so ids belong to the app: the rules from files are ``rule-1``
to ``rule-N`` in the order loaded, runtime rules follow, and a reset numbers them from
``rule-N+1`` again. A request tries only the rules that can match its operation: for
each (api, operationId) the book keeps, in the order above, the rules whose conditions
on the operation alone hold there (``matcher.can_match``) and whose replies are allowed
there; rules naming no operation are in every list. Each list is a ``RuleIndex``, which
finds the few rules a request may match without trying the others. The lists are made
on an operation's first request: the runtime rules' list again when they change, the
file rules' list once.

Adding rules is two steps so that a large document does not hold the event loop:
``parse`` checks it (pure; the control API runs it on a worker thread), ``install``
numbers and stores the rules (on the loop).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import TYPE_CHECKING, Any

from gatewright.mock.control_store import ControlStore
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.rules.index import RuleIndex
from gatewright.mock.rules.loader import parse_rules
from gatewright.mock.rules.matcher import can_match, holds, request_facts
from gatewright.mock.rules.models import Reply, Rule

if TYPE_CHECKING:
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
        self.file_rules = tuple(_numbered(file_rules, 1))
        self.faults = faults
        self.clock = clock
        self._random = random.Random(seed)
        self._static = bool(self.file_rules) or faults.any  # what never changes while serving
        self._runtime: dict[tuple[str, str], RuleIndex] = {}  # (api, operationId) -> its runtime rules
        self._runtime_version = store.rules_version
        self._files: dict[tuple[str, str], RuleIndex] = {}  # (api, operationId) -> its file rules
        store.revive_rule = self._revive

    def _revive(self, rule_id: str, document: dict[str, Any]) -> Rule:
        """A runtime rule another replica put in force (``mock.shared``), read here as it was there."""
        (rule,) = parse_rules({"rules": [document]}, self.apis)
        return replace(rule, id=rule_id)

    @property
    def active(self) -> bool:
        """Whether the pipeline must consult the book at all (checked on every request: cheap)."""
        return self._static or self.store.has_rules

    def rules(self) -> list[Rule]:
        return [*self.store.rules(), *self.file_rules]

    def add(self, document: Any) -> list[str]:
        """Add a rules document at runtime (all of it, or nothing: ``RuleError``); returns the new ids."""
        return self.install(self.parse(document))

    def parse(self, document: Any) -> list[Rule]:
        """The rules of a document, checked against the served APIs (``RuleError``); touches no state."""
        return parse_rules(document, self.apis)

    def install(self, rules: Sequence[Rule]) -> list[str]:
        """Put ``parse``d rules in force, after the runtime rules already there; returns their ids."""
        numbered = _numbered(rules, len(self.file_rules) + self.store.rules_added + 1)
        self.store.add_rules(numbered)
        return [rule.id for rule in numbered]

    def remove(self, rule_id: str) -> bool:
        return self.store.remove_rule(rule_id)

    def clear(self) -> None:
        self.store.clear_rules()

    async def describe(self) -> list[dict[str, Any]]:
        """Every rule in force, with how often it has matched (with replicas: counted in Redis)."""
        matched = await self.store.match_counts()
        return [
            {
                "id": rule.id,
                "name": rule.name,
                "source": rule.source,
                "matched": matched.get(rule.id, 0),
                **{k: v for k, v in rule.document.items() if k != "name"},
            }
            for rule in self.rules()
        ]

    async def pick(
        self,
        api: MockApi,
        op: MockOperation,
        body: Any,
        headers: Mapping[str, str],
        *,
        prompt: Callable[[], Prompt | None] | None = None,
    ) -> Picked | None:
        """The first rule that holds for this request and has matches left, counted (``ControlStore.claim``:
        with replicas, in Redis, so ``times`` holds across them), or None. ``prompt`` reads the request's
        prompt where a condition asks (the pipeline's, read once); by default it is read from ``body``."""
        for rule in self._holding(api, op, body, headers, prompt):
            count = await self.store.claim(rule.id, rule.times)
            if count is not None:  # None: another replica took its last match meanwhile
                return Picked(rule, rule.reply(count), count)
        return None

    def _holding(
        self,
        api: MockApi,
        op: MockOperation,
        body: Any,
        headers: Mapping[str, str],
        prompt: Callable[[], Prompt | None] | None,
    ) -> Iterator[Rule]:
        """The rules that hold for this request, in order, skipping those whose ``times`` are used up."""
        if self._runtime_version != self.store.rules_version:
            self._runtime.clear()
            self._runtime_version = self.store.rules_version
        runtime = _index(self._runtime, self.store.rules, api.name, op)
        files = _index(self._files, lambda: self.file_rules, api.name, op)
        if not runtime and not files:
            return
        facts = request_facts(api, op, body, headers, prompt)
        for rule in chain(runtime.candidates(facts), files.candidates(facts)):
            if rule.times is not None and self.store.matched(rule.id) >= rule.times:
                continue
            if holds(rule.when, facts):
                yield rule

    def error_roll(self) -> bool:
        """Whether this request fails under ``--error-rate``."""
        return self.faults.error_rate > 0 and self._random.random() < self.faults.error_rate

    async def take_quota(self, api: str) -> tuple[bool, int, float]:
        """Spend one request of ``--rpm``: (allowed, remaining, seconds until a slot frees)."""
        assert self.faults.rpm is not None
        return await self.store.take(f"rpm:{api}", self.faults.rpm, 60.0, self.clock())


def _index(
    indexes: dict[tuple[str, str], RuleIndex],
    rules: Callable[[], Sequence[Rule]],
    api: str,
    op: MockOperation,
) -> RuleIndex:
    """The index of those of ``rules()`` that can answer a request to ``op``, made on first use."""
    key = (api, op.operation_id)
    index = indexes.get(key)
    if index is None:
        index = indexes[key] = RuleIndex(
            rule
            for rule in rules()
            if (rule.only is None or key in rule.only) and can_match(rule.when, api, op)
        )
    return index


def _numbered(rules: Sequence[Rule], first: int) -> list[Rule]:
    return [replace(rule, id=f"rule-{number}") for number, rule in enumerate(rules, start=first)]
