"""The mock's JSON codec: ``json_depth.loads`` (orjson, the standard library for what orjson refuses,
nesting bounded) and ``render.dumps`` (orjson, the standard library encoder for what orjson refuses).

``loads`` must read every text exactly as ``json.loads`` reads it (same values, same types, same error
messages) and ``dumps`` must write compact UTF-8 JSON that reads back as the value it was given.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatewright.mock.json_depth import MAX_JSON_DEPTH, JsonTooDeep, loads
from gatewright.mock.render import dumps

# --- helpers ----------------------------------------------------------------------------------------


def assert_same(got: Any, want: Any, where: str = "$") -> None:
    """``got`` is ``want`` as JSON sees it, strictly: same types (an int stays an int, a float a float),
    equal floats with the same sign (``-0.0`` is not ``0.0``), dict keys in the same order."""
    assert type(got) is type(want), f"{where}: {type(got).__name__} {got!r} != {type(want).__name__} {want!r}"
    if isinstance(want, float):
        if math.isnan(want):
            assert math.isnan(got), f"{where}: {got!r} is not NaN"
        else:
            assert got == want, f"{where}: {got!r} != {want!r}"
            assert math.copysign(1.0, got) == math.copysign(1.0, want), f"{where}: sign of {got!r}"
    elif isinstance(want, dict):
        assert list(got) == list(want), f"{where}: keys {list(got)!r} != {list(want)!r}"
        for key in want:
            assert_same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def outside_strings(text: str) -> str:
    """``text`` with every JSON string literal removed: what is left is the structural tokens."""
    return _STRING_LITERAL.sub("", text)


def unicode_escapes(text: str) -> list[int]:
    """The code points written as ``\\uXXXX`` inside the string literals of ``text``."""
    found = []
    for literal in _STRING_LITERAL.findall(text):
        found += [int(m.group(1), 16) for m in _ESCAPE.finditer(literal[1:-1]) if m.group(1)]
    return found


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *strings_in(item))]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def nested(levels: list[bool]) -> bytes:
    """A JSON text nested ``len(levels)`` deep: an object level for True, an array level for False."""
    opening = b"".join(b'{"k":' if is_object else b"[" for is_object in levels)
    closing = b"".join(b"}" if is_object else b"]" for is_object in reversed(levels))
    return opening + b"0" + closing


def stdlib_compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --- strategies -------------------------------------------------------------------------------------

HUGE = 2**64
texts = st.text(st.characters(exclude_categories=("Cs",))) | st.sampled_from(
    ["", "\x00", "\x1f\x7f\t\n\r", "é", "日本語", "😀 emoji", "\u2028\u2029", '"quoted" \\ back', "\\u0041"]
)
integers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),  # what orjson holds
    st.integers(min_value=HUGE, max_value=10**60),  # past 64 bits
    st.integers(min_value=-(10**60), max_value=-(2**63) - 1),
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**30, -(10**30)]),
)
floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([-0.0, 0.0, 1e-5, 1e16, 5e-324])
scalars = st.none() | st.booleans() | integers | floats | texts
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=30,
)


# --- loads: the same values as json.loads -----------------------------------------------------------


@pytest.mark.slow  # a hypothesis property, 400 documents
@settings(max_examples=400, deadline=None)
@given(json_values)
def test_loads_reads_what_json_loads_reads(value: Any) -> None:
    ascii_text = json.dumps(value)
    assert_same(loads(ascii_text.encode()), json.loads(ascii_text))
    assert_same(loads(ascii_text), json.loads(ascii_text))
    raw = json.dumps(value, ensure_ascii=False).encode()  # non-ASCII as UTF-8 bytes, not escapes
    assert_same(loads(raw), json.loads(raw))


@pytest.mark.parametrize(
    ("text", "check"),
    [
        (b"NaN", math.isnan),
        (b"Infinity", lambda v: v == math.inf),
        (b"-Infinity", lambda v: v == -math.inf),
        (b"[NaN,-Infinity]", lambda v: math.isnan(v[0]) and v[1] == -math.inf),
        (b"1e400", lambda v: v == math.inf),
    ],
)
def test_non_finite_numbers_orjson_refuses_read_as_json_loads_reads_them(text: bytes, check: Any) -> None:
    value = loads(text)
    assert check(value), value
    assert check(json.loads(text))  # the reference agrees
    assert check(loads(text.decode()))


@pytest.mark.parametrize(
    "text",
    [
        b"1" * 30,
        b"-" + b"9" * 30,
        b"18446744073709551616",  # 2**64
        b"-9223372036854775809",  # -(2**63) - 1
        b'{"id":123456789012345678901234567890,"n":[100000000000000000000]}',
    ],
)
def test_integers_past_64_bits_read_as_exact_ints(text: bytes) -> None:
    assert_same(loads(text), json.loads(text))
    assert_same(loads(text.decode()), json.loads(text))


@pytest.mark.parametrize(
    "body",
    [
        '[1, "é", {"k": null}]'.encode("utf-16"),  # the platform's order, with its BOM
        b"\xfe\xff" + '{"a": "日本"}'.encode("utf-16-be"),
        b"\xff\xfe" + '{"a": "日本"}'.encode("utf-16-le"),
        '{"a": [true]}'.encode("utf-8-sig"),
    ],
    ids=["utf-16", "utf-16-be-bom", "utf-16-le-bom", "utf-8-bom"],
)
def test_bodies_with_a_byte_order_mark_read_as_json_loads_reads_them(body: bytes) -> None:
    want = json.loads(body)
    assert want  # the reference parses it to something
    assert_same(loads(body), want)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('"\\ud800"', "\ud800"),
        ('{"k":"\\udfff"}', {"k": "\udfff"}),
        ('["a\\ud800b","\\ud83d\\ude00"]', ["a\ud800b", "\U0001f600"]),  # a lone one beside a pair
    ],
)
def test_lone_surrogate_escapes_read_as_json_loads_reads_them(text: str, want: Any) -> None:
    assert_same(json.loads(text), want)  # the reference
    assert_same(loads(text.encode()), want)
    assert_same(loads(text), want)


def test_duplicate_keys_keep_the_last_value_in_the_first_position() -> None:
    text = b'{"a":1,"b":2,"a":3}'
    assert_same(loads(text), json.loads(text))
    assert list(loads(text)) == ["a", "b"]


# --- loads: the same errors as json.loads -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":',
        b"[1,]",
        b"",
        b"   ",
        b'{"a" 1}',
        b"[1 2]",
        b"nul",
        b'"abc',
        b'{"a":1}x',
        b"01",
        b'"tab\there"',
        b"\xff",  # not UTF-8
        "\ufeff[1]",  # a BOM in a str
        '{"a":',
    ],
)
def test_malformed_text_raises_the_message_json_loads_raises(text: bytes | str) -> None:
    with pytest.raises(ValueError) as want:
        json.loads(text)
    with pytest.raises(ValueError) as got:
        loads(text)
    assert type(got.value) is type(want.value)
    assert str(got.value) == str(want.value)


json_ish = st.lists(
    st.sampled_from(
        [
            *'[]{}:,"\\ 0123456789-+.eE\t\n',
            "true",
            "null",
            "false",
            "NaN",
            "Infinity",
            "\\u",
            "é",
            "\\ud800",
            "1234567890",
        ]
    ),
    max_size=24,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(json_ish, st.booleans())
def test_any_text_reads_or_fails_exactly_as_json_loads(text: str, as_bytes: bool) -> None:
    """Differential: on arbitrary near-JSON texts ``loads`` gives json.loads's value or its error."""
    body: bytes | str = text.encode() if as_bytes else text
    try:
        want: Any = json.loads(body)
    except ValueError as error:
        with pytest.raises(ValueError) as got:
            loads(body)
        assert (type(got.value), str(got.value)) == (type(error), str(error))
    else:
        assert_same(loads(body), want)


# --- loads: depth -----------------------------------------------------------------------------------


@pytest.mark.parametrize("is_object", [False, True], ids=["arrays", "objects"])
def test_one_level_past_the_limit_is_too_deep(is_object: bool) -> None:
    with pytest.raises(JsonTooDeep):
        loads(nested([is_object] * (MAX_JSON_DEPTH + 1)))


@pytest.mark.parametrize("is_object", [False, True], ids=["arrays", "objects"])
def test_the_limit_itself_parses(is_object: bool) -> None:
    text = nested([is_object] * MAX_JSON_DEPTH)
    assert_same(loads(text), json.loads(text))


@pytest.mark.parametrize("is_object", [False, True], ids=["arrays", "objects"])
@pytest.mark.parametrize("depth", [1_025, 5_000])
def test_far_past_the_limit_is_too_deep_not_a_recursion_error(is_object: bool, depth: int) -> None:
    text = nested([is_object] * depth)
    with pytest.raises(JsonTooDeep) as got:
        loads(text)
    assert isinstance(got.value, ValueError)  # a malformed body, not a 500
    with pytest.raises(JsonTooDeep):
        loads(text.decode())


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=2 * MAX_JSON_DEPTH).flatmap(
        lambda depth: st.lists(st.booleans(), min_size=depth, max_size=depth)
    )
)
def test_too_deep_exactly_when_past_the_limit(levels: list[bool]) -> None:
    text = nested(levels)
    if len(levels) > MAX_JSON_DEPTH:
        with pytest.raises(JsonTooDeep):
            loads(text)
    else:
        assert_same(loads(text), json.loads(text))


def test_brackets_inside_strings_and_wide_bodies_are_not_depth() -> None:
    in_strings = json.dumps({"a": "[" * 500 + "{" * 500, "b": ["[{"] * 300}).encode()
    assert_same(loads(in_strings), json.loads(in_strings))
    wide = json.dumps([[{"k": []}] for _ in range(MAX_JSON_DEPTH * 3)]).encode()  # depth 4, many brackets
    assert_same(loads(wide), json.loads(wide))


# --- dumps ------------------------------------------------------------------------------------------


@pytest.mark.slow  # a hypothesis property, 400 documents
@settings(max_examples=400, deadline=None)
@given(json_values)
def test_dumps_writes_compact_utf8_json_that_reads_back(value: Any) -> None:
    out = dumps(value)
    assert isinstance(out, bytes)
    text = out.decode("utf-8")  # strict: valid UTF-8
    assert_same(json.loads(out), value)
    structure = outside_strings(text)
    assert not re.search(r"\s", structure), f"whitespace between tokens: {structure!r}"
    assert all(code < 0x20 for code in unicode_escapes(text)), "only control characters are escaped"
    assert not any(ord(c) < 0x20 for c in text), "control characters are escaped"
    for string in strings_in(value):
        for char in string:
            if ord(char) > 0x7F:
                assert char in text, f"{char!r} escaped or lost"


@settings(max_examples=200, deadline=None)
@given(integers)
def test_dumps_writes_any_int_in_full(number: int) -> None:
    assert dumps(number) == str(number).encode()
    assert dumps([number]) == stdlib_compact([number])


@pytest.mark.parametrize(
    "value",
    [
        {1: "one", 2: [True]},
        {"a": {3: None}},
        {True: 1, None: 2, 1.5: 3},
        10**99,
        -(10**99),
        [10**99, {"n": 2**64}],
        {7: 10**99},
    ],
    ids=["int-keys", "nested-int-keys", "other-keys", "100-digit", "negative-100-digit", "nested", "both"],
)
def test_dumps_of_what_orjson_refuses_is_the_standard_librarys_text(value: Any) -> None:
    assert len(str(10**99)) == 100
    assert dumps(value) == stdlib_compact(value)


def test_dumps_of_a_lone_surrogate_that_loads_accepted_reads_back() -> None:
    """``loads`` accepts ``"\\ud800"`` (as json.loads does), so a request body can carry a lone surrogate
    into a stored or echoed answer: ``dumps`` must still write valid UTF-8 JSON for it."""
    value = loads(b'{"name":"a\\ud800b"}')
    out = dumps(value)
    out.decode("utf-8")
    assert_same(json.loads(out), value)
