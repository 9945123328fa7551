"""Deterministic answer text, token counts and logprobs, and the two ways text ends early (limits, stops).

A "token" here is a word-sized piece (``split_text``): the same unit the stream formats
send, so a stream has one content delta per counted token, ``usage`` adds up, and each
delta can carry its token's logprobs.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from itertools import permutations

from gatewright.mock.sse.events import split_text
from gatewright.spec.answers import TokenLogprob

__all__ = ["answer_text", "count_tokens", "cut_at_stop", "sentence", "token_logprobs", "truncate_tokens"]

_SENTENCES = (
    "Here is a short answer from the gatewright mock gateway.",
    "The request was read, and this reply follows what it asked for.",
    "Mock answers are deterministic, so the same request gets the same text.",
    "Nothing here comes from a real model; it is shaped like one.",
    "Your client parsed this message the way it parses a real gateway's.",
    "Tool calls, structured output and streaming all follow the request.",
    "Token counts are words, and usage adds up across the answer.",
    "Set a rule to script an exact reply for your test.",
)


def _arrangements(count: int) -> tuple[tuple[str, int], ...]:
    """Every text of ``count`` distinct sentences in any order, with its token count."""
    texts = (" ".join(order) for order in permutations(_SENTENCES, count))
    return tuple((text, count_tokens(text)) for text in texts)


def answer_text(seed: str) -> tuple[str, int]:
    """Two to four sentences picked by ``seed`` (the same seed, the same text), and its tokens.

    Every arrangement is written out once, at import (2,072 texts, about 0.6 MB): an answer is
    one checksum of its seed and one lookup, where hashing, ordering, joining and counting
    per answer cost more than the rest of a plain answer's text. Each length is as likely.
    """
    picked = zlib.crc32(seed.encode("utf-8", "surrogatepass"))
    texts = _TEXTS[picked % 3]
    return texts[(picked // 3) % len(texts)]


def sentence(seed: str) -> str:
    """One sentence picked by ``seed`` (the answer inside a ``json_object`` reply)."""
    return _SENTENCES[zlib.crc32(seed.encode("utf-8", "surrogatepass")) % len(_SENTENCES)]


# The tokens that stand in for the other likely ones at a place.
_VOCABULARY = tuple(sorted({piece for line in _SENTENCES for piece in split_text(line + " ")}))


def token_logprobs(text: str, top: int, seed: str) -> tuple[TokenLogprob, ...]:
    """Each token of ``text`` with a log probability, and the ``top`` likeliest tokens at its place.

    Shaped like a model's: the chosen token is the likeliest (probability 1/2 to 1, so it
    leads its ``top``), the others share what is left, each half the one before, so every
    place's probabilities sum to at most 1. A hash of the seed, the place and the token picks
    the numbers and the alternatives: the same text gets the same logprobs.
    """
    scored: list[TokenLogprob] = []
    for place, token in enumerate(split_text(text)):
        digest = hashlib.blake2b(
            f"{seed}|{place}|{token}".encode("utf-8", "surrogatepass"), digest_size=8
        ).digest()
        chosen = 0.5 + digest[0] / 512
        start = int.from_bytes(digest[1:3], "big") % len(_VOCABULARY)
        others = [other for other in _VOCABULARY[start:] + _VOCABULARY[:start] if other != token]
        others = others[: max(0, top - 1)]
        probabilities = [(token, chosen)] + [
            (other, (1 - chosen) / 2 ** (rank + 1)) for rank, other in enumerate(others)
        ]
        alternatives = tuple((name, round(math.log(p), 6)) for name, p in probabilities[:top])
        scored.append(TokenLogprob(token, round(math.log(chosen), 6), alternatives))
    return tuple(scored)


def count_tokens(text: str) -> int:
    """``len(split_text(text))`` without building the pieces (it runs on every answer and prompt).

    A piece starts at each run of non-whitespace, plus one for whitespace the text starts
    with; ``str.split`` and the regex's ``\\s`` agree on what whitespace is.
    """
    return len(text.split()) + (1 if text[:1].isspace() else 0)


_TEXTS = tuple(_arrangements(count) for count in (2, 3, 4))  # after ``count_tokens``, which counts them


def truncate_tokens(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` tokens, and whether it was cut."""
    pieces = split_text(text)
    if len(pieces) <= limit:
        return text, False
    return "".join(pieces[:limit]).rstrip(), True


def cut_at_stop(text: str, stops: tuple[str, ...]) -> tuple[str, str | None]:
    """``text`` up to the earliest stop sequence in it (excluded), and that sequence."""
    best: tuple[int, str] | None = None
    for stop in stops:
        at = text.find(stop)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, stop)
    if best is None:
        return text, None
    return text[: best[0]], best[1]
