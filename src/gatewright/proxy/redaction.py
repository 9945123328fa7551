"""The credentials one exchange carried, and every written value scrubbed of them.

Which headers, query parameters and body fields are credentials is ``gatewright.spec.secrets``'
rule (plus ``--secret-header`` names and the spec's API-key names); how a value is hidden inside
free text (a message quoting the key, an echoed body) is the conformance ``Redactor``'s, applied
once per credential. The credentials themselves are kept only in memory, for one exchange.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from gatewright.conformance.redact import Redactor
from gatewright.spec import Spec
from gatewright.spec.secrets import (
    body_secrets,
    is_secret_header,
    redact_headers,
    redact_query,
    scheme_credential,
)
from gatewright.spec.security import credential_names

T = TypeVar("T")
_BODY_SECRETS = 32  # credential values taken from one exchange's bodies at most (each costs a pass)


@dataclass(frozen=True, slots=True)
class CredentialRules:
    """Where a spec (and the user) put credentials: header names and query parameter names."""

    headers: frozenset[str]
    query: frozenset[str]

    @classmethod
    def of(cls, spec: Spec, extra_headers: frozenset[str] = frozenset()) -> CredentialRules:
        headers, query = credential_names(spec)
        return cls(headers | extra_headers, query)

    def secrets(
        self,
        headers: Iterable[tuple[str, str]],
        query: str,
        bodies: Iterable[tuple[bytes | bytearray, str | None]] = (),
    ) -> tuple[str, ...]:
        """The credential values of an exchange: secret header values (without ``Bearer``), key
        parameters, and what the credential fields of ``bodies`` (bytes, content type) hold."""
        found: list[str] = []
        for name, value in headers:
            if not is_secret_header(name, self.headers):
                continue
            found.append(value)
            credential = scheme_credential(value)
            if credential is not None:
                found.append(credential)
        for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if name in self.query or is_secret_header(name):
                found.append(value)
        for data, content_type in bodies:
            found.extend(body_secrets(bytes(data).decode("utf-8", "replace"), content_type)[:_BODY_SECRETS])
        return tuple(dict.fromkeys(s for s in found if s.strip()))

    def headers_redacted(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Lower-cased headers (repeats joined), every credential header's value hidden."""
        joined: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        return redact_headers(joined, self.headers)

    def query_redacted(self, query: str) -> str:
        """The raw query string with credential parameters' values hidden (the spec's key parameters too)."""
        return redact_query(query, frozenset(name.lower() for name in self.query))


def scrub(value: T, secrets: Iterable[str]) -> T:
    """A copy of ``value`` (strings, dataclasses, dicts, lists) with every credential hidden."""
    for secret in secrets:
        value = Redactor(secret).model(value)
    return value
