"""What a proxy run is asked to do: one typed value the CLI (and tests) build."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gatewright.spec import Spec
from gatewright.spec.bundled import load_target, target_name

DEFAULT_PORT = 8081
# Judging and recording read at most this much of each body, and decode at most this much of a
# compressed one; the rest still passes through to the client unchanged, so a 2 GB download (or a
# 200 KiB gzip of 2 GB) costs the proxy this much memory, not 2 GB twice.
CAPTURE_LIMIT = 8 * 1024 * 1024
# Exchanges waiting for the judge hold at most this many bytes (bodies and headers); past it an
# exchange passes unjudged and the reports say how many did, so a burst cannot grow the proxy.
QUEUE_BYTES = 64 * 1024 * 1024
CLIENT_TIMEOUT = 30.0  # seconds a client may take to send a request (as the mock's --read-timeout)


@dataclass(slots=True)
class ProxyOptions:
    """Options of a proxy run; ``upstream`` is the gateway every request is forwarded to."""

    upstream: str
    api: str | None = None
    spec_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    allow_hosts: tuple[str, ...] = ()  # Host names served besides loopback and ``host`` (gatewright.loopback)
    record_dir: Path | None = None
    report_dir: Path | None = None
    fail_on_violation: bool = False
    secret_headers: frozenset[str] = field(default_factory=frozenset)  # lower case
    connect_timeout: float = 10.0
    read_timeout: float = 300.0  # seconds of silence from the upstream before the exchange fails
    # Seconds a client may take to send a request's headers (also how long an idle keep-alive
    # connection stays open) and, waiting on the client only, its body; None: aiohttp's defaults.
    client_timeout: float | None = CLIENT_TIMEOUT
    capture_limit: int = CAPTURE_LIMIT
    queue_bytes: int = QUEUE_BYTES

    def __post_init__(self) -> None:
        self.upstream = self.upstream.rstrip("/")
        self.secret_headers = frozenset(name.lower() for name in self.secret_headers)
        if self.api is None and self.spec_path is None:
            raise ValueError("name an API id or a spec path")

    @property
    def name(self) -> str:
        return target_name(self.api, self.spec_path)

    def default_report_dir(self) -> Path:
        return self.report_dir if self.report_dir is not None else Path("reports") / f"proxy-{self.name}"

    def load(self) -> Spec:
        """The bundled spec, or the file at ``spec_path`` once it reads as an OpenAPI 3.x document."""
        return load_target(self.api, self.spec_path)
