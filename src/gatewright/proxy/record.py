"""``--record DIR``: each exchange as a fixture in the spec layer's recording format.

The recording holds what the client would get again on replay: the body decoded (so its
``Content-Encoding`` and framing headers are left out), a stream as its raw event blocks, and
the names of the rules the answer broke. The query's key parameters are hidden here (the
format redacts headers and bodies itself); an exchange whose body went past the capture limit
is not recorded, since a partial body would replay as a wrong one.
"""

from __future__ import annotations

from pathlib import Path

from gatewright.proxy.models import Observed, Violation
from gatewright.proxy.redaction import CredentialRules
from gatewright.spec.recording import (
    TEST_ID_HEADER,
    Payload,
    RecordedRequest,
    RecordedResponse,
    Recording,
    write_recording,
)

_FRAMING = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def recording_of(
    api: str,
    exchange: Observed,
    operation: str | None,
    violations: list[Violation],
    rules: CredentialRules,
    *,
    body: bytes | None,
    events: tuple[str, ...] | None,
) -> Recording | None:
    """The fixture for ``exchange``; None when there is nothing faithful to record."""
    if exchange.status is None or exchange.request_body.truncated:
        return None
    if events is None and body is None and exchange.response_body is not None and exchange.response_body.size:
        return None  # larger than the capture limit, or an encoding this proxy cannot undo
    request_headers = rules.headers_redacted(exchange.request_headers)
    response_headers = {
        name: value
        for name, value in rules.headers_redacted(exchange.response_headers).items()
        if name not in _FRAMING
    }
    request = RecordedRequest(
        method=exchange.method,
        path=exchange.path,
        query=rules.query_redacted(exchange.query),
        headers=request_headers,
        body=Payload.from_bytes(bytes(exchange.request_body.data), exchange.request_header("content-type")),
    )
    response = RecordedResponse(
        status=exchange.status,
        headers=response_headers,
        body=None
        if events is not None
        else Payload.from_bytes(body or b"", exchange.response_header("content-type")),
        events=events,
        complete=exchange.complete,
    )
    return Recording(
        api=api,
        operation=operation,
        request=request,
        response=response,
        test_id=exchange.request_header(TEST_ID_HEADER),
        violations=tuple(f"{v.check}: {v.message}" for v in violations if v.side == "gateway"),
        recorded_at=exchange.time,
    )


def record(root: Path, recording: Recording, rules: CredentialRules) -> Path:
    return write_recording(root, recording, rules.headers)
