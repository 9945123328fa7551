"""How relevant a text is to a query, without a model: the share of the query's words it holds.

Two answers rank texts against a query (a vector store's search, a rerank), and a test against the mock
must be able to predict the order: a text holding more of the query's words ranks higher, the same
request ranks the same way every time. Words are runs of three or more letters or digits, case folded,
a trailing ``s`` dropped, so ``models`` meets ``model`` and ``is``/``a`` (which every text holds) meet
nothing.
"""

from __future__ import annotations

import re

__all__ = ["share", "words"]

_WORD = re.compile(r"[^\W_]{3,}")


def words(text: str) -> set[str]:
    """The distinct words of ``text`` as relevance compares them."""
    return {word[:-1] if word.endswith("s") else word for word in _WORD.findall(text.casefold())}


def share(query: str, text: str) -> float:
    """The share (0..1) of the query's distinct words that ``text`` holds; 0 for a query of none."""
    asked = words(query)
    return len(asked & words(text)) / len(asked) if asked else 0.0
