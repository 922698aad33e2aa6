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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from service.core import pipeline
from service.core.documents import RECENT_WRITES, check_meta
from service.core.fieldnames import needs_escape, prepare
from service.core.guards import Guard, filter_for, first_failure
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
from service.core.paths import CONTENT, ROOT, Path, field_of, overlap
from service.errors import (
    InvalidPlan,
    KindMismatch,
    LimitExceeded,
    NotAnArray,
    NotAnObject,
    NotANumber,
    OverlappingPaths,
    RevisionMismatch,
)

OBJECT_OR_MISSING = frozenset({Kind.OBJECT, "missing"})
_ROOT_IS_OBJECT = Guard(ROOT, frozenset({Kind.OBJECT}), NotAnObject)  # path edits and merges
_TARGET_GUARDS = {
    Add: (frozenset({Kind.ARRAY, "missing"}), NotAnArray),
    Remove: (frozenset({Kind.ARRAY, "missing"}), NotAnArray),
    Inc: (frozenset({Kind.NUMBER, "missing"}), NotANumber),
}
_MESSAGES: dict[type[KindMismatch], str] = {
    NotAnObject: "the value at {path} is not an object",
    NotAnArray: "the value at {path} is not an array",
    NotANumber: "the value at {path} is not a number",
    KindMismatch: "the stored content is not of the expected kind",
}


@dataclass
class _ArrayEdit:
    adds: list[Any] | None = None
    removes: list[Any] | None = None
    limit: int | None = None


@dataclass
class _Body:
    """What a plan writes, before it is rendered in one of the two forms."""

    values: dict[str, Any] = field(default_factory=dict)
    unsets: list[str] = field(default_factory=list)
    incs: dict[str, int | float] = field(default_factory=dict)
    arrays: dict[str, _ArrayEdit] = field(default_factory=dict)
    merges: dict[str, dict[str, Any]] = field(default_factory=dict)
    guards: list[Guard] = field(default_factory=list)
    escaped: bool = False
    replaces_content: bool = False

    @property
    def needs_pipeline(self) -> bool:
        if self.merges:
            return True
        for edit in self.arrays.values():
            if (edit.adds is not None and edit.removes is not None) or edit.limit is not None:
                return True
        return False


@dataclass(frozen=True, slots=True)  # slots: one is built on every write
class CompiledUpdate:
    filter: dict[str, Any]
    update: dict[str, Any] | list[dict[str, Any]]
    guards: tuple[Guard, ...] = ()
    expected_rev: int | None = None
    limits: tuple[Limit, ...] = ()

    def explain(self, rev: Any, content: Any) -> RevisionMismatch | KindMismatch | None:
        """Why a record with this revision and (restored) content misses the filter."""
        if self.expected_rev is not None and rev != self.expected_rev:
            return revision_mismatch(rev, self.expected_rev)
        guard = first_failure(self.guards, content)
        if guard is None:
            return None
        shown = ".".join(guard.path) or "the root"
        message = _MESSAGES[guard.failure].format(path=shown)
        return guard.failure(message, details={"path": list(guard.path)})

    def limit_failure(self) -> LimitExceeded:
        """The error for a match the pipeline declined: a size limit would be exceeded."""
        limits = [{"path": list(lim.path), "max": lim.max_items} for lim in self.limits]
        shown = ", ".join(f"{'.'.join(lim.path)} <= {lim.max_items}" for lim in self.limits)
        return LimitExceeded(
            f"the update would exceed a limit ({shown})", details={"limits": limits}
        )


def revision_mismatch(rev: Any, expected: int) -> RevisionMismatch:
    return RevisionMismatch(
        f"the record is at revision {rev}, not {expected}",
        details={"rev": rev, "expected": expected},
    )


def compile_plan(
    plan: Plan, *, now: datetime, write_id: str | None = None, version: int | None = None
) -> CompiledUpdate:
    """The one update applying `plan`; `write_id` is remembered in `recentWrites` (batches
    use it to tell which records a multi-record write changed), `version` sets the counter."""
    ops = plan.operations
    if (
        len(ops) == 1
        and type(ops[0]) is Replace
        and plan.preconditions is NO_PRECONDITIONS
        and not plan.meta
        and write_id is None
    ):
        return _compile_replace(ops[0].document, now, version)
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
    new = {CONTENT: {}, "rev": -1, "version": 0, "createdAt": now}
    is_new = {"$eq": [{"$type": "$rev"}, "missing"]}
    start = {"$mergeObjects": ["$$ROOT", {"$literal": new}]}
    first = {"$replaceWith": {"$cond": [is_new, start, "$$ROOT"]}}
    return replace(compiled, update=[first, *compiled.update])


def _compile_replace(document: Any, now: datetime, version: int | None) -> CompiledUpdate:
    """A lone Replace: the commonest write (a PUT of a whole record) and the simplest. The
    same update the general path renders for it (a property test holds them equal), built
    without its guards and bodies: on the hot path they cost more than the write's BSON."""
    stored, escaped = prepare(document)
    top: dict[str, Any] = {CONTENT: stored, "updatedAt": now, "keysEscaped": escaped}
    if version is not None:
        top["version"] = version
    return CompiledUpdate(filter={}, update={"$set": top, "$inc": {"rev": 1}})


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
    guards = list(dict.fromkeys(body.guards))  # paths share their prefixes' guards
    if plan.preconditions.kind is not None:
        guards.append(Guard(ROOT, frozenset({plan.preconditions.kind}), KindMismatch))
    conditions: dict[str, Any] = filter_for(guards)
    if plan.preconditions.rev is not None:
        conditions["rev"] = plan.preconditions.rev
    top = _top_level(plan, body, now, version)
    if body.needs_pipeline or as_pipeline:
        update: Any = _render_pipeline(body, top, write_id)
    else:
        update = _render_operators(body, top, write_id)
    return CompiledUpdate(
        filter=conditions,
        update=update,
        guards=tuple(guards),
        expected_rev=plan.preconditions.rev,
        limits=tuple(plan.preconditions.limits),
    )


def _body_of(plan: Plan) -> _Body:
    ops = plan.operations
    whole = [op for op in ops if isinstance(op, WholeOperation)]
    if whole and len(ops) > 1:
        raise OverlappingPaths("a whole-content operation must be alone in a plan")
    if whole:
        if plan.preconditions.limits:
            raise InvalidPlan("a limit needs an add on its path")
        return _whole_body(whole[0])
    body = _Body()
    for path, group in _grouped(ops).items():
        _add_path_edit(body, path, group)
    _attach_limits(body, plan.preconditions.limits)
    return body


def _whole_body(op: WholeOperation) -> _Body:
    stored, escaped = prepare(op.document)
    body = _Body(escaped=escaped)
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
    paths = list(groups)
    for i, a in enumerate(paths):
        for b in paths[i + 1 :]:
            if overlap(a, b):
                raise OverlappingPaths(f"{'.'.join(a)} and {'.'.join(b)} overlap")
    return groups


def _add_path_edit(body: _Body, path: Path, group: list[Operation]) -> None:
    target = field_of(path)
    body.escaped |= any(needs_escape(key) for key in path)
    body.guards.append(_ROOT_IS_OBJECT)
    body.guards.extend(Guard(path[:i], OBJECT_OR_MISSING, NotAnObject) for i in range(1, len(path)))
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
            body.arrays.setdefault(target, _ArrayEdit()).adds = distinct(adds)
            body.escaped |= escaped
        elif isinstance(op, Remove):
            removes, _ = prepare(list(op.values))
            body.arrays.setdefault(target, _ArrayEdit()).removes = removes


def _attach_limits(body: _Body, limits: Sequence[Limit]) -> None:
    for limit in limits:
        edit = body.arrays.get(field_of(limit.path))
        if edit is None or edit.adds is None:
            raise InvalidPlan("a limit needs an add on its path")
        if edit.limit is not None:
            raise InvalidPlan("two limits on one path")
        edit.limit = limit.max_items


def _top_level(plan: Plan, body: _Body, now: datetime, version: int | None) -> dict[str, Any]:
    """Top-level fields every write sets besides the content and `rev`."""
    top: dict[str, Any] = dict(plan.meta)
    top["updatedAt"] = now
    if body.replaces_content:
        top["keysEscaped"] = body.escaped
    elif body.escaped:
        top["keysEscaped"] = True
    if version is not None:
        top["version"] = version
    return top


def _render_operators(body: _Body, top: dict[str, Any], write_id: str | None) -> dict[str, Any]:
    update: dict[str, Any] = {"$set": {**body.values, **top}, "$inc": {**body.incs, "rev": 1}}
    if body.unsets:
        update["$unset"] = dict.fromkeys(body.unsets, "")
    adds = {f: {"$each": e.adds} for f, e in body.arrays.items() if e.adds is not None}
    pulls = {f: {"$in": e.removes} for f, e in body.arrays.items() if e.removes is not None}
    if adds:
        update["$addToSet"] = adds
    if pulls:
        update["$pull"] = pulls
    if write_id is not None:
        update["$push"] = {"recentWrites": {"$each": [write_id], "$slice": -RECENT_WRITES}}
    return update


def _render_pipeline(body: _Body, top: dict[str, Any], write_id: str | None) -> list[Any]:
    assign: dict[str, Any] = {f: {"$literal": v} for f, v in {**body.values, **top}.items()}
    assign.update({f: pipeline.increment_expression(f, by) for f, by in body.incs.items()})
    assign.update({f: pipeline.merge_expression(f, p) for f, p in body.merges.items()})
    limited: dict[str, tuple[Any, int]] = {}
    for target, edit in body.arrays.items():
        expression = pipeline.array_expression(target, edit.adds, edit.removes)
        if edit.limit is None:
            assign[target] = expression
        else:
            limited[target] = (expression, edit.limit)
    assign["rev"] = {"$add": ["$rev", 1]}
    if write_id is not None:
        recent = {"$concatArrays": [{"$ifNull": ["$recentWrites", []]}, [write_id]]}
        assign["recentWrites"] = {"$slice": [recent, -RECENT_WRITES]}
    return pipeline.build_pipeline(assign, body.unsets, limited)
