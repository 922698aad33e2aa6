"""JSON kinds of stored values and the value equality the database applies to arrays."""

from __future__ import annotations

from collections.abc import Hashable
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """The six JSON kinds; integers and floats are one kind, as JSON has one number type."""

    OBJECT = "object"
    ARRAY = "array"
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"


# Not a JSON kind: a guard may allow a path to hold nothing at all.
MISSING = "missing"

ALL_KINDS: frozenset[str] = frozenset(Kind)
KINDS_OR_MISSING: frozenset[str] = ALL_KINDS | {MISSING}


def kind_of(value: Any) -> Kind:
    """The JSON kind of a decoded JSON value (bool is checked before int on purpose)."""
    if isinstance(value, dict):
        return Kind.OBJECT
    if isinstance(value, list | tuple):
        return Kind.ARRAY
    if isinstance(value, str):
        return Kind.STRING
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, int | float):
        return Kind.NUMBER
    if value is None:
        return Kind.NULL
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def equality_key(value: Any) -> Hashable:
    """A key equal for two values exactly when MongoDB's array operators call them equal.

    BSON comparison: 1 and 1.0 are equal, true and 1 are not, and two objects are equal
    only with the same keys in the same order ($addToSet documents this).
    """
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)  # Python's int/float equality and hashing agree with BSON's
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, dict):
        return ("o", tuple((k, equality_key(v)) for k, v in value.items()))
    return ("a", tuple(equality_key(v) for v in value))


def distinct(values: list[Any]) -> list[Any]:
    """`values` without later duplicates, first occurrences kept in order."""
    seen: set[Hashable] = set()
    kept = []
    for value in values:
        key = equality_key(value)
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept
