"""Content rules and the reversible escape of object keys that MongoDB would misread.

Stored content may hold any JSON key (a bin can hold {"a.b": 1, "$x": 2, "": 3}). Such keys
break dotted update paths, aggregation expressions (a "$" key is read as an operator) and,
for "\\u0000", BSON itself. So every key written is escaped when it needs it, and undone on
read:

    a key needs escaping  iff  it is empty, starts with "$", or contains ".", "%" or NUL
    escaping              "%" -> "%25", "." -> "%2E", NUL -> "%00", a leading "$" -> "%24",
                          and the empty key -> "%"

Reversible: an escaped key holds "%" only in "%XX" triples (or is the lone "%"), and a key
that needed no escaping holds no "%", so it decodes to itself. Path segments in operations
are escaped the same way, so Set(("a.b",), 1) addresses the literal key "a.b".

Fast paths: `prepare` first scans without copying and returns the caller's object when no
key needs escaping; records written with escaped keys carry a flag, so reads of all other
records skip the decoding walk entirely.
"""

from __future__ import annotations

import math
from typing import Any

from service.errors import Invalid

# MongoDB refuses documents nested deeper than 100 levels; refuse early with a clear error.
MAX_DEPTH = 90
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_ESCAPES = {"%": "%25", ".": "%2E", "\x00": "%00"}
_UNESCAPES = {"25": "%", "2E": ".", "00": "\x00", "24": "$"}


def needs_escape(key: str) -> bool:
    return key == "" or key[0] == "$" or "." in key or "%" in key or "\x00" in key


def escape_key(key: str) -> str:
    if not needs_escape(key):
        return key
    if key == "":
        return "%"
    out = "".join(_ESCAPES.get(ch, ch) for ch in key)
    return "%24" + out[1:] if out[0] == "$" else out


def unescape_key(key: str) -> str:
    if "%" not in key:
        return key
    if key == "%":
        return ""
    parts = key.split("%")
    # A "%" not followed by a known code was not written by `escape_key`: keep it as it is.
    return parts[0] + "".join(
        _UNESCAPES[part[:2]] + part[2:] if part[:2] in _UNESCAPES else "%" + part
        for part in parts[1:]
    )


def prepare(value: Any) -> tuple[Any, bool]:
    """Check that `value` is JSON; return its stored form and whether any key was escaped."""
    if not _scan(value, 0):
        return value, False
    return _escape(value), True


def restore(value: Any) -> Any:
    """Undo `prepare` on stored content that was written with escaped keys."""
    if isinstance(value, dict):
        return {unescape_key(k): restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v) for v in value]
    return value


def _scan(value: Any, depth: int) -> bool:
    """Validate without copying; True when some key needs escaping."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return False
    if kind is dict:
        if depth > MAX_DEPTH:
            raise Invalid("content is nested too deeply", reason="invalid_value")
        found = False
        for key, item in value.items():
            if type(key) is not str:
                raise Invalid("object keys must be strings", reason="invalid_value")
            if needs_escape(key):
                found = True
            if _scan(item, depth + 1):
                found = True
        return found
    if kind is list or kind is tuple:
        if depth > MAX_DEPTH:
            raise Invalid("content is nested too deeply", reason="invalid_value")
        found = False
        for item in value:
            if _scan(item, depth + 1):
                found = True
        return found
    _check_scalar(value)
    return False


def _check_scalar(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            raise Invalid("integers must fit in 64 bits", reason="invalid_value")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("numbers must be finite", reason="invalid_value")
        return
    raise Invalid(f"not a JSON value: {type(value).__name__}", reason="invalid_value")


def _escape(value: Any) -> Any:
    if isinstance(value, dict):
        return {escape_key(k): _escape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escape(v) for v in value]
    return value
