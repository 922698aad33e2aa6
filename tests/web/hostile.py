"""Hypothesis strategies for hostile requests: raw JSON bytes no well-behaved client sends,
and header values that are not ASCII or not even UTF-8."""

from __future__ import annotations

import json
from collections.abc import Sequence

from hypothesis import strategies as st

MAX_DEPTH = 10_000
MAX_DIGITS = 5_000

# Headers whose values RecordHub parses or hashes (credentials, flags, paths, versions).
KEY_HEADERS = (
    "X-Master-Key",
    "Authorization",
    "X-Access-Key",
    "X-Bin-Meta",
    "X-Bin-Private",
    "X-Bin-Name",
    "X-Bin-Versioning",
    "X-JSON-Path",
    "X-Dot-Path",
    "X-Collection-Id",
    "Version",
)

_LITERALS = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e308",
    b"1e309",
    b"-1e309",
    b"1e15",
    b"-0.0",
    b"5e-324",
    b"1e-400",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"0.1e99999",
    b"true",
    b"null",
]
# Strings as JSON escapes: lone surrogates, NUL, a valid pair, a BOM, line separators.
_ESCAPED = [
    b'"\\ud800"',
    b'"\\udfff"',
    b'"x\\udc00y"',
    b'"\\ud83d\\ude00"',
    b'"a\\u0000b"',
    b'"\\u0000"',
    b'"\\ufeff"',
    b'"\\u2028"',
]
# Bytes that are not UTF-8: a lone continuation, an overlong slash, a surrogate, a cut-off.
_NOT_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80abc", b"\xfe\xff"]
ODD_KEYS = ["$x", "$", "a.b", ".", "", "%", "%00", "_id", "__proto__", "a" * 10_000, "\x00"]


def _quoted(text: str) -> bytes:
    return json.dumps(text).encode()


def huge_integers() -> st.SearchStrategy[bytes]:
    """Integers of 20 to 5,000 digits, either sign."""
    digits = st.integers(20, MAX_DIGITS).map(lambda n: b"9" * n)
    return st.tuples(st.sampled_from([b"", b"-"]), digits).map(b"".join)


def strings() -> st.SearchStrategy[bytes]:
    invalid = st.sampled_from(_NOT_UTF8).map(lambda raw: b'"' + raw + b'"')
    plain = st.text(max_size=30).map(_quoted)
    return st.one_of(st.sampled_from(_ESCAPED), invalid, plain)


def keys() -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(ODD_KEYS).map(_quoted), strings())


def leaves() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(_LITERALS),
        huge_integers(),
        st.integers().map(lambda n: str(n).encode()),
        st.floats().map(lambda x: repr(x).encode()),
        strings(),
    )


def _array(items: list[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


def _object(members: list[tuple[bytes, bytes]]) -> bytes:
    # Keys are drawn from a small pool, so duplicate keys come up often.
    return b"{" + b",".join(key + b":" + value for key, value in members) + b"}"


def documents() -> st.SearchStrategy[bytes]:
    """JSON texts (or nearly) built from hostile leaves and keys."""
    return st.recursive(
        leaves(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(_array),
            st.lists(st.tuples(keys(), inner), max_size=4).map(_object),
        ),
        max_leaves=12,
    )


def deep() -> st.SearchStrategy[bytes]:
    """Arrays or objects nested up to 10,000 levels (closed or not)."""
    depth = st.one_of(st.integers(1, MAX_DEPTH), st.sampled_from([63, 64, 65, 91, 100, 1001]))

    def nest(args: tuple[int, bool, bool]) -> bytes:
        n, as_object, closed = args
        opening, closing = (b'{"a":', b"}") if as_object else (b"[", b"]")
        return opening * n + b"1" + (closing * n if closed else b"")

    return st.tuples(depth, st.booleans(), st.sampled_from([True, True, False])).map(nest)


def bodies(
    names: Sequence[str] = (), base: dict[str, bytes] | None = None
) -> st.SearchStrategy[bytes]:
    """A request body: a hostile document, a deep one, or junk; or an object of the
    operation's own members (`names`), over real values (`base`) that get it past the
    first checks, with hostile values in some of them."""
    member = st.one_of(keys(), st.sampled_from(names).map(_quoted)) if names else keys()
    hostile_members = st.lists(st.tuples(member, st.one_of(documents(), deep())), max_size=3)
    real = [(_quoted(name), value) for name, value in (base or {}).items()]
    shaped = hostile_members.map(lambda members: _object(real + members))
    return st.one_of(
        shaped, documents(), deep(), st.binary(max_size=40), st.sampled_from(_NOT_UTF8)
    )


def header_values() -> st.SearchStrategy[bytes]:
    """Raw header bytes: non-ASCII UTF-8, bytes that are not UTF-8, huge digit runs.

    CR, LF and NUL are left out: they break HTTP framing, and the server's parser refuses
    them before any handler runs."""
    text = st.text(
        st.characters(exclude_characters="\r\n\x00", exclude_categories=["Cs"]), max_size=40
    ).map(lambda s: s.encode())
    return st.one_of(
        text,
        st.sampled_from(_NOT_UTF8).map(lambda raw: b"Bearer " + raw),
        st.sampled_from(_NOT_UTF8),
        st.sampled_from(["clé", "ключ", "密钥", "Bearer é", "\u2028", "ﬁ"]).map(str.encode),
        st.sampled_from(["clé", "Bearer ü"]).map(lambda s: s.encode("latin-1")),
        huge_integers(),
        st.sampled_from([b"$[?(@ =~ '(')]", b"$..*", b"$" * 2_000, b"$[" * 500]),
    )


def hostile_headers() -> st.SearchStrategy[dict[str, bytes]]:
    """Some of the key headers, each with a hostile value."""
    return st.dictionaries(st.sampled_from(KEY_HEADERS), header_values(), max_size=3)


def query_values() -> st.SearchStrategy[bytes]:
    """A `locationId` (or other) query value, percent-encoded as a client may send it."""
    raw = st.one_of(header_values(), st.sampled_from([b"\x00", b"%", b"\r\n"]))
    return raw.map(lambda value: "".join(f"%{byte:02X}" for byte in value).encode())
