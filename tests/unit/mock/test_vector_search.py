"""The vector-store search scorer: chunks of a file's text, scored by the query words they share."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gatewright.mock.relevance import share as score
from gatewright.mock.vector_stores import CHUNK_WORDS, chunks

WORDS = st.lists(st.sampled_from(["fox", "dog", "mock", "batch", "Store", "river"]), max_size=12)


def test_chunks_are_the_non_blank_lines_long_ones_cut() -> None:
    long_line = " ".join(f"w{n}" for n in range(CHUNK_WORDS + 5))
    assert chunks("one two\n\n  \nthree\n" + long_line) == [
        "one two",
        "three",
        " ".join(f"w{n}" for n in range(CHUNK_WORDS)),
        " ".join(f"w{n}" for n in range(CHUNK_WORDS, CHUNK_WORDS + 5)),
    ]


@given(query=WORDS, chunk=WORDS)
def test_score_is_the_share_of_distinct_query_words_in_the_chunk(query: list[str], chunk: list[str]) -> None:
    wanted = {word.lower() for word in query}
    value = score(" ".join(query), " ".join(chunk))
    assert 0.0 <= value <= 1.0
    expected = len(wanted & {word.lower() for word in chunk}) / len(wanted) if wanted else 0.0
    assert value == expected
    assert score(" ".join(query), " ".join(query)) == (1.0 if wanted else 0.0)


def test_a_short_name_is_a_word_and_the_short_words_every_text_holds_are_not() -> None:
    """A query for ``AI`` (``Go``, ``ML``) found nothing once words were runs of three or more letters:
    the text that says ``AI`` holds all of it; ``is``, ``a``, ``of`` still meet nothing."""
    assert score("AI", "AI is changing how we work.") == 1.0
    assert score("What is AI?", "AI is changing how we work.") == 0.5  # what, ai: it holds ai
    assert score("What is AI?", "Cooking pasta needs salty water.") == 0.0
    assert score("Go 5G", "Go and 5G") == 1.0
    assert score("is it a", "it is a table") == 0.0  # a query of no word ranks nothing
    assert score("of the river", "a piece of cake") == 0.0
