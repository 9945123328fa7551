"""What a conformance run is asked to do: one typed value the CLI and the pytest plugin both build."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from gatewright.spec import Spec
from gatewright.spec.bundled import load_target, target_name

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PHASES = ("examples", "coverage", "fuzzing", "stateful", "lifecycle", "stream", "compatibility")
# Polling: quick enough that a task finishing in about a second (the mock's default) costs little
# more than that; gentle enough for a staging gateway. Real generation jobs: raise --task-timeout.
DEFAULT_POLL_INTERVAL = 0.5
DEFAULT_TASK_TIMEOUT = 60.0
# Lifecycle units polling at once, beside the other units: a stuck task costs one --task-timeout,
# not one per lifecycle, and --rate-limit still bounds what they send together.
DEFAULT_LIFECYCLE_WORKERS = 8


@dataclass(slots=True)
class RunOptions:
    """Options of ``run_conformance``; defaults suit a quick run against a staging gateway.

    ``include``/``exclude`` match an operationId, a tag or a ``METHOD /path`` label.
    ``api_key`` is only ever used to authenticate; every output redacts it.
    """

    base_url: str
    api: str | None = None
    spec_path: Path | None = None
    api_key: str | None = None
    report_dir: Path | None = None
    max_examples: int = 25
    seed: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # the models the gateway serves; empty: read from the API's models list
    read_only: bool = False
    rate_limit: float | None = None  # requests per second
    request_timeout: float = 10.0
    poll_interval: float = DEFAULT_POLL_INTERVAL
    task_timeout: float = DEFAULT_TASK_TIMEOUT
    stream_timeout: float = 15.0
    phases: tuple[str, ...] = PHASES
    stateful_steps: int = 6
    budget: int | None = None  # at most this many requests in the whole run (paid gateways)
    budget_tokens: int | None = None  # at most about this many tokens in and out (estimated from bytes)
    extra_headers: dict[str, str] = field(default_factory=dict)
    lifecycle_workers: int = DEFAULT_LIFECYCLE_WORKERS  # lifecycle units running at once
    shard: tuple[int, int] | None = None  # (K, N): run share K of N of the units (``units.shard_units``)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        unknown = set(self.phases) - set(PHASES)
        if unknown:
            raise ValueError(f"unknown phases {sorted(unknown)}; known: {', '.join(PHASES)}")
        if self.lifecycle_workers < 1:
            raise ValueError("lifecycle_workers must be at least 1")
        if self.api is None and self.spec_path is None:
            raise ValueError("name an API id or a spec path")
        if self.shard is not None and not 1 <= self.shard[0] <= self.shard[1]:
            raise ValueError(f"invalid shard {self.shard[0]}/{self.shard[1]}; use K/N with 1 <= K <= N")

    @property
    def name(self) -> str:
        return target_name(self.api, self.spec_path)

    def load(self) -> Spec:
        """The bundled spec, or the file at ``spec_path`` once it reads as an OpenAPI 3.x document."""
        return load_target(self.api, self.spec_path)

    def default_report_dir(self) -> Path:
        return self.report_dir if self.report_dir is not None else Path("reports") / self.name


_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*([smh]))?\s*$")


def parse_rate_limit(text: str) -> float:
    """``10``, ``10/s``, ``100/m`` or ``1000/h`` as requests per second."""
    match = _RATE.match(text)
    if match is None or not 0 < float(match.group(1)) < math.inf:  # 400 digits read as inf
        raise ValueError(f"invalid rate limit {text!r}; use N, N/s, N/m or N/h")
    per = {"s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2) or "s"]
    return float(match.group(1)) / per


_SHARD = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (``2/4``: the second of four shares) as ``(K, N)``, with ``1 <= K <= N``."""
    match = _SHARD.match(text)
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"invalid shard {text!r}; use K/N with 1 <= K <= N")
    return int(match.group(1)), int(match.group(2))
