"""Replay recorded exchanges (DESIGN.md, "Proxy, record, replay"): ``gatewright mock --replay DIR``.

``loader`` reads a directory of recordings (``gatewright.spec.recording``, what
``gatewright proxy --record`` writes), ``matcher`` reduces requests to what is compared
(and lists the fields that are not), ``book`` holds the recorded answers and plays them
in order, ``playback`` sends one again, ``extension`` is where the pipeline asks.
"""

from __future__ import annotations

from gatewright.mock.replay.book import Fixture, ReplayBook, ReplaySettings, Skipped
from gatewright.mock.replay.extension import ReplayExtension
from gatewright.mock.replay.loader import load_replay
from gatewright.mock.replay.matcher import IGNORED_FIELDS, RequestKey

__all__ = [
    "IGNORED_FIELDS",
    "Fixture",
    "ReplayBook",
    "ReplayExtension",
    "ReplaySettings",
    "RequestKey",
    "Skipped",
    "load_replay",
]
