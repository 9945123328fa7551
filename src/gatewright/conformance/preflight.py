"""What ``verify`` checks before and after a run: a run that cannot be useful stops in one line.

Before: something is selected, the report directory is writable, the base URL answers at all.
After: a server that answered 404 to almost every operation is probably the wrong base URL or API.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import requests

from gatewright.conformance.units import Unit


class PreflightError(Exception):
    """A run that would be useless or would lose its results; the message is one line."""


def check_selection(units: list[Unit], include: tuple[str, ...], exclude: tuple[str, ...], api: str) -> None:
    """An empty selection is an error, never a pass: CI would go green having checked nothing."""
    if units:
        return
    if include:
        chosen = ", ".join(repr(item) for item in include)
        raise PreflightError(
            f"nothing to run: --include {chosen} matches no operationId, tag or 'METHOD /path' of {api}"
            + (" (after --exclude)" if exclude else "")
        )
    if exclude:
        raise PreflightError(f"nothing to run: --exclude leaves no operation of {api}")
    raise PreflightError(f"nothing to run: the selected phases have no units for {api}")


def check_report_dir(directory: Path) -> None:
    """Create the report directory and write a probe file in it, so a run never ends unable to report."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PreflightError(f"cannot write reports to {directory}: {reason}") from None


def check_reachable(base_url: str, shown_url: str, timeout: float) -> None:
    """One plain request to the base URL: any HTTP answer will do; no answer at all stops the run."""
    try:
        response = requests.get(base_url, timeout=min(timeout, 10.0), allow_redirects=False, stream=True)
        response.close()
    except requests.exceptions.SSLError:
        raise PreflightError(f"cannot connect to {shown_url}: TLS handshake failed") from None
    except requests.exceptions.Timeout:
        raise PreflightError(
            f"cannot connect to {shown_url}: no answer within {min(timeout, 10.0):g}s"
        ) from None
    except requests.exceptions.ConnectionError as exc:
        raise PreflightError(f"cannot connect to {shown_url}: {_reason(exc)}") from None
    except requests.exceptions.RequestException as exc:
        raise PreflightError(f"cannot connect to {shown_url}: {type(exc).__name__}") from None


_REASONS = (
    ("Connection refused", "connection refused"),
    ("Name or service not known", "unknown host"),
    ("nodename nor servname", "unknown host"),
    ("Failed to resolve", "unknown host"),
    ("Temporary failure in name resolution", "unknown host"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network is unreachable"),
    ("Connection reset", "connection reset"),
)


def _reason(exc: BaseException) -> str:
    """A few plain words (``connection refused``), not requests' nested exception reprs."""
    text = str(exc)
    for marker, reason in _REASONS:
        if marker in text:
            return reason
    return "connection failed"


NOT_FOUND_SHARE = 0.75
NO_ROUTE = frozenset({404, 405})  # no such path, or not with this method


def not_found_warning(statuses: Mapping[str, Counter[int]], base_url: str, api: str) -> str | None:
    """A warning when almost every operation answered 404 (or 405) to every request it was sent."""
    answered = {op: counts for op, counts in statuses.items() if sum(counts.values())}
    if len(answered) < 2:
        return None
    no_route = [op for op, counts in answered.items() if set(counts) <= NO_ROUTE]
    if len(no_route) < NOT_FOUND_SHARE * len(answered):
        return None
    return (
        f"{len(no_route)} of {len(answered)} operations answered 404 (or 405) to every request: the base URL "
        f"({base_url}) or the API ({api}) is probably wrong (spec paths are full paths, e.g. /v1/...: "
        "give the server's root, without a path prefix)"
    )
