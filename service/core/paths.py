"""Paths into a record's content: tuples of keys, never dotted strings, and their Mongo form."""

from __future__ import annotations

from typing import Any

from service.core.fieldnames import escape_key
from service.errors import InvalidPlan

Path = tuple[str, ...]

# The record field that holds the content; operation paths are relative to it.
CONTENT = "data"
ROOT: Path = ()


def as_path(path: Any) -> Path:
    """Validate and normalise a path given as a tuple or list of keys.

    A plain string is refused rather than split on ".": whether "a.b" is one key or two is
    the dialect's decision, made explicitly by building the tuple.
    """
    # Not `Sequence`: an ABC check of a tuple runs a Python hook on every call (CPython
    # never caches a directly registered class), and plans build paths per request.
    if not isinstance(path, tuple | list):
        raise InvalidPlan("a path is a sequence of keys, not a dotted string")
    if not path:
        raise InvalidPlan("a path needs at least one key")
    if not all(isinstance(key, str) for key in path):
        raise InvalidPlan("path keys must be strings")
    return tuple(path)


def field_of(path: Path) -> str:
    """The dotted Mongo field of a content path, every key escaped (see service.core.fieldnames)."""
    return ".".join((CONTENT, *(escape_key(key) for key in path)))


def is_prefix(shorter: Path, longer: Path) -> bool:
    return len(shorter) <= len(longer) and longer[: len(shorter)] == shorter


def value_at(content: Any, path: Path) -> tuple[bool, Any]:
    """(found, value) at `path`, walking objects only (never array elements)."""
    node = content
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node
