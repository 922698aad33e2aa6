"""Origin rules: normalising an `Origin` value and matching it against an allow-list."""

from __future__ import annotations

from urllib.parse import urlsplit

from service.errors import Invalid

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(value: str) -> str:
    """`scheme://host[:port]` in lower case, default port dropped; Invalid otherwise.

    The allow-list and the request header are compared after the same normalisation, so
    `HTTPS://App.example.com:443` and `https://app.example.com` are one origin.
    """
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise Invalid(f"invalid origin: {value!r}") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        raise Invalid(f"invalid origin: {value!r} (expected scheme://host[:port])")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise Invalid(f"invalid origin: {value!r}")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_allowed(origin: str | None, allowed: frozenset[str], *, require_origin: bool) -> bool:
    """Whether a request with this `Origin` header may proceed under a project's policy.

    An empty allow-list admits every origin (the hosted services' default); a request
    without an Origin is admitted unless `require_origin` ("disallow no origin").
    """
    if origin is None:
        return not require_origin
    if not allowed:
        return True
    try:
        return normalize_origin(origin) in allowed
    except Invalid:
        return False  # "null" or garbage can never be on a list of valid origins
