"""A small pure-Python reference of the engine's semantics, written independently of it."""

from __future__ import annotations

import copy
from typing import Any

from service.core.operations import (
    Add,
    Inc,
    Merge,
    Plan,
    Remove,
    Replace,
    ReplaceSameKind,
    Set,
    Unset,
)
from service.errors import Invalid, PreconditionFailed

WHOLE = (Replace, ReplaceSameKind, Merge)


def kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "null"


def same(a: Any, b: Any) -> bool:
    """BSON equality: numbers by value, booleans apart, objects in key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def canonical(value: Any) -> Any:
    """For comparing results: key order ignored, booleans kept apart from numbers."""
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("a", tuple(canonical(v) for v in value))
    if isinstance(value, bool):
        return ("b", value)
    return ("v", value)


def apply(data: Any, rev: int, plan: Plan) -> Any:
    """The content after `plan`, or the domain error the engine must raise."""
    ops = list(plan.operations)
    _refuse_overlaps(ops)
    for limit in plan.preconditions.limits:
        if not any(isinstance(op, Add) and op.path == limit.path for op in ops):
            raise Invalid("limit without add")
    if plan.preconditions.rev is not None and rev != plan.preconditions.rev:
        raise PreconditionFailed("rev")
    if plan.preconditions.kind is not None and kind(data) != plan.preconditions.kind:
        raise PreconditionFailed("kind")
    if ops and isinstance(ops[0], WHOLE):
        return _whole(data, ops[0])
    if ops and kind(data) != "object":
        raise PreconditionFailed("content is not an object")
    result = copy.deepcopy(data)
    limits = {limit.path: limit.max_items for limit in plan.preconditions.limits}
    for path in dict.fromkeys(op.path for op in ops):
        group = [op for op in ops if op.path == path]
        _apply_path(result, data, path, group, limits.get(path))
    return result


def _refuse_overlaps(ops: list[Any]) -> None:
    if any(isinstance(op, WHOLE) for op in ops) and len(ops) > 1:
        raise Invalid("whole op not alone")
    paths = [op.path for op in ops if not isinstance(op, WHOLE)]
    for i, a in enumerate(paths):
        for j, b in enumerate(paths):
            if i < j and (a[: len(b)] == b or b[: len(a)] == a):
                pair = {type(ops[i]), type(ops[j])}
                if not (a == b and pair == {Add, Remove}):
                    raise Invalid("overlap")


def _whole(data: Any, op: Any) -> Any:
    if isinstance(op, Replace):
        return copy.deepcopy(op.document)
    if isinstance(op, ReplaceSameKind):
        if kind(data) != kind(op.document):
            raise PreconditionFailed("kind")
        return copy.deepcopy(op.document)
    if kind(data) != "object":
        raise PreconditionFailed("merge into non-object")
    return _merge(data, op.document)


def _merge(stored: Any, patch: dict[str, Any]) -> Any:
    if not isinstance(stored, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(stored)
    for key, value in patch.items():
        out[key] = _merge(stored.get(key), value) if isinstance(value, dict) else value
    return out


def _apply_path(result: Any, original: Any, path: tuple, group: list, limit: int | None) -> None:
    node = original
    for key in path[:-1]:  # every stored prefix must be an object or absent
        if key not in node:
            break
        node = node[key]
        if not isinstance(node, dict):
            raise PreconditionFailed("prefix not an object")
    parent, present = _parent(result, path)
    current = parent.get(path[-1]) if present else None
    exists = present and path[-1] in parent
    for op in group:
        if isinstance(op, Add | Remove) and exists and not isinstance(current, list):
            raise PreconditionFailed("not an array")
        if isinstance(op, Inc) and exists and kind(current) != "number":
            raise PreconditionFailed("not a number")
    _edit(result, path, group, current if exists else _ABSENT, limit)


_ABSENT = object()


def _parent(result: dict, path: tuple) -> tuple[Any, bool]:
    node: Any = result
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return None, False
        node = node[key]
    return node, isinstance(node, dict)


def _make_parent(result: dict, path: tuple) -> dict:
    node = result
    for key in path[:-1]:
        node = node.setdefault(key, {})
    return node


def _edit(result: dict, path: tuple, group: list, current: Any, limit: int | None) -> None:
    key = path[-1]
    op = group[0]
    if isinstance(op, Set):
        _make_parent(result, path)[key] = copy.deepcopy(op.value)
    elif isinstance(op, Unset):
        parent, present = _parent(result, path)
        if present:
            parent.pop(key, None)
    elif isinstance(op, Inc):
        _make_parent(result, path)[key] = (0 if current is _ABSENT else current) + op.by
    else:
        _edit_array(result, path, group, current, limit)


def _edit_array(result: dict, path: tuple, group: list, current: Any, limit: int | None) -> None:
    adds = next((op.values for op in group if isinstance(op, Add)), None)
    removes = next((op.values for op in group if isinstance(op, Remove)), None)
    if adds is None and current is _ABSENT:
        return  # removing from an absent array leaves it absent
    items = [] if current is _ABSENT else list(current)
    if removes is not None:
        items = [e for e in items if not _pulled(e, removes)]
    for value in adds or ():
        if not any(same(value, e) for e in items):
            items.append(copy.deepcopy(value))
    if limit is not None and len(items) > limit:
        raise PreconditionFailed("limit")
    _make_parent(result, path)[path[-1]] = items


def _pulled(element: Any, values: tuple) -> bool:
    if any(same(element, v) for v in values):
        return True
    return isinstance(element, list) and any(same(x, v) for x in element for v in values)
