"""Key escaping is reversible, leaves ordinary keys alone, and yields keys Mongo reads literally."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.core.fieldnames import escape_key, needs_escape, prepare, restore, unescape_key

odd_text = st.text(alphabet=st.sampled_from(["a", ".", "$", "%", "\x00", "2", "E", "4"]))


@given(odd_text | st.text())
def test_escape_then_unescape_gives_the_key_back(key):
    assert unescape_key(escape_key(key)) == key


@given(odd_text | st.text())
def test_escaped_keys_are_safe_as_mongo_path_segments(key):
    escaped = escape_key(key)
    assert escaped != ""
    assert not escaped.startswith("$")
    assert "." not in escaped and "\x00" not in escaped


@given(st.text().filter(lambda k: not needs_escape(k)))
def test_ordinary_keys_are_stored_as_they_are(key):
    assert escape_key(key) == key


def test_distinct_keys_stay_distinct_after_escaping():
    keys = ["", "%", "%25", ".", "%2E", "$a", "%24a", "a$", "\x00"]
    assert len({escape_key(k) for k in keys}) == len(keys)


def test_prepare_returns_the_same_object_when_nothing_needs_escaping():
    content = {"a": [1, {"b": "c.d"}], "e": None}
    stored, escaped = prepare(content)
    assert stored is content and escaped is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=12,
)


@given(json_values)
def test_prepare_then_restore_round_trips_any_content(content):
    stored, escaped = prepare(content)
    assert (restore(stored) if escaped else stored) == content
