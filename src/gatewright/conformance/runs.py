"""A sent case as the rest of verify sees it: its response, the checks it ran and the ones that failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gatewright.conformance.models import Exchange


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """A check that failed; ``exchange``/``curl``/``status`` are given when the exchange that failed is
    not the case's own (``ignored_auth``: its probe without, or with an invalid, credential)."""

    check: str
    title: str
    message: str
    exchange: Exchange | None = None
    curl: str = ""
    status: int | None = None


class CaseRun:
    """A sent case, its response (None on a transport error) and the checks that failed on it.

    ``exchange`` and ``curl`` are what a finding shows; most runs find nothing, so the adapter hands
    in ``describe`` and they are built on first use (given directly, they are used as they are).
    """

    __slots__ = (
        "_curl",
        "_describe",
        "_exchange",
        "case",
        "checks",
        "error",
        "failures",
        "phase",
        "response",
    )

    def __init__(
        self,
        case: Any,
        response: Any,
        phase: str,
        *,
        exchange: Exchange | None = None,
        curl: str = "",
        checks: tuple[str, ...] = (),
        failures: list[CheckFailure] | None = None,
        error: str | None = None,
        describe: Callable[[], tuple[Exchange | None, str]] | None = None,
    ) -> None:
        self.case = case
        self.response = response
        self.phase = phase
        self.checks = checks
        self.failures: list[CheckFailure] = failures if failures is not None else []
        self.error = error
        self._exchange = exchange
        self._curl = curl
        self._describe = describe

    def _described(self) -> None:
        if self._describe is not None:
            describe, self._describe = self._describe, None
            self._exchange, self._curl = describe()

    @property
    def exchange(self) -> Exchange | None:
        self._described()
        return self._exchange

    @property
    def curl(self) -> str:
        self._described()
        return self._curl

    @property
    def status(self) -> int | None:
        return None if self.response is None else int(self.response.status_code)

    def json(self) -> Any:
        if self.response is None:
            return None
        try:
            return self.response.json()
        except Exception:
            return None
