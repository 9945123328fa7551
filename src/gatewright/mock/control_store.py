"""What programs the mock at runtime, kept apart from the rules' logic (``mock.rules``) as
``ResourceStore`` (``mock.state``) is from the resources': runtime rules, their match counts,
rate-limit windows and the request journal.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from gatewright.mock.journal import DEFAULT_ENTRY_BYTES, DEFAULT_JOURNAL_BYTES, JournalEntry
from gatewright.mock.shared_values import KEY_SEP

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

_ARRIVAL = attrgetter("time")  # a journal entry's: when its request came


class ControlStore:
    """What programs the mock at runtime: rules added through the control API, how often each rule
    matched, rate-limit windows and the request journal.

    Kept apart from the rules' logic (``mock.rules``) like ``ResourceStore`` is from the resources'
    logic, so one store can later back several mock processes. ``reset()`` forgets all of it.

    The journal keeps the latest ``journal_size`` requests within ``journal_bytes`` (the oldest go
    first), each body cut to ``entry_bytes`` (``JournalEntry.fit``): a client sending large bodies
    costs the mock a bounded amount of memory, not one copy of every body.
    """

    # ``mock.shared``: "rules", "matched\x1f<rule id>" (quotas are decided in Redis: ``shared_counts``)
    shared_name = "control"

    def __init__(
        self,
        journal_size: int = 10_000,
        journal_bytes: int = DEFAULT_JOURNAL_BYTES,
        entry_bytes: int = DEFAULT_ENTRY_BYTES,
    ) -> None:
        self.ledger: Ledger | None = None
        # A runtime rule again from its id and document (set by the RuleBook, which can check one):
        # how another replica's rules are put in force here.
        self.revive_rule: Callable[[str, dict[str, Any]], Any] | None = None
        self._rules: list[Any] = []  # mock.rules.Rule, runtime-added, in order
        self._added = 0  # runtime rules added since the store was made or reset (their numbering)
        self._version = 0  # changes whenever the runtime rules do; never goes back
        self._matched: dict[str, int] = {}
        self._windows: dict[str, deque[float]] = {}
        self._journal: deque[JournalEntry] = deque()
        self._journal_size = journal_size
        self._journal_budget = journal_bytes
        self._entry_bytes = min(entry_bytes, journal_bytes)  # one entry alone always fits
        self._journal_used = 0
        self._since = 0.0  # when the journal was last reset: a request that came before is not in it

    # rules added at runtime
    @property
    def has_rules(self) -> bool:
        return bool(self._rules)

    def rules(self) -> list[Any]:
        return list(self._rules)

    @property
    def rules_added(self) -> int:
        """How many runtime rules were added since the store was made or reset (removed ones count)."""
        return self._added

    @property
    def rules_version(self) -> int:
        """A number that changes whenever the runtime rules do (for whoever indexes them)."""
        return self._version

    def add_rules(self, rules: list[Any]) -> None:
        self._rules.extend(rules)
        self._added += len(rules)
        self._version += 1
        self._note_rules()

    def _note_rules(self) -> None:
        if self.ledger is not None:
            rules = [{"id": rule.id, "document": rule.document} for rule in self._rules]
            self.ledger.note(self.shared_name, "rules", {"rules": rules, "added": self._added})

    def remove_rule(self, rule_id: str) -> bool:
        kept = [rule for rule in self._rules if rule.id != rule_id]
        if len(kept) == len(self._rules):
            return False  # no runtime rule: a file rule's counter (same id space) stays
        self._rules = kept
        self._matched.pop(rule_id, None)
        self._version += 1
        self._note_rules()
        if self.ledger is not None:
            self.ledger.note(self.shared_name, f"matched{KEY_SEP}{rule_id}", None)
        return True

    def clear_rules(self) -> None:
        for rule in self._rules:
            self._matched.pop(rule.id, None)
            if self.ledger is not None:
                self.ledger.note(self.shared_name, f"matched{KEY_SEP}{rule.id}", None)
        self._rules.clear()
        self._version += 1
        self._note_rules()

    # match counters
    def matched(self, rule_id: str) -> int:
        return self._matched.get(rule_id, 0)

    async def claim(self, rule_id: str, times: int | None) -> int | None:
        """One more match of the rule unless it has had ``times`` already (None: no bound): how many
        there have been (1 for the first), or None. With replicas, Redis counts (``SharedCounts.claim``,
        one atomic step), so ``times`` and a sequence's order hold however requests interleave."""
        held = self._matched.get(rule_id, 0)
        if self.ledger is None:
            if times is not None and held >= times:
                return None
            self._matched[rule_id] = held + 1
            return held + 1
        rules = self._version  # changes with a reset or a rule removed meanwhile: then nothing is kept
        count = await self.ledger.counts.claim(f"matched{KEY_SEP}{rule_id}", held, times)
        if count is not None and rules == self._version and count > self._matched.get(rule_id, 0):
            self._matched[rule_id] = count  # this replica's floor, and (noted) the others'
            self.ledger.note(self.shared_name, f"matched{KEY_SEP}{rule_id}", count)
        return count

    async def match_counts(self) -> dict[str, int]:
        """How often each rule (or recorded sequence) has matched: with replicas, as Redis counted
        (the replicated notes may arrive out of order), never below what this replica has seen."""
        counts = dict(self._matched)
        if self.ledger is not None:
            for key, count in (await self.ledger.counts.current()).items():
                kind, _, name = key.partition(KEY_SEP)
                if kind == "matched":
                    counts[name] = max(count, counts.get(name, 0))
        return counts

    # rate limits
    async def take(self, key: str, limit: int, window: float, now: float) -> tuple[bool, int, float]:
        """Spend one request of ``limit`` per ``window`` seconds: (allowed, remaining, seconds to reset).
        With replicas the quota is one in Redis (``SharedCounts.spend``), on Redis's clock."""
        if self.ledger is not None:
            return await self.ledger.counts.spend(key, limit, window)
        times = self._windows.setdefault(key, deque())
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= limit:
            return False, 0, max(0.0, times[0] + window - now)
        times.append(now)
        return True, limit - len(times), max(0.0, times[0] + window - now)

    # journal
    def record(self, entry: JournalEntry) -> None:
        if entry.time < self._since:  # still running when the journal was reset (a test's slow request)
            return
        size = entry.fit(self._entry_bytes)
        if self.ledger is not None:  # the journal of every replica is one list in Redis
            self.ledger.note_journal(entry.to_shared())
            return
        self._journal_used += size
        self._journal.append(entry)
        while len(self._journal) > self._journal_size or (
            self._journal_used > self._journal_budget and len(self._journal) > 1  # the newest stays
        ):
            self._journal_used -= self._journal.popleft().size

    @property
    def journal_limits(self) -> tuple[int, int]:
        """(bytes, entries) the journal keeps."""
        return self._journal_budget, self._journal_size

    def journal(self) -> list[JournalEntry]:
        """This process's journal, oldest request first (with a shared store it keeps none:
        ``all_journal``). Entries are kept as their answers end, so a slow request's comes after
        those of faster ones that came after it: put back in the order they came."""
        return sorted(self._journal, key=_ARRIVAL)

    async def all_journal(self) -> list[JournalEntry]:
        """The journal the control API shows: with replicas, all of theirs, oldest request first
        (``StoreUnavailable`` if Redis is away)."""
        if self.ledger is not None:
            return sorted(
                (JournalEntry.from_shared(raw) for raw in await self.ledger.journal()), key=_ARRIVAL
            )
        return self.journal()

    def reset(self) -> None:
        self.shared_clear()
        self._journal.clear()
        self._journal_used = 0
        self._since = time.time()

    # shared with other replicas (``mock.shared``)
    def shared_items(self) -> Iterator[tuple[str, Any]]:
        if self._added:
            rules = [{"id": rule.id, "document": rule.document} for rule in self._rules]
            yield "rules", {"rules": rules, "added": self._added}
        for rule_id, count in self._matched.items():
            yield f"matched{KEY_SEP}{rule_id}", count

    def shared_apply(self, key: str, value: Any) -> None:
        kind, _, name = key.partition(KEY_SEP)
        if kind == "rules":
            assert self.revive_rule is not None, "a RuleBook revives shared rules"
            held = value or {"rules": [], "added": 0}
            self._rules = [self.revive_rule(rule["id"], rule["document"]) for rule in held["rules"]]
            self._added = held["added"]
            self._version += 1
        elif kind == "matched":
            if value is None:
                self._matched.pop(name, None)
            else:  # counts only grow (until a reset): a replica noting an older count changes nothing
                self._matched[name] = max(value, self._matched.get(name, 0))

    def shared_clear(self) -> None:
        self._rules.clear()
        self._added = 0
        self._version += 1
        self._matched.clear()
        self._windows.clear()
