"""Keep the API key out of everything a run writes, by structure, before anything is serialized.

Values are redacted where they can carry a credential — header values, query parameters, URLs,
request and response bodies, free text a server sent back — and only then rendered, so a report is
valid JSON, XML and HTML whatever the key is (``null``, ``test``, ``e``). Serialized output is never
searched and replaced. A key of at least ``SUBSTRING_MIN`` characters is redacted inside any text (a
message quoting it, an echoed body); a shorter one, which could be any word, only where it is a
whole value or sits in a credential position (``Bearer <key>``, ``?name=<key>``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, TypeVar

from gatewright.spec.secrets import AUTH_SCHEMES, REDACTED, is_secret_header

__all__ = ["REDACTED", "SUBSTRING_MIN", "Redactor"]

SUBSTRING_MIN = 8
_SCHEME_WORDS = f"(?:{'|'.join(AUTH_SCHEMES)})"  # case as written: ``Bearer <key>``

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Redactor:
    """Redacts the secret from values; ``header_names``/``query_names`` are the spec's credential slots."""

    secret: str | None = None
    header_names: frozenset[str] = frozenset()
    query_names: frozenset[str] = frozenset()

    # --- the secret as it can appear ---------------------------------------------------------

    def _forms(self) -> tuple[str, ...]:
        """The secret, and its URL-encoded forms when they differ (a query value, a form body)."""
        return _forms(self.secret) if self.secret else ()

    def _is_secret(self, value: str) -> bool:
        return bool(self.secret) and value in self._forms()

    # --- values --------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """Free text (a message, a body, a URL, a command): the secret wherever it is unambiguous."""
        value = self._query_slots(value)
        if not self.secret:
            return value
        if self._is_secret(value):
            return REDACTED
        if len(self.secret) >= SUBSTRING_MIN:
            for form in self._forms():
                value = value.replace(form, REDACTED)
            return value
        return _positions(self.secret).sub(lambda m: m.group(1) + REDACTED, value)

    def _query_slots(self, value: str) -> str:
        """``name=<anything>`` for the spec's credential query parameters, in any URL in ``value``."""
        if not self.query_names or not self.secret:
            return value
        names = "|".join(re.escape(name) for name in sorted(self.query_names))
        return re.sub(rf"([?&](?:{names})=)[^&#\s'\"]*", lambda m: m.group(1) + REDACTED, value)

    def url(self, value: str) -> str:
        """A URL: credentials in its user info, query parameters and path segments."""
        try:
            parts = urllib.parse.urlsplit(value)
        except ValueError:
            return self.text(value)
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", f":{REDACTED}@", 1)
        if parts.username and self._is_secret(parts.username):
            netloc = netloc.replace(f"{parts.username}", REDACTED, 1)
        path = "/".join(REDACTED if self._is_secret(seg) else seg for seg in parts.path.split("/"))
        query = parts.query
        if query and self.secret:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
            if any(name in self.query_names or self._is_secret(v) for name, v in pairs):
                query = urllib.parse.urlencode(
                    [(n, REDACTED if n in self.query_names or self._is_secret(v) else v) for n, v in pairs],
                    safe="[]",
                )
        return self.text(urllib.parse.urlunsplit((parts.scheme, netloc, path, query, parts.fragment)))

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Credential headers masked whatever they hold; any other header only where it carries the key."""
        return {
            name: (_mask(value) if is_secret_header(name, self.header_names) else self.text(value))
            for name, value in headers.items()
        }

    def body(self, value: str) -> str:
        """A request or response body as text: JSON bodies value by value, anything else as free text."""
        if not self.secret or len(self.secret) >= SUBSTRING_MIN:
            return self.text(value)
        try:
            parsed = json.loads(value)
        except ValueError:
            return self.text(value)
        redacted = self.deep(parsed)
        return value if redacted == parsed else json.dumps(redacted, ensure_ascii=False)

    def deep(self, value: Any) -> Any:
        """A copy of a JSON-like value with the secret redacted from every string (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value

    def model(self, value: T) -> T:
        """A copy of a report model (dataclasses, dicts, lists, strings) with every string redacted.

        The last pass before a report is rendered: values, never the rendered text.
        """
        if not self.secret:
            return value
        return self._model(value)  # type: ignore[no-any-return]

    def _model(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self._model(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
            }
            return dataclasses.replace(value, **changes)
        if isinstance(value, dict):
            return {self._model(k): self._model(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._model(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._model(v) for v in value)
        return value


@functools.lru_cache(maxsize=8)
def _forms(secret: str) -> tuple[str, ...]:
    forms = [secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)]
    return tuple(dict.fromkeys(forms))


@functools.lru_cache(maxsize=8)
def _positions(secret: str) -> re.Pattern[str]:
    """Credential positions in free text: ``Bearer <key>``, ``?name=<key>``, a quoted ``"<key>"``."""
    alternatives = "|".join(re.escape(form) for form in sorted(_forms(secret), key=len, reverse=True))
    end = r"(?=$|[\s&#'\",;)\]}])"
    return re.compile(rf"((?:\b{_SCHEME_WORDS}\s+)|(?:[?&][^=&#\s'\"]+=)|\")(?:{alternatives}){end}")


_SCHEME = re.compile(r"^(\w+)\s+\S+$")


def _mask(value: str) -> str:
    """Keep the scheme (``Bearer``) so a reader sees how auth was sent, never the credential."""
    match = _SCHEME.match(value.strip())
    return f"{match.group(1)} {REDACTED}" if match else REDACTED
