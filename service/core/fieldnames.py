"""Content rules and the reversible escape of object keys that MongoDB would misread.

Stored content may hold any JSON key (a bin can hold {"a.b": 1, "$x": 2, "": 3}). SecantusDB
stores "a.b" and "$x" as they are in a replacement or a $set value, but such keys cannot be
named by a dotted update path (SecantusDB refuses an empty segment, code 56; MongoDB also
refuses a "$x" segment), aggregation reads "$"-keys as operators, MongoDB before 5.0 refuses
them in stored documents, and BSON cannot hold "\\u0000" in a key at all (the driver
refuses the document). So every key written is escaped when it needs it, and undone on read:

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
from collections.abc import Iterable
from typing import Any

from service.errors import InvalidValue

# MongoDB refuses documents nested deeper than 100 levels; refuse early with a clear error.
MAX_DEPTH = 90
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def needs_escape(key: str) -> bool:
    return key == "" or key[0] == "$" or "." in key or "%" in key or "\x00" in key


def escape_key(key: str) -> str:
    if not needs_escape(key):
        return key
    if key == "":
        return "%"
    out = key.replace("%", "%25").replace(".", "%2E").replace("\x00", "%00")
    return "%24" + out[1:] if out[0] == "$" else out


def unescape_key(key: str) -> str:
    if "%" not in key:
        return key
    if key == "%":
        return ""
    # Every "%" of an escaped key starts a triple, so these replacements cannot straddle
    # two triples; "%25" goes last so a decoded "%" never starts a new triple. A "%"
    # followed by an unknown code was not written by `escape_key` and is kept.
    out = key.replace("%2E", ".").replace("%00", "\x00").replace("%24", "$")
    return out.replace("%25", "%")


def prepare(value: Any) -> tuple[Any, bool]:
    """Check that `value` is JSON; return its stored form and whether any key was escaped."""
    kind = type(value)
    if kind is dict:
        found = _scan_object(value, 0)
    elif kind is list or kind is tuple:
        found = _scan_array(value, 0)
    else:
        _check_scalar(value)
        found = False
    return (_escape(value), True) if found else (value, False)


def restore(value: Any) -> Any:
    """Undo `prepare` on stored content that was written with escaped keys."""
    if isinstance(value, dict):
        return {
            (unescape_key(k) if "%" in k else k): restore(v) if isinstance(v, dict | list) else v
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [restore(v) if isinstance(v, dict | list) else v for v in value]
    return value


# The scans run on every write, over the whole content, so they are written for speed:
# keys are checked a whole object at a time, scalars inline without a call each.


def _keys_need_escape(obj: dict[Any, Any]) -> bool:
    if "" in obj:
        return True
    try:
        joined = "\x01".join(obj)  # a "\x01" inside a key only causes a needless escape walk
    except TypeError:
        raise InvalidValue("object keys must be strings") from None
    return (
        joined.startswith("$")
        or "\x01$" in joined
        or "." in joined
        or "%" in joined
        or "\x00" in joined
    )


def _too_deep(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidValue("content is nested too deeply")


def _scan_object(obj: dict[Any, Any], depth: int) -> bool:
    _too_deep(depth)
    return _scan_items(obj.values(), depth, _keys_need_escape(obj))


def _scan_array(items: list[Any] | tuple[Any, ...], depth: int) -> bool:
    _too_deep(depth)
    return _scan_items(items, depth, False)


def _scan_items(items: Iterable[Any], depth: int, found: bool) -> bool:
    """The values of one object or array: scalars checked inline, containers recursed."""
    for item in items:
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int and INT64_MIN <= item <= INT64_MAX:
            continue
        if kind is dict:
            found = _scan_object(item, depth + 1) or found
        elif kind is list or kind is tuple:
            found = _scan_array(item, depth + 1) or found
        else:
            _check_scalar(item)
    return found


def _check_scalar(value: Any) -> None:
    kind = type(value)
    if kind is int:
        if not INT64_MIN <= value <= INT64_MAX:
            raise InvalidValue("integers must fit in 64 bits")
    elif kind is float:
        if not math.isfinite(value):
            raise InvalidValue("numbers must be finite")
    elif not (kind is str or kind is bool or value is None):
        raise InvalidValue(f"not a JSON value: {kind.__name__}")


def _escape(value: Any) -> Any:
    if isinstance(value, dict):
        return {escape_key(k): _escape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escape(v) for v in value]
    return value
