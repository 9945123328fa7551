"""The mock's task engine: explicit per-task state, an injectable clock, rendering and callbacks.

Handlers only read and enqueue: ``engine.create(...)`` / ``engine.poll(...)`` /
``engine.cancel(...)`` return immutable ``Task`` values, ``render_task(...)`` writes one
into the response body the spec describes, and ``run_engine`` (a background loop)
finishes tasks and delivers callbacks even when nobody polls.
"""

from __future__ import annotations

from gatewright.mock.tasks.callbacks import (
    CallbackDispatcher,
    CallbackPolicy,
    Delivery,
    engine_running,
    find_callback_url,
    run_engine,
)
from gatewright.mock.tasks.clock import Clock, ManualClock, SystemClock
from gatewright.mock.tasks.engine import DEFAULT_RETENTION, TaskEngine
from gatewright.mock.tasks.machine import InvalidTransition
from gatewright.mock.tasks.models import CancelResult, Outcome, Task, TaskError, TaskTiming
from gatewright.mock.tasks.render import Validate, render_task
from gatewright.spec.tasks import TRANSITIONS, Phase

__all__ = [
    "DEFAULT_RETENTION",
    "TRANSITIONS",
    "CallbackDispatcher",
    "CallbackPolicy",
    "CancelResult",
    "Clock",
    "Delivery",
    "InvalidTransition",
    "ManualClock",
    "Outcome",
    "Phase",
    "SystemClock",
    "Task",
    "TaskEngine",
    "TaskError",
    "TaskTiming",
    "Validate",
    "engine_running",
    "find_callback_url",
    "render_task",
    "run_engine",
]
