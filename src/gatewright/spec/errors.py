"""Errors raised while reading or interpreting an OpenAPI document."""

from __future__ import annotations


class SpecError(Exception):
    """A document that cannot be used, with where it went wrong.

    ``source`` is a file name, ``line`` a 1-based line in it when known and
    ``pointer`` a JSON pointer into the parsed document when known.
    """

    def __init__(self, message: str, *, source: str = "", line: int | None = None, pointer: str = "") -> None:
        self.message = message
        self.source = source
        self.line = line
        self.pointer = pointer
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.pointer:
            where = f"{where} ({self.pointer})" if where else self.pointer
        return f"{where}: {self.message}" if where else self.message
