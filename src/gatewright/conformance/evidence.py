"""What a finding shows of a request: its exchange and a ``curl`` command, credentials masked.

Built only when a finding asks for them (``CaseRun``'s ``describe``). Binary bodies (a PNG in a
multipart upload, audio) appear as type + size + hex preview, never raw bytes; long bodies are cut at
``BODY_LIMIT`` characters.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from requests.structures import CaseInsensitiveDict

from gatewright.conformance.bodies import binary_curl, describe_body
from gatewright.conformance.models import Exchange
from gatewright.conformance.redact import REDACTED, Redactor

BODY_LIMIT = 4000


class Evidence:
    """Exchanges and ``curl`` commands for requests sent to ``base_url``, passed through ``redactor``."""

    def __init__(self, redactor: Redactor, base_url: str) -> None:
        self.redactor = redactor
        self.base_url = base_url

    def curl(self, case: Any, headers: dict[str, str], query: dict[str, str] | None = None) -> str:
        """A command that sends what ``case`` sent, its credentials masked (and nothing else)."""
        redactor = self.redactor
        masked_query = {
            name: REDACTED if name in redactor.query_names or name in (query or {}) else value
            for name, value in {**dict(case.query or {}), **(query or {})}.items()
        }
        try:
            masked = schemathesis.Case(
                case.operation,
                case.method,
                case.path,
                id=case.id,
                path_parameters=case.path_parameters,
                headers=CaseInsensitiveDict(redactor.headers(dict(case.headers or {}))),
                cookies=case.cookies,
                query=masked_query,
                body=case.body,
                media_type=case.media_type,
                multipart_content_types=case.multipart_content_types,
            )
            masked_headers = redactor.headers(headers)
            command = binary_curl(
                masked.as_transport_kwargs(base_url=self.base_url, headers=masked_headers)
            ) or masked.as_curl_command(headers=masked_headers, base_url=self.base_url)
        except Exception:
            return ""
        return redactor.text(str(command))

    def exchange(self, response: Any) -> Exchange:
        """The request ``response`` answered and the answer, as a report shows them."""
        request = response.request
        body = describe_body(request.body, str(request.headers.get("Content-Type", "")))
        headers = {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in response.headers.items()}
        response_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        text = describe_body(response.content, response_type, response.encoding) or ""
        return Exchange(
            method=str(request.method),
            url=self.redactor.url(str(request.url)),
            request_headers=self.redactor.headers({k: str(v) for k, v in request.headers.items()}),
            request_body=_truncate(self.redactor.body(body)) if body is not None else None,
            status=int(response.status_code),
            response_headers=self.redactor.headers(headers),
            response_body=_truncate(self.redactor.body(text)),
            elapsed_ms=round(response.elapsed * 1000, 1),
        )

    def unanswered(self, case: Any, headers: dict[str, str]) -> Exchange:
        """The request of a case that got no answer (a transport error): method, URL and headers."""
        return Exchange(
            method=str(case.method),
            url=self.redactor.url(self.base_url + case.formatted_path),
            request_headers=self.redactor.headers(headers),
        )


def _truncate(text: str) -> str:
    return (
        text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"... [{len(text) - BODY_LIMIT} more chars]"
    )
