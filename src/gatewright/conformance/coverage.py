"""The coverage phase: schemathesis's deterministic boundary and negation cases for an operation.

Between an operation's documented examples and fuzzing (``phases.py``, ``st run``'s order), the
coverage phase sends the cases schemathesis derives from the schema itself rather than drawing at
random: every required field missing in turn, values just past ``minimum``/``maxLength``/an enum,
wrong types per location (path, query, header, body), and methods the path does not declare. Each
is sent and checked like any other case, its findings filed under phase ``coverage``. Cases whose
body no serializer can send are left out, as ``st run`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import schemathesis
from schemathesis import GenerationMode

import gatewright.conformance.st_internals  # noqa: F401 - preloads the coverage module (see there)


class CoverageCases:
    """The coverage cases of a loaded schema's operations (``iter_coverage_cases``, the generator
    behind ``st run``'s coverage phase), each one schemathesis can send to ``base_url``."""

    def __init__(self, schema: Any, base_url: str) -> None:
        self.schema = schema
        self.base_url = base_url
        self._serializable: dict[str, bool] = {}  # request media type -> schemathesis can send it

    def __call__(self, operation: Any) -> Iterator[Any]:
        schema = self.schema
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        )
        for case in cases:
            if case.media_type and not self._can_send(case):
                continue
            yield case

    def _can_send(self, case: Any) -> bool:
        media_type = str(case.media_type)
        known = self._serializable.get(media_type)
        if known is None:
            try:
                case.as_transport_kwargs(base_url=self.base_url)
                known = True
            except schemathesis.errors.SerializationNotPossible:
                known = False
            except Exception:  # any other trouble is the send's to report
                known = True
            self._serializable[media_type] = known
        return known
