"""The extensions ``create_app`` installs unless told otherwise: task lifecycles and streaming.

Kept apart from ``app.py`` so the core pipeline does not depend on what plugs into it;
the CLI's ``--task-*`` flags end up here as ``MockOptions`` fields. Extensions never import
each other: what one needs of another while it runs is a protocol of ``mock.extensions``
(``AnswerSource``, ``FileKeeper``, ``TaskStarter``), and this is where each gets the concrete one.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gatewright.mock.answers.extension import AnswerExtension
from gatewright.mock.answers.response_store import ResponseStore
from gatewright.mock.answers.stored import StoredResponses
from gatewright.mock.answers.threads import MessageThreads, ThreadStore
from gatewright.mock.batches import BatchExtension
from gatewright.mock.extensions import Extension
from gatewright.mock.file_purposes import FilePurposeExtension
from gatewright.mock.files import FileSigner
from gatewright.mock.media_answers import MediaExtension
from gatewright.mock.streaming.extension import StreamExtension, count_events
from gatewright.mock.tasks.callbacks import CallbackPolicy
from gatewright.mock.tasks.clock import Clock
from gatewright.mock.tasks.extension import TaskExtension
from gatewright.mock.tasks.models import TaskTiming
from gatewright.mock.uploads import UploadExtension
from gatewright.mock.vector_stores import VectorStoreExtension
from gatewright.mock_options import DEFAULTS, MockOptions, options_of

__all__ = ["DEFAULT_TASK_DURATION", "default_extensions", "setup_extensions"]

DEFAULT_TASK_DURATION = DEFAULTS.task_duration  # seconds from create to the success state
DEFAULT_QUEUED = 0.1  # seconds in the initial state


def default_extensions(
    options: MockOptions | None = None,
    *,
    task_clock: Clock | None = None,
    replica: str = "0",
    link_secret: bytes | None = None,
    **overrides: Any,
) -> list[Extension]:
    """Stored responses (the Responses API's retrieve, delete, cancel, input items and background
    creates), tasks (``x-gatewright-task``), SSE streams (``x-gatewright-stream``), LLM answers
    (``x-gatewright-compatible``) and media answers (files, and bodies that link to them), in that order;
    batches (which read their input file) and vector-store attachments and search go just before tasks,
    whose lifecycles they start with what they read, and the refusal of a file a request may not name
    (``x-gatewright-file-purpose``) before them all but vector stores (an attach to a store that is not
    there is the store's 404, whatever the file; the attach checks the purpose itself).

    They share one file signer; streams see the task engine (agent-turn events follow their turn,
    and a task's declared ``counters`` count its stream's events) and replay the LLM answer a
    compatible request gets; stored responses keep those answers and run background ones on the task
    engine, ahead of its generic hooks. ``task_clock`` drives the task engine
    (a ``ManualClock`` moves tasks on without waiting). ``replica`` names this process among replicas
    that share state (``mock.shared``): only the replica that created a task delivers its callback;
    ``link_secret`` (theirs in common) signs result links, so any of them serves a link another gave.
    Of ``options`` (or its fields as keywords) they read ``seed``, ``task_*``, ``allow_callback_hosts`` and
    ``conversation_bytes``.
    """
    chosen = options_of(options, overrides)
    seed, duration = chosen.seed, chosen.task_duration
    files = FileSigner(link_secret) if link_secret is not None else FileSigner()
    timing = TaskTiming(duration=duration, queued=min(DEFAULT_QUEUED, duration), polls=chosen.task_polls)
    answers = AnswerExtension(seed=seed)
    tasks = TaskExtension(
        timing=timing,
        retention=chosen.task_retention,
        seed=seed,
        callbacks=CallbackPolicy(allow_any_host=chosen.allow_callback_hosts),
        files=files,
        clock=task_clock,
        count_events=count_events,
        replica=replica,
        composer=answers.composer,  # an agent task's answer is composed as a chat answer is
    )
    streams = StreamExtension(files=files, tasks=tasks.engine, answers=answers)
    conversations = chosen.conversation_bytes
    stored = StoredResponses(answers, tasks=tasks.engine, store=ResponseStore(budget=conversations))
    threads = MessageThreads(answers, ThreadStore(budget=conversations))
    uploads = UploadExtension(files, tasks)
    batches = BatchExtension(tasks, answers, uploads)
    stores = VectorStoreExtension(tasks)
    purposes = FilePurposeExtension()
    media = MediaExtension(files, tasks)
    return [stored, threads, stores, purposes, batches, tasks, streams, answers, uploads, media]


def setup_extensions(app: web.Application, extensions: list[Extension]) -> None:
    """Let extensions that need routes or background work (a ``setup(app)`` method) register them."""
    for extension in extensions:
        setup: Any = getattr(extension, "setup", None)
        if callable(setup):
            setup(app)
