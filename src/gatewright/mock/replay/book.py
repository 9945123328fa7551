"""The recorded answers in force, indexed by request, and which one a request gets.

Recordings of the same request (``matcher.RequestKey``) form a sequence in recorded
order, like a rule's ``sequence``: the first matching call gets the first answer, the
second the second, and the last repeats, so an agent loop that sent the same request
twice gets both answers back in turn. A request carrying ``x-test-id`` plays that
test's recordings when it has any, else every matching recording, whatever test made
it, in the order they were recorded (``recorded_at``: group folders sort by name, not
by time); one without plays the recordings made without a test id first. How far each
sequence has played is counted in the ``ControlStore`` next to the rules' counters, so
``POST /__gatewright/reset`` rewinds every sequence.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatewright.mock.control_store import ControlStore
from gatewright.mock.replay.matcher import RequestKey
from gatewright.spec.recording import DEFAULT_READ_BUDGET, Recording

__all__ = ["Fixture", "ReplayBook", "ReplaySettings", "Skipped"]


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    """``gatewright mock --replay DIR [--replay-strict] [--replay-nonconformant] [--replay-bytes N]``."""

    directory: Path | str
    strict: bool = False  # a request nothing recorded gets 404 in the API's envelope, not a spec answer
    nonconformant: bool = False  # also replay recorded answers that break the spec
    budget: int = DEFAULT_READ_BUDGET  # bytes of fixture files read at most


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str  # its path under the replay directory (``t-42/00001-createChatCompletion.json``)
    recording: Recording
    # The schema the played answer passes the output check against (its JSON body, or each event of
    # a stream); None: not checked (nothing documented, or kept by ``nonconformant`` though it breaks
    # the spec: a nonconformant answer on purpose).
    schema_pointer: str | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A fixture the mock does not replay: ``reason`` is a category, ``detail`` says of what."""

    name: str
    reason: str
    detail: str


_REASONS = {  # read after a count: "2 nonconformant", "1 for an API not served"
    "nonconformant": "nonconformant (replayed with --replay-nonconformant)",
    "not served": "for an API not served",
    "unmatched": "of a request that matched no operation",
    "unknown operation": "of an operation the spec does not have",
    "unrouted": "whose path does not route to its operation",
}


@dataclass(slots=True)
class _Sequence:
    number: int
    fixtures: list[Fixture] = field(default_factory=list)  # every group's, in recorded order
    groups: dict[str | None, list[Fixture]] = field(default_factory=dict)  # by test id


class ReplayBook:
    def __init__(
        self,
        fixtures: Iterable[tuple[RequestKey, Fixture]],
        store: ControlStore,
        *,
        strict: bool = False,
        directory: str = "",
        skipped: Sequence[Skipped] = (),
    ) -> None:
        self.store = store
        self.strict = strict
        self.directory = directory
        self.skipped = tuple(skipped)
        self._sequences: dict[RequestKey, _Sequence] = {}
        self._per_operation: Counter[tuple[str, str]] = Counter()
        self.loaded = 0
        for key, fixture in fixtures:
            sequence = self._sequences.setdefault(key, _Sequence(len(self._sequences) + 1))
            sequence.fixtures.append(fixture)
            sequence.groups.setdefault(fixture.recording.test_id, []).append(fixture)
            self._per_operation[key.api, key.operation] += 1
            self.loaded += 1
        for sequence in self._sequences.values():
            _in_recorded_order(sequence.fixtures)

    def recorded(self, api: str, operation: str) -> int:
        """How many recorded answers an operation has."""
        return self._per_operation[api, operation]

    async def pick(self, key: RequestKey, test_id: str | None) -> Fixture | None:
        """The recorded answer this call of the request gets (counting the call, across replicas too:
        ``ControlStore.claim``), or None."""
        sequence = self._sequences.get(key)
        if sequence is None:
            return None
        group = sequence.groups.get(test_id)
        if group:
            fixtures, counter = group, f"replay:{sequence.number}:={test_id}"
        else:
            fixtures, counter = sequence.fixtures, f"replay:{sequence.number}:*"
        played = await self.store.claim(counter, None)
        assert played is not None  # no limit: every call counts
        return fixtures[min(played, len(fixtures)) - 1]

    def summary(self) -> str:
        """One line for the startup log: what was loaded, what was skipped and why."""
        line = (
            f"replay: {self.loaded} recorded answer{_s(self.loaded)} from {self.directory} "
            f"({len(self._sequences)} distinct request{_s(len(self._sequences))})"
        )
        if self.strict:
            line += ", strict: other requests get 404"
        if not self.skipped:
            return line
        counts = Counter(skip.reason for skip in self.skipped)
        reasons = ", ".join(f"{count} {_REASONS.get(reason, reason)}" for reason, count in counts.items())
        return f"{line}; {len(self.skipped)} fixture{_s(len(self.skipped))} skipped: {reasons}"

    def describe(self) -> dict[str, Any]:
        """What ``GET /__gatewright/state`` shows of the replay."""
        return {
            "directory": self.directory,
            "strict": self.strict,
            "loaded": self.loaded,
            "requests": len(self._sequences),
            "skipped": [
                {"fixture": skip.name, "reason": skip.reason, "detail": skip.detail} for skip in self.skipped
            ],
        }


def _in_recorded_order(fixtures: list[Fixture]) -> None:
    """Sort the fixtures of several groups by when they were recorded, when each says (a fixture
    written by hand may not): the groups' folders come in by name."""
    instants = []
    for fixture in fixtures:
        try:
            instants.append(dt.datetime.fromisoformat(fixture.recording.recorded_at))
        except ValueError:
            return
    if len({instant.tzinfo is None for instant in instants}) > 1:  # naive and aware do not compare
        return
    order = sorted(range(len(fixtures)), key=instants.__getitem__)  # stable: ties keep file order
    fixtures[:] = [fixtures[index] for index in order]


def _s(count: int) -> str:
    return "" if count == 1 else "s"
