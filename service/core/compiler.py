"""Compile a Plan into ONE MongoDB update: an operator document, or a pipeline when needed.

Pure: the same plan, time and ids give the same update. The result carries the filter
conditions to AND with {_id, project, ns} and the guards, so a store can explain a miss.

- Operator form: $set / $unset / $addToSet+$each / $pull+$in / $inc.
- Pipeline form, only for: add and remove on one array (remove first, then add), a size
  limit on a resulting array, a merge of nested objects.
- Two operations on overlapping paths (equal, or one inside the other) are refused with
  OverlappingPaths, except add+remove on one array, which becomes one expression: MongoDB's "would
  create a conflict" error cannot be produced.
- Every update bumps `rev` by one and sets `updatedAt`, in the same write.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from typing import Any

from service.core import rendering
from service.core.compiled import CompiledUpdate, conditions_for
from service.core.documents import check_meta
from service.core.fieldnames import needs_escape, prepare
from service.core.guards import Guard
from service.core.kinds import Kind, distinct, kind_of
from service.core.operations import (
    NO_PRECONDITIONS,
    Add,
    Inc,
    Limit,
    Merge,
    Operation,
    PathOperation,
    Plan,
    Remove,
    Replace,
    ReplaceSameKind,
    Set,
    Unset,
    WholeOperation,
)
from service.core.paths import CONTENT, ROOT, Path, field_of, is_prefix
from service.errors import (
    InvalidPlan,
    KindMismatch,
    NotAnArray,
    NotAnObject,
    NotANumber,
    OverlappingPaths,
)

OBJECT_OR_MISSING = frozenset({Kind.OBJECT, "missing"})
_ROOT_IS_OBJECT = Guard(ROOT, frozenset({Kind.OBJECT}), NotAnObject)  # path edits and merges
_TARGET_GUARDS = {
    Add: (frozenset({Kind.ARRAY, "missing"}), NotAnArray),
    Remove: (frozenset({Kind.ARRAY, "missing"}), NotAnArray),
    Inc: (frozenset({Kind.NUMBER, "missing"}), NotANumber),
}


def compile_plan(
    plan: Plan, *, now: datetime, write_id: str | None = None, version: int | None = None
) -> CompiledUpdate:
    """The one update applying `plan`; `write_id` is remembered in `recentWrites` (batches
    use it to tell which records a multi-record write changed), `version` sets the counter."""
    ops, pre = plan.operations, plan.preconditions
    lone = ops[0] if len(ops) == 1 else None
    if (
        isinstance(lone, Replace | ReplaceSameKind)
        and (pre is NO_PRECONDITIONS or (pre.rev is None and pre.kind is None and not pre.limits))
        and not plan.meta
        and write_id is None
    ):
        same_kind = isinstance(lone, ReplaceSameKind)
        return _compile_replace(lone.document, now, version, tuple(pre.meta.items()), same_kind)
    return _compile_general(plan, now=now, write_id=write_id, version=version)


def compile_upsert(plan: Plan, *, now: datetime, write_id: str | None = None) -> CompiledUpdate:
    """The update of an `upsert=True` write: `plan` applied to the record, or when it is
    absent to a new one holding {} at rev -1, which the write leaves at rev 0 like a created
    record. Always a pipeline: in operators `$setOnInsert` of `rev` conflicts with its `$inc`.
    No expected revision (an absent record has none) and no limits (a declined limit puts
    back the record as it was, which for a new one is half made)."""
    if plan.preconditions.rev is not None or plan.preconditions.limits:
        raise InvalidPlan("an upsert cannot expect a revision or a limit")
    compiled = _compile_general(plan, now=now, write_id=write_id, version=None, as_pipeline=True)
    assert isinstance(compiled.update, list)
    new = {CONTENT: {}, "rev": -1, "createdAt": now}  # no `version` yet, as `new_document`
    is_new = {"$eq": [{"$type": "$rev"}, "missing"]}
    start = {"$mergeObjects": ["$$ROOT", {"$literal": new}]}
    first = {"$replaceWith": {"$cond": [is_new, start, "$$ROOT"]}}
    return replace(compiled, rendered=[first, *compiled.update])


def _compile_replace(
    document: Any,
    now: datetime,
    version: int | None,
    meta: tuple[tuple[str, Any], ...],
    same_kind: bool,
) -> CompiledUpdate:
    """A lone Replace (or ReplaceSameKind): the commonest write (a PUT of a whole record)
    and the simplest. The same update the general path renders for it (a property test
    holds them equal), built without its bodies: on the hot path they cost more than the
    write's BSON."""
    stored, escaped = prepare(document)
    top: dict[str, Any] = {CONTENT: stored, "updatedAt": now}
    update: dict[str, Any] = {"$set": top, "$inc": {"rev": 1}}
    if escaped:
        top["keysEscaped"] = True
    else:
        update["$unset"] = {"keysEscaped": ""}  # as `_top_level`'s rendering removes it
    if version is not None:
        top["version"] = version
    # The metadata's names were checked when the Preconditions were made.
    if not same_kind:
        return CompiledUpdate(rendered=update, expected_meta=meta)
    guards = (Guard(ROOT, frozenset({kind_of(document)}), KindMismatch),)
    return CompiledUpdate(update, guards, expected_meta=meta)


def _compile_general(
    plan: Plan,
    *,
    now: datetime,
    write_id: str | None,
    version: int | None,
    as_pipeline: bool = False,
) -> CompiledUpdate:
    check_meta(plan.meta)
    body = _body_of(plan)
    guards = _guards(plan, body.guards)
    top = _top_level(plan, body, now, version)
    by_paths = None
    # A patch with an escaped key keeps to the pipeline (the behaviour this form came in with),
    # and one of more leaves than operators take is swapped (`rendering.Body.swappable`).
    dotted = body.merges and not body.escaped and not as_pipeline and write_id is None
    if dotted and body.paths <= rendering.MAX_OPERATOR_PATHS:
        by_paths = _merge_by_paths(plan, top)
    # The body is kept for a store to compute the write on a record it knows; a write of a
    # batch (`write_id`) or an upsert is always the database's.
    kept = not as_pipeline and write_id is None
    update: Any = None
    swaps = False
    if body.needs_pipeline or as_pipeline:
        if body.swappable and kept:
            swaps = True  # the pipeline is rendered only if the swap is beaten
        elif by_paths is None:
            update = rendering.render_pipeline(body, top, write_id)
        # else the pipeline is rendered only if the dotted form misses
    else:
        update = rendering.render_operators(body, top, write_id)
    return CompiledUpdate(
        rendered=update,
        guards=guards,
        expected_rev=plan.preconditions.rev,
        limits=tuple(plan.preconditions.limits),
        expected_meta=tuple(plan.preconditions.meta.items()),
        by_paths=by_paths,
        body=(body, top) if kept else None,
        swaps=swaps,
    )


def _guards(plan: Plan, body_guards: list[Guard]) -> tuple[Guard, ...]:
    """The write's guards: the body's and the expected kind."""
    guards = list(dict.fromkeys(body_guards))  # paths share their prefixes' guards
    if plan.preconditions.kind is not None:
        guards.append(Guard(ROOT, frozenset({plan.preconditions.kind}), KindMismatch))
    return tuple(guards)


def _merge_by_paths(
    plan: Plan, top: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A merge as the dotted `$set` of each leaf of its patch, with its filter: the same
    write while the objects the patch reaches into are objects or absent in the record,
    which the leaves' guards check (a dotted $set inside anything else would fail, or set
    an array's element). SecantusDB evaluates a pipeline in Python; this update costs it
    about 30% less (measured). None when the patch holds an empty object: keeping a stored
    object but replacing anything else has no operator. The patch was prepared with no key
    escaped, so the patch is written as it was given."""
    leaves = rendering.Body(guards=[_ROOT_IS_OBJECT])

    def add_leaves(path: Path, patch: dict[str, Any]) -> bool:
        for key, value in patch.items():
            inner = (*path, key)
            if not isinstance(value, dict):
                leaves.values[field_of(inner)] = value
            elif not value:
                return False
            else:
                leaves.guards.append(_reached_into(inner))
                if not add_leaves(inner, value):
                    return False
        return True

    operation = plan.operations[0]  # merges come only from a lone Merge
    assert isinstance(operation, Merge)
    if not add_leaves(ROOT, operation.document):
        return None
    pre = plan.preconditions
    conditions = conditions_for(_guards(plan, leaves.guards), tuple(pre.meta.items()), pre.rev)
    return conditions, rendering.render_operators(leaves, top, None)


def _body_of(plan: Plan) -> rendering.Body:
    ops = plan.operations
    whole = [op for op in ops if isinstance(op, WholeOperation)]
    if whole and len(ops) > 1:
        raise OverlappingPaths("a whole-content operation must be alone in a plan")
    if whole:
        if plan.preconditions.limits:
            raise InvalidPlan("a limit needs an add on its path")
        return _whole_body(whole[0])
    body = rendering.Body()
    for path, group in _grouped(ops).items():
        _add_path_edit(body, path, group)
    _attach_limits(body, plan.preconditions.limits)
    return body


def _whole_body(op: WholeOperation) -> rendering.Body:
    stored, escaped = prepare(op.document)
    body = rendering.Body(escaped=escaped)
    if isinstance(op, Merge):
        body.guards.append(_ROOT_IS_OBJECT)
        for key, value in stored.items():
            target = f"{CONTENT}.{key}"
            if isinstance(value, dict):
                body.merges[target] = value
            else:
                body.values[target] = value
        return body
    if isinstance(op, ReplaceSameKind):
        body.guards.append(Guard(ROOT, frozenset({kind_of(op.document)}), KindMismatch))
    body.values[CONTENT] = stored
    body.replaces_content = True
    return body


def _grouped(ops: Sequence[Operation]) -> dict[Path, list[Operation]]:
    """Operations by path; refuses overlaps other than one add and one remove on a path."""
    groups: dict[Path, list[Operation]] = {}
    for op in ops:
        assert isinstance(op, PathOperation)
        groups.setdefault(op.path, []).append(op)
    for path, group in groups.items():
        if len(group) > 1 and sorted(type(op).__name__ for op in group) != ["Add", "Remove"]:
            raise OverlappingPaths(f"two operations on {'.'.join(path)}")
    # Sorted, a path that holds another is directly followed by one it holds: checking
    # neighbours finds every overlap (the paths are distinct keys).
    paths = sorted(groups)
    for a, b in pairwise(paths):
        if is_prefix(a, b):
            raise OverlappingPaths(f"{'.'.join(a)} and {'.'.join(b)} overlap")
    return groups


def _path_parts(path: Path) -> tuple[str, bool, tuple[Guard, ...]]:
    """A path's stored field, whether a key of it is escaped, and the guards of the
    objects above it: the same for every write that names the path."""
    reached = (_reached_into(path[:i]) for i in range(1, len(path)))
    return field_of(path), any(needs_escape(key) for key in path), (_ROOT_IS_OBJECT, *reached)


# Clients name the same paths write after write, and making their parts was over half of
# compiling a HighLevel update (42 -> about 30 us, timeit). A path is a client's keys, so what
# is kept is bounded in count and in length (at most about 6 MB).
_kept_path_parts = functools.lru_cache(maxsize=4096)(_path_parts)
KEPT_PATH_CHARS = 512


def _parts_of(path: Path) -> tuple[str, bool, tuple[Guard, ...]]:
    if sum(len(key) for key in path) <= KEPT_PATH_CHARS:
        return _kept_path_parts(path)
    return _path_parts(path)


def _add_path_edit(body: rendering.Body, path: Path, group: list[Operation]) -> None:
    target, escaped_path, above = _parts_of(path)
    body.escaped |= escaped_path
    body.guards.extend(above)
    for op in group:
        if type(op) in _TARGET_GUARDS:
            allowed, failure = _TARGET_GUARDS[type(op)]
            body.guards.append(Guard(path, allowed, failure))
        if isinstance(op, Set):
            body.values[target], escaped = prepare(op.value)
            body.escaped |= escaped
        elif isinstance(op, Unset):
            body.unsets.append(target)
        elif isinstance(op, Inc):
            prepare(op.by)  # refuses non-finite and out-of-range numbers
            body.incs[target] = op.by
        elif isinstance(op, Add):
            adds, escaped = prepare(list(op.values))
            body.arrays.setdefault(target, rendering.ArrayEdit()).adds = distinct(adds)
            body.escaped |= escaped
        elif isinstance(op, Remove):
            removes, _ = prepare(list(op.values))
            body.arrays.setdefault(target, rendering.ArrayEdit()).removes = removes


def _reached_into(path: Path) -> Guard:
    """An object a write reaches into must be an object or absent (a dotted path inside
    anything else would fail, or name an array's element)."""
    return Guard(path, OBJECT_OR_MISSING, NotAnObject)


def _attach_limits(body: rendering.Body, limits: Sequence[Limit]) -> None:
    for limit in limits:
        edit = body.arrays.get(field_of(limit.path))
        if edit is None or edit.adds is None:
            raise InvalidPlan("a limit needs an add on its path")
        if edit.limit is not None:
            raise InvalidPlan("two limits on one path")
        edit.limit = limit.max_items


def _top_level(
    plan: Plan, body: rendering.Body, now: datetime, version: int | None
) -> dict[str, Any]:
    """Top-level fields every write sets besides the content and `rev`."""
    top: dict[str, Any] = dict(plan.meta)
    top["updatedAt"] = now
    if body.replaces_content:
        top["keysEscaped"] = True if body.escaped else rendering.REMOVED
    elif body.escaped:
        top["keysEscaped"] = True
    if version is not None:
        top["version"] = version
    return top
