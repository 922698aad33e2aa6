"""Origin normalisation and allow-list matching."""

import pytest

from service.core.origins import normalize_origin, origin_allowed
from service.errors import Invalid


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://App.Example.com", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://localhost:80/", "http://localhost"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_normalize_origin(given, expected):
    assert normalize_origin(given) == expected


@pytest.mark.parametrize(
    "bad", ["app.example.com", "ftp://x.org", "https://x.org/path", "https://", "null", ""]
)
def test_normalize_origin_refuses_non_origins(bad):
    with pytest.raises(Invalid):
        normalize_origin(bad)


ALLOWED = frozenset({"https://app.example.com"})


def test_empty_allow_list_admits_every_origin():
    assert origin_allowed("https://evil.example", frozenset(), require_origin=False)


def test_allow_list_admits_listed_origin_in_any_spelling():
    assert origin_allowed("HTTPS://APP.example.com:443", ALLOWED, require_origin=False)


def test_allow_list_refuses_other_and_garbage_origins():
    assert not origin_allowed("https://evil.example", ALLOWED, require_origin=False)
    assert not origin_allowed("null", ALLOWED, require_origin=False)


def test_missing_origin_is_admitted_unless_required():
    assert origin_allowed(None, ALLOWED, require_origin=False)
    assert not origin_allowed(None, ALLOWED, require_origin=True)
    assert not origin_allowed(None, frozenset(), require_origin=True)
