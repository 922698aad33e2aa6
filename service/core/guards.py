"""Kind guards: which JSON kinds a stored path may hold, as a query filter and in Python.

A guard becomes plain field conditions ANDed into the update filter. No `$expr`, `$or` or
`$and`: SecantusDB scans the whole collection for those, and field conditions are exact
once arrays are handled: `{$type: "string"}` also matches an array holding a string, so
"not a string" is written `$not: {$type: [...]}` only when arrays are barred too, and as a
nested `$not: {$type: [...], $not: {$type: "array"}}` when arrays are allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from service.core.kinds import ALL_KINDS, KINDS_OR_MISSING, MISSING, Kind, kind_of
from service.core.paths import Path, field_of, value_at
from service.errors import KindMismatch

# The $type alias of each JSON kind ("number" covers int, long, double and decimal).
TYPE_ALIAS: dict[str, str] = {  # keyed by Kind, a str enum
    Kind.OBJECT: "object",
    Kind.ARRAY: "array",
    Kind.STRING: "string",
    Kind.NUMBER: "number",
    Kind.BOOLEAN: "bool",
    Kind.NULL: "null",
}


@dataclass(frozen=True, slots=True)
class Guard:
    """The value at `path` (relative to the content) must be one of `allowed` kinds;
    `failure` is the error that says it is not."""

    path: Path
    allowed: frozenset[str]
    failure: type[KindMismatch]

    def holds(self, content: Any) -> bool:
        found, value = value_at(content, self.path)
        return (kind_of(value) if found else MISSING) in self.allowed


def condition(allowed: frozenset[str]) -> dict[str, Any] | None:
    """The query condition for one field; None when every kind (and absence) is allowed."""
    if not allowed:
        return {"$in": []}  # matches nothing: the guards contradict each other
    present = allowed - {MISSING}
    if not present:
        return {"$exists": False}
    if allowed == {Kind.ARRAY}:
        return {"$type": "array"}  # exact on its own: only arrays have an array type
    cond: dict[str, Any] = {}
    if MISSING not in allowed:
        cond["$exists"] = True
    barred = sorted(TYPE_ALIAS[k] for k in ALL_KINDS - present)  # ALL_KINDS holds Kind members
    if barred and Kind.ARRAY in present:
        cond["$not"] = {"$type": barred, "$not": {"$type": "array"}}
    elif barred:
        cond["$not"] = {"$type": barred}
    return cond or None


def filter_for(guards: Iterable[Guard]) -> dict[str, Any]:
    """Field conditions for all guards, intersecting those that share a path."""
    allowed: dict[Path, frozenset[str]] = {}
    for guard in guards:
        allowed[guard.path] = allowed.get(guard.path, KINDS_OR_MISSING) & guard.allowed
    out: dict[str, Any] = {}
    for path, kinds in sorted(allowed.items(), key=lambda item: len(item[0])):
        cond = condition(kinds)
        if cond is not None:
            out[field_of(path)] = cond
    return out


def first_failure(guards: Iterable[Guard], content: Any) -> Guard | None:
    """The shallowest guard that `content` breaks (used only to explain a filter miss)."""
    for guard in sorted(guards, key=lambda g: len(g.path)):
        if not guard.holds(content):
            return guard
    return None
