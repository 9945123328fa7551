"""Two mock answers compared without their time fields (twins made a second apart differ only there)."""

from __future__ import annotations

import json
from typing import Any


def without_time(text: str) -> str:
    """A JSON body or SSE stream, its ``created``/``created_at`` values blanked (twins differ by a second)."""
    if not text.startswith("{"):  # a stream: compare its events with the time fields blanked
        return "\n".join(
            without_time(line[6:]) if line.startswith("data: {") else line for line in text.splitlines()
        )

    def blank(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: 0 if k in {"created", "created_at"} else blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    return json.dumps(blank(json.loads(text)))
