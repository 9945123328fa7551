"""The request log: one line per request, batched off the request path.

A ``logging`` record per request costs about a third of the mock's throughput, and so
does one per event-loop iteration (under load an iteration serves only a few requests).
Here a request only appends a tuple; the lines gathered go out as one record on the
``gatewright.mock`` logger every ``FLUSH_SECONDS`` (a delay no reader of a terminal
notices), sooner once ``FLUSH_LINES`` are waiting, and when the app shuts down. Paths are
escaped, so a client cannot forge log lines with encoded CR/LF or NUL bytes.

``quiet_client_errors`` keeps clients' mistakes out of the error log: aiohttp logs a
traceback when a client resets its connection or sends a request its parser refuses
(e.g. a ``Content-Encoding`` it cannot decode); those become one escaped line instead.
"""

from __future__ import annotations

import asyncio
import logging
from operator import itemgetter

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

__all__ = ["FLUSH_SECONDS", "AccessLog", "ClientErrorFilter", "printable", "quiet_client_errors"]

logger = logging.getLogger("gatewright.mock")
FLUSH_SECONDS = 0.05
FLUSH_LINES = 512
_METHOD, _PATH = itemgetter(0), itemgetter(1)  # of a waiting line


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\r``, ``\\n``, ``\\x00`` …)."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class ClientErrorFilter(logging.Filter):
    """Turns aiohttp's tracebacks for a client's fault into one line on ``gatewright.mock``.

    A reset connection, or the unreadable rest of a body the mock already answered 400,
    becomes a debug line; a request the HTTP parser refused (aiohttp has answered it 400
    in plain text) an info line naming why. Anything else passes unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, ConnectionError):
            logger.debug("client went away: %s", printable(str(exc) or type(exc).__name__))
            return False
        if isinstance(exc, RequestPayloadError):  # the rest of a body already answered 400
            logger.debug("unreadable request body: %s", printable(" ".join(str(exc).split())))
            return False
        if isinstance(exc, HttpProcessingError):
            # The first line only: aiohttp follows it with an excerpt of the raw request,
            # which may hold a header with a credential.
            reason = next((line.strip() for line in str(exc.message or exc).splitlines() if line.strip()), "")
            logger.info("refused a malformed request (%s): %s", exc.code, printable(reason))
            return False
        return True


_CLIENT_ERRORS = ClientErrorFilter()


def quiet_client_errors() -> None:
    """Install ``ClientErrorFilter`` on aiohttp's server logger (once per process)."""
    server_logger = logging.getLogger("aiohttp.server")
    if _CLIENT_ERRORS not in server_logger.filters:
        server_logger.addFilter(_CLIENT_ERRORS)


class AccessLog:
    def __init__(self) -> None:
        self._lines: list[tuple[str, str, int, float]] = []
        self._timer: asyncio.TimerHandle | None = None

    def record(self, method: str, path: str, status: int, milliseconds: float) -> None:
        lines = self._lines
        if not lines:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
        lines.append((method, path, status, milliseconds))
        if len(lines) >= FLUSH_LINES:
            self.flush()

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        lines, self._lines = self._lines, []
        if lines and logger.isEnabledFor(logging.INFO):
            if "".join(map(_PATH, lines)).isprintable() and "".join(map(_METHOD, lines)).isprintable():
                text = "\n".join(["%s %s %d %.1fms" % line for line in lines])  # noqa: UP031  (the fastest)
            else:  # rare: a path with control characters (CR, LF, NUL ...), each escaped
                text = "\n".join(
                    f"{printable(method)} {printable(path)} {status} {ms:.1f}ms"
                    for method, path, status, ms in lines
                )
            logger.info("%s", text)
