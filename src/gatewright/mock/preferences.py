"""The ``Prefer`` request header, Prism-compatible, parsed once into a typed value.

``Prefer: code=404, example=not_found, dynamic=true`` steers the mock: which
documented status to answer with, which named example to use and whether to
generate the body from the schema even where examples exist. Unknown
preferences are kept in ``extra`` so later stages (task lifecycles) can read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_TRUE = frozenset({"true", "1", "yes", "on"})


@dataclass(frozen=True, slots=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.code is None and self.example is None and not self.dynamic and not self.extra


NO_PREFERENCES = Preferences()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_prefer(header: str | None) -> Preferences:
    """Parse a ``Prefer`` header (comma or semicolon separated ``key=value`` pairs).

    Malformed parts are ignored, never an error: a client's unknown preference
    must not break its request (RFC 7240).
    """
    if not header:
        return NO_PREFERENCES
    code: int | None = None
    example: str | None = None
    dynamic = False
    extra: dict[str, str] = {}
    for raw in header.replace(";", ",").split(","):
        key, sep, value = raw.partition("=")
        key = key.strip().lower()
        if not key:
            continue
        value = _unquote(value) if sep else ""
        if key == "code":
            if value.isdigit() and len(value) == 3:
                code = int(value)
        elif key == "example":
            example = value or None
        elif key == "dynamic":
            dynamic = value.lower() in _TRUE if sep else True
        else:
            extra[key] = value
    return Preferences(code=code, example=example, dynamic=dynamic, extra=extra)
