"""What replicas write into Redis (``mock.shared``): every value a store shares comes back as it was."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewright.mock.shared_values import Packed, decode, encode

NUMBERS = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
SCALARS = st.none() | st.booleans() | NUMBERS | st.text()
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_json_values_come_back_equal(value: Any) -> None:
    assert decode(encode(value)) == value


@given(st.binary(max_size=4096))
def test_bytes_come_back_byte_for_byte(data: bytes) -> None:
    assert decode(encode(data)) == data


@given(JSON, st.binary(max_size=4096))
def test_packed_values_keep_meta_and_bytes_apart(meta: Any, data: bytes) -> None:
    assert decode(encode(Packed(meta, data))) == Packed(meta, data)


def test_a_value_not_written_by_a_replica_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="not a shared value"):
        decode(b"\x80\x04K\x01.")  # a pickle: never read as one
