"""The one JSON policy of request bodies: what it accepts, what it refuses, and how."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.errors import Invalid
from service.web.body import MAX_DEPTH, JsonPolicy, parse_json


def refusal(raw: bytes, policy: JsonPolicy | None = None) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse_json(raw) if policy is None else parse_json(raw, policy)
    assert caught.value.code == "json"
    return caught.value


def nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + closer * depth).encode()


@pytest.mark.parametrize(
    "raw",
    [b'{"a": "\xff"}', b'"\xed\xa0\x80"', b'"\xc0\xaf"', '{"a": 1}'.encode("utf-16")],
    ids=["invalid_byte", "encoded_surrogate", "overlong", "utf16"],
)
def test_bytes_that_are_not_strict_utf8_are_refused(raw):
    assert "UTF-8" in refusal(raw).message


def test_a_leading_utf8_bom_is_ignored():
    assert parse_json(b'\xef\xbb\xbf{"b": "\xc3\xa9"}') == {"b": "é"}


def test_a_second_bom_is_refused_in_json_loads_words():
    message = refusal(b'\xef\xbb\xbf\xef\xbb\xbf{"a": 1}').message
    assert message.endswith("Unexpected UTF-8 BOM (decode using utf-8-sig) at line 1 column 1")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_refused(constant):
    assert constant in refusal(f'{{"a": [1, {constant}]}}'.encode()).message


@pytest.mark.parametrize("number", ["1e400", "-1E+400", "1" + "0" * 400 + ".0"])
def test_floats_that_overflow_to_infinity_are_refused(number):
    assert "overflows" in refusal(f"[{number}]".encode()).message


def test_floats_that_underflow_read_as_zero():
    assert parse_json(b"[1e-400, 0.5]") == [0.0, 0.5]


@pytest.mark.parametrize("number", [str(2**63), str(-(2**63) - 1), "9" * 5000, "-" + "9" * 5000])
def test_integers_outside_int64_are_refused(number):
    assert "64 bits" in refusal(f'{{"n": [{number}]}}'.encode()).message


def test_integers_at_the_int64_bounds_and_long_digit_strings_are_kept():
    raw = json.dumps([2**63 - 1, -(2**63), "9" * 5000, 1.5]).encode()
    assert parse_json(raw) == [2**63 - 1, -(2**63), "9" * 5000, 1.5]


def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_refused():
    assert MAX_DEPTH == 64
    inner = parse_json(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH - 1):
        inner = inner[0]
    assert inner == []
    assert "nested deeper than 64" in refusal(nested(MAX_DEPTH + 1)).message
    objects = b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1)
    assert "nested deeper" in refusal(objects).message


@pytest.mark.parametrize("depth", [300, 10_000, 200_000])
def test_deep_bodies_are_refused_without_exhausting_the_stack(depth):
    assert "nested deeper" in refusal(nested(depth)).message
    refusal(b"[" * depth)  # unterminated: refused too, as too deep or as cut short


def test_many_shallow_containers_are_not_mistaken_for_depth():
    wide = [[{"a": [i]}] for i in range(5000)]
    assert parse_json(json.dumps(wide).encode()) == wide


def test_a_policy_may_lower_the_depth_limit():
    assert parse_json(nested(3), JsonPolicy(max_depth=3)) == [[[]]]
    refusal(nested(4), JsonPolicy(max_depth=3))


def test_duplicate_keys_last_wins_by_default_and_a_policy_may_refuse_them():
    raw = b'{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}'
    assert parse_json(raw) == {"a": 3, "b": {"c": 2}}
    assert "duplicate key 'c'" in refusal(raw, JsonPolicy(duplicate_keys="refuse")).message
    assert parse_json(b'{"a": 1}', JsonPolicy(duplicate_keys="refuse")) == {"a": 1}


@pytest.mark.parametrize("escape", ["\\ud800", "\\udc00x", "\\uDFFF", "\\ud83d"])
def test_lone_surrogate_escapes_are_refused(escape):
    assert "surrogate" in refusal(f'{{"a": ["{escape}"]}}'.encode()).message


def test_surrogate_pairs_and_an_escaped_backslash_before_u_are_text():
    assert parse_json(b'["\\ud83d\\ude00", "\\\\ud800"]') == ["\U0001f600", "\\ud800"]


def test_an_empty_body_is_its_own_reason_and_syntax_errors_say_where():
    with pytest.raises(Invalid) as caught:
        parse_json(b" \n ")
    assert caught.value.code == "empty"
    assert "line 2 column 1" in refusal(b'{"a": 1,\n}').message


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_JSON)
def test_every_storable_json_value_reads_back_as_itself(value):
    assert parse_json(json.dumps(value).encode()) == value


@given(st.binary(max_size=200) | st.text(alphabet='[]{}":,0123456789eE.-+ \\ud', max_size=200))
def test_any_bytes_decode_as_the_standard_parser_reads_them_or_are_invalid(raw):
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        value = parse_json(data)
    except Invalid:
        return
    assert value == json.loads(data.decode("utf-8-sig"))
