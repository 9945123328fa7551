"""Which parts of an HTTP exchange are credentials, and how they are hidden.

One home for the rule, because everything written goes through it: the mock's request
journal, the proxy's findings and reports, and its recorded fixtures. Only credentials are
secrets:

- headers that carry one: known names (``Authorization``, ``x-api-key``; ``Cookie`` and
  ``Set-Cookie`` whole), the spec's own credential slots (``extra``), and names that name a
  credential by the body-field rule below or a signature (``x-auth-token``, ``x-goog-api-key``,
  ``x-amz-signature``; not ``x-litellm-key-spend`` nor ``x-ratelimit-remaining-tokens``), and query
  parameters named the same way;
- body fields, in JSON (at any depth) and form bodies, whose name *names* a secret. The name is
  read as words (``openai_api_key``, ``apiKey``, ``client-secret``, ``credentials.key``): a
  field is a secret when a word is ``password``, ``secret``, ``credential(s)``, ``auth``,
  ``authorization`` or ``apikey``, when its last word is ``token`` (``access_token``, not
  ``max_tokens``), or when it ends in ``key`` after ``api``, ``private``, ``access``… (not
  ``prompt_cache_key``). The whole value of such a field is hidden, a nested object too.

A JSON body cut short (a journal entry over its budget, a capture past the proxy's limit) does
not parse; ``redact_json_text`` reads it token by token instead, so a prefix is redacted by the
same rule as a whole body.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.spec.media import is_json, media_type_of

__all__ = [
    "AUTH_SCHEMES",
    "REDACTED",
    "body_secrets",
    "is_secret_field",
    "is_secret_header",
    "redact_body",
    "redact_form",
    "redact_headers",
    "redact_json_text",
    "redact_query",
    "redact_text_body",
    "scheme_credential",
]

REDACTED = "[REDACTED]"
_MAX_DEPTH = 256  # bodies nest at most a few hundred levels before any parser here refuses them
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-admin-token",
        "ocp-apim-subscription-key",
        "key",  # Google's ?key=
    }
)
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "apikey",
    }
)
# The scheme words a header value names before its credential (``Bearer sk-…``, ``Token …``).
AUTH_SCHEMES: tuple[str, ...] = ("Bearer", "Basic", "Token", "Key")
_AUTH_SCHEMES = frozenset(word.lower() for word in AUTH_SCHEMES)
_KEY_KINDS = frozenset(
    {"api", "private", "secret", "access", "client", "signing", "encryption", "master", "admin", "service"}
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")  # apiKey: api, Key; OPENAI_API_KEY: OPENAI, API, KEY
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[{}\[\]:,]|[^\s{}\[\]:,"]+|\s+', re.DOTALL)
_FORM = "application/x-www-form-urlencoded"


def is_secret_header(name: str, extra: frozenset[str] = frozenset()) -> bool:
    """A header (or query parameter) whose value is a credential: a known name, ``extra``, a name
    that names a credential (``is_secret_field``) or a signature. Words, not substrings: a name
    merely containing ``key`` or ``token`` (``x-litellm-key-spend``) is an ordinary header."""
    lowered = name.lower()
    return (
        lowered in _SECRET_HEADERS
        or lowered in extra
        or is_secret_field(name)
        or "signature" in (word.lower() for word in _WORD.findall(name))
    )


def is_secret_field(name: str) -> bool:
    """A body field whose name names a credential (the module's rule)."""
    words = [word.lower() for word in _WORD.findall(name)]
    if not words:
        return False
    if _SECRET_WORDS.intersection(words) or words[-1] == "token":
        return True
    return words[-1] == "key" and len(words) > 1 and words[-2] in _KEY_KINDS


def scheme_credential(value: str) -> str | None:
    """The credential after a scheme word of ``AUTH_SCHEMES`` (``Bearer sk-1`` → ``sk-1``), any case;
    None when ``value`` does not start with one."""
    word, space, rest = value.partition(" ")
    return rest.strip() if space and word.lower() in _AUTH_SCHEMES else None


def redact_headers(headers: Mapping[str, str], extra: frozenset[str] = frozenset()) -> dict[str, str]:
    """Lower-cased header names; credential values replaced (``extra``: more names, lower case)."""
    return {
        name.lower(): REDACTED if is_secret_header(name, extra) else value for name, value in headers.items()
    }


def redact_query(query: str, extra: frozenset[str] = frozenset()) -> str:
    """A raw query string with credential parameters' values hidden (``extra``: more names); a query
    without any comes back untouched, as sent."""
    if not query:
        return query
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_header(name, extra) for name, _ in pairs):
        return query
    return urllib.parse.urlencode(
        [(name, REDACTED if is_secret_header(name, extra) else value) for name, value in pairs], safe="[]"
    )


def redact_body(value: Any, depth: int = 0) -> Any:
    """A parsed body (JSON, form fields) with every field named like a credential replaced, at any depth."""
    if depth > _MAX_DEPTH:  # deeper than any body we parse: shown as nothing rather than unchecked
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED if isinstance(key, str) and is_secret_field(key) else redact_body(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_body(item, depth + 1) for item in value]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


def redact_form(text: str) -> str:
    """An ``application/x-www-form-urlencoded`` body with credential fields' values hidden."""
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    if not any(is_secret_field(name) for name, _ in pairs):
        return text
    return urllib.parse.urlencode([(n, REDACTED if is_secret_field(n) else v) for n, v in pairs])


def redact_json_text(text: str) -> str:
    """JSON text, whole or cut anywhere, with credential fields' values hidden; the rest as written."""
    out: list[str] = []
    last = 0
    for start, end in _json_secret_spans(text):
        out.append(text[last:start])
        out.append(f'"{REDACTED}"')
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_text_body(text: str, content_type: str | None) -> str:
    """A body as text: JSON (whole or cut) and form bodies redacted field by field, others as they are."""
    kind = _kind(text, content_type)
    if kind == "form":
        return redact_form(text)
    return redact_json_text(text) if kind == "json" else text


def body_secrets(text: str, content_type: str | None) -> list[str]:
    """The values a JSON or form body's credential fields hold (each string of a nested value):
    what to scrub from any other text that may quote them."""
    kind = _kind(text, content_type)
    if kind == "form":
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
        return [value for name, value in pairs if is_secret_field(name)]
    if kind != "json":
        return []
    found: list[str] = []
    for start, end in _json_secret_spans(text):
        tokens = [t for t in _JSON_TOKEN.findall(text, start, end) if not t.isspace()]
        found.extend(
            _string(token)
            for token, after in zip(tokens, [*tokens[1:], ""], strict=True)
            if token.startswith('"') and after != ":"  # a string value, not a nested field's name
        )
    return [value for value in found if value]


def _kind(text: str, content_type: str | None) -> str:
    """``form``, ``json`` (declared, or undeclared and looking like it) or ``other``."""
    media = media_type_of(content_type)
    if media == _FORM:
        return "form"
    if is_json(media):
        return "json"
    return "json" if not media and text.lstrip()[:1] in ("{", "[") else "other"


def _string(token: str) -> str:
    """A JSON string token's value; an unterminated one (the text was cut) as far as it goes."""
    closed = token if len(token) > 1 and token.endswith('"') else token + '"'
    try:
        value = json.loads(closed)
    except ValueError:
        return token[1:].rstrip('"')
    return value if isinstance(value, str) else token


def _json_secret_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where the values of credential fields lie in JSON text: a nested value whole, one cut short
    up to the end of the text."""
    tokens = _JSON_TOKEN.finditer(text)
    containers: list[str] = []
    expect_key = secret_next = False
    for match in tokens:
        token = match.group()
        if token.isspace() or token == ":":
            continue
        if secret_next:
            secret_next = expect_key = False
            end = match.end()
            if token in ("{", "["):
                depth = 1
                for inner in tokens:
                    end = inner.end()
                    if inner.group() in ("{", "["):
                        depth += 1
                    elif inner.group() in ("}", "]"):
                        depth -= 1
                        if depth == 0:
                            break
            yield match.start(), end
        elif token in ("{", "["):
            containers.append(token)
            expect_key = token == "{"
        elif token in ("}", "]"):
            if containers:
                containers.pop()
            expect_key = False
        elif token == ",":
            expect_key = bool(containers) and containers[-1] == "{"
        elif expect_key and token.startswith('"'):
            expect_key = False
            secret_next = is_secret_field(_string(token))
