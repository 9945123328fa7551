"""The proxy's HTTP side: forward each request unchanged, stream the answer back as it comes.

Headers pass through except the hop-by-hop ones (RFC 9110 7.6.1, plus any a ``Connection``
header names) and ``Host``; bodies pass through in both directions chunk by chunk, each
chunk written to the other side as it arrives, with a copy of the first
``capture_limit`` bytes kept for judging (``engine.Proxy``). The upstream's bytes are not
decoded on the way (``auto_decompress=False``), no cookie jar or redirect is followed, and
nothing of the client's is added. ``/__gatewright/`` is the proxy's own and never forwarded.
A client gets ``client_timeout`` seconds to send a request's headers (aiohttp's keep-alive
timer, which also closes a connection idle that long) and, separately, its body (408, closed).
An absolute-form target (``GET http://127.0.0.1:8081/v1/models``, RFC 9112 3.2.2) is
forwarded as its path and query, like the origin form; its host is checked like a ``Host``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from gatewright.loopback import CONTROL_PREFIX, HostGuard, json_refusal
from gatewright.proxy.engine import Proxy
from gatewright.proxy.errors import STATUS, ErrorEnvelopes
from gatewright.proxy.models import Captured, Observed
from gatewright.spec.headers import HOP_BY_HOP

_CHUNK = 64 * 1024
CLIENT_LEFT_GRACE = 2.0  # seconds the upstream's end is awaited after its client left
STOPPED_UNANSWERED = "the proxy stopped before the upstream answered"
BODY_UNFINISHED = "the upstream failed while the client was still sending its body"
REST_SECONDS = 10.0  # how long a body is still read after the upstream failed, with no client timeout

PROXY_KEY = web.AppKey("gatewright_proxy", Proxy)
SESSION_KEY = web.AppKey("gatewright_upstream", aiohttp.ClientSession)
ENVELOPES_KEY = web.AppKey("gatewright_envelopes", ErrorEnvelopes)
# Answers being relayed (or drained after their client left): the violations view waits for them.
RELAYING_KEY = web.AppKey("gatewright_relaying", set["asyncio.Future[None]"])


def end_to_end(headers: CIMultiDictProxy[str], *drop: str) -> CIMultiDict[str]:
    """``headers`` without the hop-by-hop ones, those ``Connection`` names, and ``drop``."""
    named = {
        token.strip().lower() for value in headers.getall("connection", []) for token in value.split(",")
    }
    skip = HOP_BY_HOP | named | {name.lower() for name in drop}
    return CIMultiDict((name, value) for name, value in headers.items() if name.lower() not in skip)


class _ClientBody:
    """The request body as it arrives, a copy of its head kept in ``captured``.

    The client has ``timeout`` seconds in all to send it, counting only the time the proxy waits
    on the client (not the time a slow upstream keeps it from reading): past that, ``late`` is
    set and reading fails, as the mock's ``--read-timeout`` does for a body.
    """

    def __init__(self, content: aiohttp.StreamReader, captured: Captured, timeout: float | None) -> None:
        self.content = content
        self.captured = captured
        self.left = timeout
        self.late = False

    async def chunks(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        while True:
            waited = loop.time()
            try:
                async with asyncio.timeout(self.left):
                    chunk = await self.content.read(_CHUNK)
            except TimeoutError:
                self.late = True
                raise
            if self.left is not None:
                self.left -= loop.time() - waited
            if not chunk:
                return
            self.captured.add(chunk)
            yield chunk

    async def rest(self) -> bool:
        """Take in what the client still sends when the upstream failed before it took it all, so
        the request is judged as it was sent (not as a request without its body); whether it all came.

        The rest is waited for at most ``REST_SECONDS`` (less when the client's own time runs out
        first: then it is late): the upstream has failed, and the client is owed its 502, not a wait."""
        bounded = self.left is None or self.left > REST_SECONDS  # by us, not by the client's timeout
        if bounded:
            self.left = REST_SECONDS
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):  # ``late`` says if slow
            async for _ in self.chunks():
                pass
            return True
        if bounded:  # the client was still within its own time, so not late: its body was cut short
            self.late = False
        return False


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _why(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "the upstream did not answer in time"
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


async def _forward(request: web.Request) -> web.StreamResponse:
    proxy = request.app[PROXY_KEY]
    session = request.app[SESSION_KEY]
    target = request.rel_url  # path and query as sent, of either request-target form
    headers = end_to_end(request.headers, "host")
    observed = Observed(
        method=request.method,
        path=request.path,
        query=target.raw_query_string,
        request_headers=list(headers.items()),
        request_body=Captured(proxy.options.capture_limit),
        time=_now(),
    )
    body = _ClientBody(request.content, observed.request_body, proxy.options.client_timeout)
    started = time.monotonic()
    try:
        upstream = await session.request(
            request.method,
            URL(proxy.options.upstream + target.raw_path_qs, encoded=True),
            headers=headers,
            data=body.chunks() if request.body_exists else None,
            allow_redirects=False,
        )
    except asyncio.CancelledError:  # the proxy is stopping: nothing to judge, but never lost silently
        proxy.not_judged(observed, STOPPED_UNANSWERED)
        raise
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        whole = not request.body_exists or body.late or await body.rest()
        if body.late:  # the client's fault, not the upstream's: nothing to judge
            return await _too_slow(request, proxy.options.client_timeout)
        observed.error = _why(exc)
        observed.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        if whole:
            proxy.submit(observed)
        else:
            proxy.not_judged(observed, BODY_UNFINISHED)
        return _bad_gateway(request, observed.error)
    relaying = request.app[RELAYING_KEY]
    done = asyncio.get_running_loop().create_future()
    relaying.add(done)
    try:
        return await _relay(request, upstream, observed, proxy, started)
    except asyncio.CancelledError:
        # The proxy stopped with this answer still running (a client reading a long stream): judged and
        # recorded as far as it went (``complete: false``), its end never held against the upstream.
        observed.complete, observed.stopped = False, True
        observed.error = observed.error or "the proxy stopped before the answer ended"
        observed.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        proxy.submit(observed)
        raise
    finally:
        upstream.release()
        relaying.discard(done)
        done.set_result(None)


async def _relay(
    request: web.Request, upstream: aiohttp.ClientResponse, observed: Observed, proxy: Proxy, started: float
) -> web.StreamResponse:
    """Stream the upstream's answer to the client; hand the exchange to the judge once it ended."""

    def finished() -> None:
        observed.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        proxy.submit(observed)

    observed.status = upstream.status
    observed.response_headers = list(upstream.headers.items())
    captured = observed.response_body = Captured(proxy.options.capture_limit)
    response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
    response.headers.extend(end_to_end(upstream.headers))
    try:
        await response.prepare(request)
        chunks = upstream.content.iter_any()
        while True:
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            except (TimeoutError, aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
                # The upstream cut its answer: the client's connection ends the same way, unfinished.
                observed.complete = False
                observed.error = _why(exc)
                finished()
                if request.transport is not None:
                    request.transport.close()
                return response
            captured.add(chunk)
            await response.write(chunk)  # a client that left raises here (or at the end), below
        await response.write_eof()
    except (ConnectionResetError, aiohttp.ClientConnectionResetError):
        # The client left: SDKs close a stream as soon as its terminal event arrived, often a moment
        # before the upstream ends the body. The exchange is still judged and recorded: what the
        # upstream sends within a short grace is read too, and an answer still running after it is
        # kept as cut by the client (``complete: false``, never the upstream's violation).
        observed.client_left = True
        observed.complete = await _drain(upstream, captured, CLIENT_LEFT_GRACE)
    finished()
    return response


async def _drain(upstream: aiohttp.ClientResponse, captured: Captured, grace: float) -> bool:
    """Read the rest of the upstream's answer for at most ``grace`` seconds; True if it ended."""
    try:
        async with asyncio.timeout(grace):
            async for chunk in upstream.content.iter_any():
                captured.add(chunk)
    except (TimeoutError, aiohttp.ClientPayloadError, aiohttp.ClientConnectionError):
        return False
    return True


async def _too_slow(request: web.Request, timeout: float | None) -> web.StreamResponse:
    """408 to a client that took too long to send its body, and its connection closed."""
    message = f"gatewright proxy: the request body was not received within {timeout:g}s"
    response = web.json_response(
        {"error": {"message": message, "type": "request_timeout", "code": "request_timeout"}}, status=408
    )
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    request.protocol.force_close()  # do not wait (aiohttp lingers up to 10 s) for the rest of it
    return response


def _bad_gateway(request: web.Request, why: str) -> web.Response:
    proxy = request.app[PROXY_KEY]
    route = proxy.judge.route(request.method, request.path)
    message = f"gatewright proxy: the upstream gateway failed ({why})"
    body = request.app[ENVELOPES_KEY].body(route.operation if route else None, request.path, message)
    return web.Response(status=STATUS, body=body, content_type="application/json")


async def _violations(request: web.Request) -> web.Response:
    """The findings so far, once the exchanges that ended (or whose client left) are judged."""
    proxy = request.app[PROXY_KEY]
    await _relayed(request.app)
    await proxy.settle()
    found = [v.to_dict() for v in proxy.violations()]
    return web.json_response({"violations": found, "not_judged": proxy.log.unjudged})


async def _relayed(app: web.Application) -> None:
    """Until the answers being relayed now have ended, and so been handed to the judge: a client that
    left gets its exchange handed over within the grace, so that long (and a second) at most."""
    relaying = app[RELAYING_KEY].copy()
    if relaying:
        await asyncio.wait(relaying, timeout=CLIENT_LEFT_GRACE + 1.0)


async def _health(request: web.Request) -> web.Response:
    proxy = request.app[PROXY_KEY]
    return web.json_response({"status": "ok", "api": proxy.options.name, "upstream": proxy.options.upstream})


async def _control_unknown(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "error": {
                "message": f"no proxy control route {request.method} {request.path}",
                "type": "not_found",
            }
        },
        status=404,
    )


def create_app(proxy: Proxy) -> web.Application:
    """The proxy as an aiohttp app; the upstream session lives as long as the app."""
    guard = HostGuard.of(proxy.options.host, proxy.options.allow_hosts)
    timeout = proxy.options.client_timeout  # headers, idle keep-alive (aiohttp's keep-alive timer)
    app = web.Application(
        middlewares=[guard.middleware(json_refusal)],
        handler_args={"keepalive_timeout": timeout} if timeout is not None else None,
    )
    app[PROXY_KEY] = proxy
    app[ENVELOPES_KEY] = ErrorEnvelopes(proxy.spec)
    app[RELAYING_KEY] = set()

    async def upstream_session(app: web.Application) -> AsyncIterator[None]:
        options = proxy.options
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=options.connect_timeout, sock_read=options.read_timeout
        )
        async with aiohttp.ClientSession(
            timeout=timeout,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            trust_env=False,
            connector=aiohttp.TCPConnector(limit=0),
        ) as session:
            app[SESSION_KEY] = session
            yield

    app.cleanup_ctx.append(upstream_session)
    app.router.add_get(f"{CONTROL_PREFIX}/violations", _violations)
    app.router.add_get(f"{CONTROL_PREFIX}/health", _health)
    app.router.add_route("*", CONTROL_PREFIX + "{tail:(/.*)?}", _control_unknown)
    app.router.add_route("*", "/{tail:.*}", _forward)
    return app


async def run(
    proxy: Proxy, *, stop_signals: Iterable[signal.Signals] = (signal.SIGINT, signal.SIGTERM)
) -> None:
    """Serve until one of ``stop_signals``; then finish judging and write the reports."""
    options = proxy.options
    app = create_app(proxy)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in stop_signals:
        loop.add_signal_handler(sig, stop.set)
    site: web.TCPSite | None = None
    try:
        started = web.TCPSite(runner, options.host, options.port)
        await started.start()
        site = started
        address = runner.addresses[0] if runner.addresses else (options.host, options.port)
        proxy.out.write(
            f"gatewright proxy: {options.name} on http://{address[0]}:{address[1]} -> {options.upstream}\n"
        )
        proxy.out.flush()
        await stop.wait()
    finally:
        for sig in stop_signals:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(sig)
        if site is not None:
            # No new connections; the answers under way end first (an SDK that closed a stream after its
            # terminal event leaves a drain of up to the grace): stopping must not lose their exchanges.
            # One still running after that is cancelled, and handed over cut (``_forward``).
            await site.stop()
            await _relayed(app)
        await runner.cleanup()
        await proxy.settle()


def serve(proxy: Proxy) -> int:
    """Run the proxy until SIGINT or SIGTERM, write the reports; 1 when ``fail_on_violation`` and
    anything was found, else 0. Raises ``OSError`` when it cannot listen."""
    try:
        asyncio.run(run(proxy))
    finally:
        proxy.close()
    written = proxy.write_reports()
    found = proxy.violations()
    # The reports' own numbers: every violation (report.json's "occurrences"), the distinct findings
    # they list (its "findings", junit's failures), the exchanges not judged and why.
    reasons = proxy.log.unjudged_reasons()
    why = "; ".join(f"{count}: {reason}" for reason, count in reasons.items())
    proxy.out.write(
        f"gatewright proxy: {len(found)} violation(s), {proxy.log.distinct()} distinct finding(s)"
        + (f", {reasons.total()} exchange(s) not judged ({why})" if reasons else "")
        + "; reports written to "
        f"{written[0].parent if written else proxy.options.default_report_dir()}/ "
        "(report.json, junit.xml, report.html)\n"
    )
    proxy.out.flush()
    return 1 if proxy.options.fail_on_violation and found else 0
