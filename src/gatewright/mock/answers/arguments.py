"""A value valid against a schema the *request* brought: tool parameters, a response format.

The spec's generator (``mock.generate``) already turns any JSON Schema into realistic,
valid data; here a request's schema becomes a tiny document of its own (so its local
``$ref``s and ``$defs``, as pydantic writes them, resolve) and goes through the same
generator. Compiled schema sets are cached by the schema's JSON text.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from gatewright.mock.generate import Generator
from gatewright.mock.schemas import SchemaSet

__all__ = ["SchemaValues"]

log = logging.getLogger("gatewright.mock.answers")

_EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}
_CACHE_SIZE = 256


class SchemaValues:
    """Values for request-supplied schemas, deterministic under ``seed`` for the same ``salt``."""

    def __init__(self, *, seed: int | None = None, clock: Any = None) -> None:
        self.seed = seed if seed is not None else 0  # the same request gets the same arguments
        self.clock = clock
        self._sets: OrderedDict[str, tuple[SchemaSet, Generator]] = OrderedDict()

    def _compiled(self, schema: dict[str, Any]) -> tuple[SchemaSet, Generator]:
        key = json.dumps(schema, sort_keys=True, default=str)
        found = self._sets.get(key)
        if found is not None:
            self._sets.move_to_end(key)
            return found
        schemas = SchemaSet(schema)
        compiled = (schemas, Generator(schemas, seed=self.seed, clock=self.clock))
        self._sets[key] = compiled
        if len(self._sets) > _CACHE_SIZE:
            self._sets.popitem(last=False)
        return compiled

    def value(self, schema: Any, *, salt: str = "") -> Any:
        """A value for ``schema`` (an object schema when none is given); ``{}`` when it is unusable."""
        if schema is None or schema is True or schema == {}:
            schema = _EMPTY_OBJECT
        if not isinstance(schema, dict):
            return {}
        try:
            schemas, generator = self._compiled(schema)
            value = generator.generate("", salt=salt)
            if not schemas.is_valid("", value, formats=True):
                log.debug("no valid value found for a request schema; sending the closest one")
        except Exception as exc:
            log.debug("request schema unusable (%s); sending {}", exc)
            return {}
        return value

    def is_valid(self, schema: Any, value: Any) -> bool:
        if schema is None or schema is True:
            return True
        if not isinstance(schema, dict):
            return False
        try:
            return self._compiled(schema)[0].is_valid("", value, formats=True)
        except Exception:
            return False
