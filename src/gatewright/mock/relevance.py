"""How relevant a text is to a query, without a model: the share of the query's words it holds.

Two answers rank texts against a query (a vector store's search, a rerank), and a test against the mock
must be able to predict the order: a text holding more of the query's words ranks higher, the same
request ranks the same way every time. Words are runs of two or more letters or digits, case folded, a
trailing ``s`` dropped from those of three or more, so ``models`` meets ``model``; the two-letter words
every English text holds (``is``, ``of``, ``to``: ``SHORT_FUNCTION_WORDS``) and single letters (``a``)
meet nothing, while a short name does (``AI``, ``Go``, ``ML``, ``5G``: a search for ``AI`` finds the text
that says ``AI``).
"""

from __future__ import annotations

import re

__all__ = ["SHORT_FUNCTION_WORDS", "share", "words"]

_WORD = re.compile(r"[^\W_]{2,}")
_SHORT = "am an as at be by do he if in is it me my no of on or so to up us we"
SHORT_FUNCTION_WORDS = frozenset(_SHORT.split())  # the two-letter words too common to tell texts apart


def words(text: str) -> set[str]:
    """The distinct words of ``text`` as relevance compares them."""
    found = set()
    for word in _WORD.findall(text.casefold()):
        if len(word) == 2:
            if word not in SHORT_FUNCTION_WORDS:
                found.add(word)
        else:
            found.add(word[:-1] if word.endswith("s") else word)
    return found


def share(query: str, text: str) -> float:
    """The share (0..1) of the query's distinct words that ``text`` holds; 0 for a query of none."""
    asked = words(query)
    return len(asked & words(text)) / len(asked) if asked else 0.0
