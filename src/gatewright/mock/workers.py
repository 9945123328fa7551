"""``gatewright mock --workers N``: N processes serving one port, all keeping state in one shared store.

The parent process serves nothing. It reserves the port (so ``--port 0`` means one port for all,
and a port in use is one error before anything starts), starts N workers with multiprocessing's
``spawn`` (fresh interpreters, nothing inherited but what to serve and its options), and waits until
each listens (``SO_REUSEPORT``: the kernel spreads connections over them). A worker that cannot start (a
rules file it refuses, a store it cannot reach) stops them all, and its error is raised here.

Each worker runs in its own process group; the shared store numbers its replicas itself
(``shared_join.join``), so ids do not collide between workers, nor with other mocks on the same
namespace. The parent turns SIGINT and SIGTERM into a SIGTERM to each worker (a second one kills
them) and returns once they have exited; a worker whose parent dies stops by itself. A worker
that dies on its own is logged and not restarted: the others keep serving, and when none is left
``WorkersExited`` is raised.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from gatewright.mock_options import MockOptions

logger = logging.getLogger("gatewright.mock")


Serve = Callable[..., None]  # server.run with what to serve: (options, *, reuse_port, ready, on_startup)


class WorkersExited(RuntimeError):
    """Every worker of ``--workers N`` exited without being asked to."""


@dataclass(slots=True)
class _Worker:
    replica: int
    process: multiprocessing.process.BaseProcess
    messages: multiprocessing.connection.Connection
    ready: bool = False
    exited: bool = field(default=False)


def run_workers(options: MockOptions, run: Serve) -> None:
    """Serve with ``options.workers`` processes on ``host:port``, each calling ``run(options, ...)``."""
    host, port, workers = options.host, options.port, options.workers
    context = multiprocessing.get_context("spawn")
    stopping: list[int] = []  # signals received
    started: list[_Worker] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)
        kill = signal.SIGTERM if len(stopping) == 1 else signal.SIGKILL
        for worker in started:
            if not worker.exited and worker.process.pid is not None:
                with suppress(ProcessLookupError):
                    os.kill(worker.process.pid, kill)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _reserved(host, port) as bound:
            shared = replace(options, port=bound)
            # Workers start with SIGINT blocked: one pressed while a worker boots reaches it before it
            # has left the terminal's process group, and it drops it (``_worker``); the parent forwards.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                for replica in range(workers):
                    receiving, sending = context.Pipe(duplex=False)
                    process = context.Process(
                        target=_worker,
                        args=(run, shared, replica, sending),
                        name=f"gatewright-mock-{replica}",
                    )
                    process.start()
                    sending.close()
                    started.append(_Worker(replica, process, receiving))
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            names = _await_ready(started, stopping)
        if names is not None:
            logger.info("gatewright mock on http://%s:%d (%s)  (%d workers)", host, bound, names, workers)
            _supervise(started, stopping)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for worker in started:
            worker.process.join(10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.messages.close()


@contextmanager
def _reserved(host: str, port: int) -> Iterator[int]:
    """Bind (not listen) ``host:port`` with ``SO_REUSEPORT`` while the workers start: port 0 becomes one
    port for all of them, and a port another program holds is an ``OSError`` here, once."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    if port:  # a listener that also set SO_REUSEPORT (another mock with workers) would share the port
        with suppress(OSError), socket.create_connection((host or "127.0.0.1", port), timeout=1):
            raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        yield int(sock.getsockname()[1])


def _await_ready(started: list[_Worker], stopping: list[int]) -> str | None:
    """The served APIs once every worker listens; None when stopped meanwhile; a worker's error raised."""
    names = ""
    waiting = list(started)
    while waiting:
        heard = multiprocessing.connection.wait([worker.messages for worker in waiting])
        for worker in [worker for worker in waiting if worker.messages in heard]:
            waiting.remove(worker)
            try:
                kind, payload = worker.messages.recv()
            except EOFError:  # it died before listening
                worker.process.join()
                worker.exited = True
                if stopping:
                    continue
                _stop(started)
                raise WorkersExited(
                    f"worker {worker.replica} exited before it listened ({_exit(worker.process.exitcode)})"
                ) from None
            if kind == "error":
                _stop(started)
                raise _unpickled(payload)
            worker.ready, names = True, payload
    return None if stopping else names


def _supervise(started: list[_Worker], stopping: list[int]) -> None:
    """Wait until every worker has exited; log each that exits unasked. Raise when none is left unasked."""
    alive = [worker for worker in started if not worker.exited]
    while alive:
        gone = multiprocessing.connection.wait([worker.process.sentinel for worker in alive])
        for worker in [worker for worker in alive if worker.process.sentinel in gone]:
            alive.remove(worker)
            worker.process.join()
            worker.exited = True
            if not stopping:
                logger.warning(
                    "gatewright mock: worker %d (pid %s) exited (%s); %d of %d still serving, not restarted",
                    worker.replica,
                    worker.process.pid,
                    _exit(worker.process.exitcode),
                    len(alive),
                    len(started),
                )
    if not stopping:
        raise WorkersExited(f"all {len(started)} workers exited")


def _stop(started: list[_Worker]) -> None:
    for worker in started:
        if worker.process.is_alive() and worker.process.pid is not None:
            with suppress(ProcessLookupError):
                os.kill(worker.process.pid, signal.SIGTERM)


def _exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _worker(
    run: Serve, options: MockOptions, replica: int, parent: multiprocessing.connection.Connection
) -> None:
    """One worker: serve ``options`` on the shared port; say when listening, or why it could not."""
    os.setpgrp()  # out of the terminal's process group: a Ctrl-C reaches the parent only, which forwards it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # drops one pressed while this process was starting
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.default_int_handler)
    listening = False

    def ready(names: str) -> None:
        nonlocal listening
        listening = True
        parent.send(("ready", names))

    try:
        run(options, reuse_port=True, ready=ready, on_startup=_exit_with_parent)
    except (KeyboardInterrupt, SystemExit):
        pass
    except BaseException as exc:
        if listening:
            raise
        # Shown only where it ends as a traceback (an unexpected error), not in the CLI's one-line errors.
        exc.add_note(f"in worker {replica}:\n{''.join(traceback.format_exception(exc)).rstrip()}")
        parent.send(("error", _picklable(exc)))
        sys.exit(2)


def _picklable(exc: BaseException) -> bytes:
    """``exc`` as its class, ``args`` and attributes (rebuilt by ``_unpickled`` without calling its
    ``__init__``, which for ``RuleError`` or ``SpecError`` takes other arguments than ``args``)."""
    try:
        return pickle.dumps((type(exc), exc.args, dict(getattr(exc, "__dict__", {}))))
    except Exception:
        return pickle.dumps((RuntimeError, (f"{type(exc).__name__}: {exc}",), {}))


def _unpickled(data: bytes) -> BaseException:
    kind, args, attributes = pickle.loads(data)
    exc: BaseException = kind.__new__(kind, *args)
    exc.args = args
    exc.__dict__.update(attributes)
    return exc


async def _exit_with_parent(app: web.Application) -> None:
    """Stop this worker (as SIGTERM does) when the parent process is gone, even if it was killed."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    loop = asyncio.get_running_loop()

    def gone() -> None:
        loop.remove_reader(parent.sentinel)
        os.kill(os.getpid(), signal.SIGTERM)

    loop.add_reader(parent.sentinel, gone)
