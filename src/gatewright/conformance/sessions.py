"""Keep-alive HTTP sessions for the cases a run sends: one per thread, closed together.

``Case.call`` without a session opens a fresh one, and a fresh TCP connection, for every request;
on a loopback mock that handshake costs about as much as the request itself. A run instead passes
one session per thread (``requests.Session`` is not meant to be shared between threads), so cases
reuse their connection the way ``st run`` does. What a fresh session guaranteed stays true:
redirects are followed only within the host (credentials never follow a redirect elsewhere), and
no cookie a response sets rides along with the next generated request.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any
from urllib.parse import urljoin

import requests


class SameHostSession(requests.Session):
    """Follows a redirect only where ``requests`` would keep the credentials: the same host."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        if self.should_strip_auth(resp.url, urljoin(resp.url, target)):
            return None
        return str(target)


class Sessions:
    """The calling thread's session (made on first use); ``close`` closes every thread's."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[requests.Session] = []
        # Closed with their owner at the latest, so no pooled socket is left for the GC to warn about.
        weakref.finalize(self, _close_all, self._all, self._lock)

    def get(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = SameHostSession()
            with self._lock:
                self._all.append(session)
        return session

    def call(self, case: Any, **kwargs: Any) -> Any:
        """``case.call`` over this thread's session; cookies the answer set are dropped afterwards."""
        session = self.get()
        try:
            return case.call(session=session, **kwargs)
        finally:
            session.cookies.clear()

    def request(self, **kwargs: Any) -> requests.Response:
        """``requests``' own call over this thread's session, for a body read as it arrives (an event
        stream); cookies the answer set are dropped afterwards."""
        session = self.get()
        try:
            return session.request(**kwargs)
        finally:
            session.cookies.clear()

    def close(self) -> None:
        _close_all(self._all, self._lock)


def _close_all(sessions: list[requests.Session], lock: threading.Lock) -> None:
    with lock:
        for session in sessions:
            session.close()
