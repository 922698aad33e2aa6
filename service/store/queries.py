"""Render the neutral queries of service.core.queries as MongoDB filters and sorts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor

from service.core.fieldnames import prepare
from service.core.paths import field_of
from service.core.queries import (
    All,
    AnyOf,
    Contains,
    Content,
    Eq,
    Field,
    In,
    Key,
    Meta,
    Not,
    Prefix,
    Query,
    Range,
    Suffix,
    Term,
)

KeyCodec = Callable[[Any], Any]  # a key as its stored `_id`
_BOUNDS = (("gt", "$gt"), ("ge", "$gte"), ("lt", "$lt"), ("le", "$lte"))


@dataclass(frozen=True)
class Rendered:
    filter: dict[str, Any]
    sort: list[tuple[str, int]]
    skip: int
    limit: int


def render(query: Query, base: dict[str, Any], key_of: KeyCodec) -> Rendered:
    """The filter (`base`, the scope, ANDed with the query and its cursor), sort and page."""
    parts = [base]
    if query.where is not None:
        parts.append(condition(query.where, key_of))
    if query.after is not None:
        parts.append(_after(query, key_of))
    sort = [(_name(order.field), -1 if order.descending else 1) for order in query.order]
    found = parts[0] if len(parts) == 1 else {"$and": parts}
    return Rendered(found, sort, query.offset, query.limit or 0)


def cursor(
    collection: AsyncCollection,
    rendered: Rendered,
    *,
    session: Any = None,
    default_sort: list[tuple[str, int]] | None = None,
) -> AsyncCursor:
    """The cursor reading one page of what `rendered` selects, in its order."""
    found = collection.find(rendered.filter, session=session)
    order = rendered.sort or default_sort
    if order:
        found = found.sort(order)
    return found.skip(rendered.skip).limit(rendered.limit)


def condition(term: Term, key_of: KeyCodec) -> dict[str, Any]:
    """One term as a filter document."""
    if isinstance(term, All):
        return {"$and": [condition(t, key_of) for t in term.terms]} if term.terms else {}
    if isinstance(term, AnyOf):
        return {"$or": [condition(t, key_of) for t in term.terms]} if term.terms else _NOTHING
    if isinstance(term, Not):
        return {"$nor": [condition(term.term, key_of)]}
    name = _name(term.field)
    if isinstance(term, Eq):
        return {name: _value(term.field, term.value, key_of)}
    if isinstance(term, In):
        return {name: {"$in": [_value(term.field, v, key_of) for v in term.values]}}
    if isinstance(term, Range):
        bounds = {
            op: _value(term.field, getattr(term, attr), key_of)
            for attr, op in _BOUNDS
            if getattr(term, attr) is not None
        }
        return {name: bounds}
    pattern = re.escape(term.text)
    if isinstance(term, Prefix):
        pattern = "^" + pattern
    elif isinstance(term, Suffix):
        pattern += "$"
    assert isinstance(term, Contains | Prefix | Suffix)
    regex: dict[str, Any] = {"$regex": pattern}
    if term.ignore_case:
        regex["$options"] = "i"
    return {name: regex}


_NOTHING: dict[str, Any] = {"_id": {"$in": []}}  # an empty AnyOf matches nothing


def _after(query: Query, key_of: KeyCodec) -> dict[str, Any]:
    """Rows strictly after the cursor in the query's order (a keyset page)."""
    assert query.after is not None
    branches = []
    for i, order in enumerate(query.order):
        branch = {
            _name(o.field): _value(o.field, v, key_of)
            for o, v in zip(query.order[:i], query.after[:i], strict=True)
        }
        op = "$lt" if order.descending else "$gt"
        branch[_name(order.field)] = {op: _value(order.field, query.after[i], key_of)}
        branches.append(branch)
    return branches[0] if len(branches) == 1 else {"$or": branches}


def _name(target: Field) -> str:
    if isinstance(target, Key):
        return "_id"
    if isinstance(target, Meta):
        return target.name
    return field_of(target.path)


def _value(target: Field, value: Any, key_of: KeyCodec) -> Any:
    if isinstance(target, Key):
        return key_of(value)
    if isinstance(target, Content):
        return prepare(value)[0]  # keys inside a value are stored escaped
    return value
