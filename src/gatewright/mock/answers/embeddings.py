"""Embedding vectors: one per input, deterministic per (model, text), unit length.

Different texts get different vectors; the same text under the same model always
gets the same one (so a RAG test can index and query the mock). ``base64`` is the
official SDKs' default encoding: little-endian float32, base64-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import struct
from collections.abc import Mapping
from typing import Any

from gatewright.mock.answers.content import texts_of

__all__ = ["default_dimensions", "embed", "encode", "inputs_of"]

_DEFAULT = 1536
_BY_MODEL = (("3-large", 3072), ("3-small", 1536), ("ada", 1536), ("v4", 1024), ("bge", 1024), ("e5", 1024))


def default_dimensions(model: str) -> int:
    lowered = model.lower()
    return next((dims for marker, dims in _BY_MODEL if marker in lowered), _DEFAULT)


def inputs_of(body: Mapping[str, Any]) -> list[str]:
    """The texts to embed, in order, read as a legacy completion's prompts are."""
    return texts_of(body.get("input"))


def embed(text: str, model: str, dimensions: int, seed: int | None = None) -> list[float]:
    digest = hashlib.sha256(f"{seed}|{model}|{text}".encode("utf-8", "surrogatepass")).digest()
    rng = random.Random(digest)
    vector = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [round(v / norm, 6) for v in vector]


def encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector
