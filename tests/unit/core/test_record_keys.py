"""Record identity: the stored `_id` of (project, ns, key) and the key it decodes to."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.core.documents import decode_key, encode_key, record_from
from service.errors import InvalidValue

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
keys = st.one_of(
    st.text(),
    st.integers(),
    st.lists(scalars, min_size=1, max_size=5).map(tuple),
)
projects = st.one_of(st.none(), st.text())


@given(projects, st.text(), keys)
def test_every_key_decodes_to_itself(project, ns, key):
    assert decode_key(encode_key(project, ns, key)) == key


@given(projects, st.text(), keys)
def test_a_stored_id_is_the_compact_ascii_json_of_its_parts(project, ns, key):
    parts = [project, ns, list(key) if isinstance(key, tuple) else key]
    assert encode_key(project, ns, key) == json.dumps(parts, separators=(",", ":"))


@given(st.tuples(projects, st.text(), keys), st.tuples(projects, st.text(), keys))
def test_distinct_identities_never_share_a_stored_id(first, second):
    if first != second or repr(first) != repr(second):  # 1 == 1.0 == True, yet distinct keys
        assert encode_key(*first) != encode_key(*second)


def test_keys_equal_in_python_but_of_other_types_stay_apart():
    stored = {encode_key("p", "ns", key) for key in ["1", 1, (1,), (1.0,), (True,), ("1",)]}
    assert len(stored) == 6


def test_a_list_key_is_the_tuple_it_equals_and_decodes_as_that_tuple():
    assert encode_key("p", "ns", ["a", 1]) == encode_key("p", "ns", ("a", 1))
    assert decode_key(encode_key("p", "ns", ["a", 1])) == ("a", 1)


def test_separators_quotes_and_control_characters_in_parts_cannot_forge_another_identity():
    tricky = encode_key("p", 'n","s', "k")
    assert tricky != encode_key("p", "n", 's","k')
    assert decode_key(encode_key("p\x00", "ns\n", '"],"x\x00é\ud800')) == '"],"x\x00é\ud800'
    assert encode_key("p", "ns", "\ud800").isascii()  # a lone surrogate still stores as BSON


def test_a_namespace_with_global_keys_leaves_the_project_out():
    assert json.loads(encode_key(None, "jsonbin", "b" * 24)) == [None, "jsonbin", "b" * 24]
    assert encode_key(None, "ns", "k") != encode_key("null", "ns", "k")


def test_hex_keys_of_one_scope_sort_as_their_stored_ids():
    hex_keys = [f"{n:024x}" for n in (5, 300, 17, 4096, 0)]
    by_id = sorted(hex_keys, key=lambda key: encode_key("p", "hl.o", key))
    assert by_id == sorted(hex_keys)


@pytest.mark.parametrize(
    "key",
    [True, None, 1.5, {"a": 1}, (), [], (("nested",),), (float("nan"),), (float("inf"),), b"k"],
)
def test_what_is_not_a_key_is_refused_as_an_invalid_value(key):
    with pytest.raises(InvalidValue):
        encode_key("p", "ns", key)


def test_a_stored_record_shows_its_key_not_its_stored_id():
    document = {
        "_id": encode_key("p", "sas.list", ("DE", 2024)),
        "project": "p",
        "ns": "sas.list",
        "data": {},
        "rev": 0,
        "createdAt": None,
        "updatedAt": None,
    }
    assert record_from(document).id == ("DE", 2024)
