"""Option value parsers for the shells: text in, a value out, or an ``ArgumentTypeError`` naming the text.

``gatewright`` (argparse) and the pytest plugin (whose ``addoption`` is argparse underneath) both use
them, so a value one refuses the other refuses with the same words.
"""

from __future__ import annotations

import argparse
import math
import re
import urllib.parse
from collections.abc import Callable
from typing import Any


def checked(convert: Callable[[str], Any], ok: Callable[[Any], bool], what: str) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, and say what was expected when ``ok`` refuses it."""

    def parse(value: str) -> Any:
        try:
            number = convert(value)
        except ValueError:
            number = None
        if number is None or not ok(number):
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}")
        return number

    return parse


# Durations and rates are finite: float() also reads "inf" and "nan"; a latency of inf never ends.
non_negative = checked(float, lambda n: math.isfinite(n) and n >= 0, "a non-negative number")
probability = checked(float, lambda n: 0 <= n <= 1, "a probability between 0 and 1")
positive_int = checked(int, lambda n: n >= 1, "a positive integer")
positive = checked(float, lambda n: math.isfinite(n) and n > 0, "a positive number")
port = checked(int, lambda n: 0 <= n <= 65535, "a port number (0-65535)")


def http_url(value: str) -> str:
    """An ``http(s)://host[:port][/path]`` URL, as ``verify`` sends requests to it."""
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number or out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http:// or https:// URL with a host")
    return value


def store_url(value: str) -> str | None:
    """``memory`` (None: the in-process store) or ``redis://[USER:PASSWORD@]HOST[:PORT][/DB]``."""
    if value == "memory":
        return None
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number or out of range
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme != "redis"
        or not parts.hostname
        or parts.query
        or parts.fragment
        or not re.fullmatch(r"(/\d*)?", parts.path)
    ):
        raise argparse.ArgumentTypeError(f"{value!r} is not 'memory' or a redis://HOST:PORT/DB URL")
    return value


STORE_PREFIX = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def store_prefix(value: str) -> str:
    """A key namespace in a shared store: 1-64 letters, digits and ``-_.:``."""
    if not STORE_PREFIX.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a store prefix (1-64 letters, digits and the characters -_.:)"
        )
    return value


def rate_limit(value: str) -> float:
    """``N``, ``N/s``, ``N/m`` or ``N/h`` as requests per second."""
    from gatewright.conformance.options import parse_rate_limit  # noqa: PLC0415 - keep the shells' start quick

    try:
        return parse_rate_limit(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def shard(value: str) -> tuple[int, int]:
    """``K/N`` as ``(K, N)``: share K of N of a verify run's units."""
    from gatewright.conformance.options import parse_shard  # noqa: PLC0415 - keep the shells' start quick

    try:
        return parse_shard(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def comma_list(value: str) -> tuple[str, ...]:
    """``a,b,c`` as ``("a", "b", "c")``; the library judges the words."""
    words = tuple(word.strip() for word in value.split(",") if word.strip())
    if not words:
        raise argparse.ArgumentTypeError(f"{value!r} is not a comma-separated list")
    return words
