"""What a compiled plan writes (`Body`) and its two renderings: an operator document, or
an aggregation pipeline when operators cannot express it (service.core.compiler)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from service.core import pipeline
from service.core.documents import RECENT_WRITES
from service.core.guards import Guard
from service.core.kinds import equality_key
from service.core.paths import CONTENT, value_at

# SecantusDB applies an operator update's paths in time quadratic in their number (512
# dotted paths: 128 ms of its CPU, 4,000: 6 s), a pipeline's in linear time (54 ms, 0.3 s);
# they cost the same at about 128 (measured). Past that a body is a pipeline, and where it
# can be swapped (`Body.swappable`) the swap writes the content whole.
MAX_OPERATOR_PATHS = 128


class Removed:
    """The value in a write's top-level fields of one it removes instead (`keysEscaped` once
    the content needs no escape): the embedded database decodes and encodes every stored
    field on every write, and a missing field reads as the default all the same."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "REMOVED"


REMOVED = Removed()


def _kept_and_removed(top: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A write's top-level fields: those it sets, and the names of those it removes."""
    kept = {name: value for name, value in top.items() if value is not REMOVED}
    return kept, [name for name in top if name not in kept]


@dataclass
class ArrayEdit:
    adds: list[Any] | None = None
    removes: list[Any] | None = None
    limit: int | None = None


@dataclass
class Body:
    """What a plan writes, before it is rendered in one of the two forms."""

    values: dict[str, Any] = field(default_factory=dict)
    unsets: list[str] = field(default_factory=list)
    incs: dict[str, int | float] = field(default_factory=dict)
    arrays: dict[str, ArrayEdit] = field(default_factory=dict)
    merges: dict[str, dict[str, Any]] = field(default_factory=dict)
    guards: list[Guard] = field(default_factory=list)
    escaped: bool = False
    replaces_content: bool = False

    @property
    def paths(self) -> int:
        """How many content paths an operator rendering of the body writes, a merge's
        leaves each one; counted up to one past MAX_OPERATOR_PATHS."""
        count = len(self.values) + len(self.unsets) + len(self.incs) + len(self.arrays)
        for patch in self.merges.values():
            if count > MAX_OPERATOR_PATHS:
                break
            count += _leaves(patch, MAX_OPERATOR_PATHS + 1 - count)
        return count

    @property
    def swappable(self) -> bool:
        """Whether `render_swap` can write this body: its arrays (and merges) are computed
        here from the record as read. Increments stay with the database (an increment's
        integer widths are not Python's), and so do merges of few paths: their pipeline
        costs SecantusDB no more than the read and operators would (measured), while one of
        many paths costs it about 100 us a key and can outgrow the command's size limit."""
        return not self.incs and (not self.merges or self.paths > MAX_OPERATOR_PATHS)

    @property
    def needs_pipeline(self) -> bool:
        if self.merges or self.paths > MAX_OPERATOR_PATHS:
            return True
        for edit in self.arrays.values():
            if (edit.adds is not None and edit.removes is not None) or edit.limit is not None:
                return True
        return False


def _leaves(value: Any, budget: int) -> int:
    """The leaves of a merge's patch value (an empty object is one), counted up to `budget`."""
    if not isinstance(value, dict) or not value:
        return 1
    count = 0
    for child in value.values():
        count += _leaves(child, budget - count)
        if count >= budget:
            break
    return count


def render_operators(body: Body, top: dict[str, Any], write_id: str | None) -> dict[str, Any]:
    kept, removed = _kept_and_removed(top)
    update: dict[str, Any] = {"$set": {**body.values, **kept}, "$inc": {**body.incs, "rev": 1}}
    if body.unsets or removed:
        update["$unset"] = dict.fromkeys([*body.unsets, *removed], "")
    adds = {f: {"$each": e.adds} for f, e in body.arrays.items() if e.adds is not None}
    pulls = {f: {"$in": e.removes} for f, e in body.arrays.items() if e.removes is not None}
    if adds:
        update["$addToSet"] = adds
    if pulls:
        update["$pull"] = pulls
    if write_id is not None:
        update["$push"] = {"recentWrites": {"$each": [write_id], "$slice": -RECENT_WRITES}}
    return update


def render_pipeline(body: Body, top: dict[str, Any], write_id: str | None) -> list[Any]:
    kept, removed = _kept_and_removed(top)
    assign: dict[str, Any] = {f: {"$literal": v} for f, v in {**body.values, **kept}.items()}
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
    return pipeline.build_pipeline(assign, [*body.unsets, *removed], limited)


def render_swap(
    body: Body, top: dict[str, Any], document: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """What the pipeline would write to `document` (the record as read), as operators:
    each edited array computed here and set whole. For a write guarded by the record's
    revision, so it lands only on the record it was computed from. Returns the update, the
    document as it then stands, and whether every size limit holds."""
    values = dict(body.values)
    within = True
    for target, edit in body.arrays.items():
        found, current = _field_value(document, target)
        if not found and edit.adds is None:
            continue  # removing from an absent array leaves it absent
        values[target] = edited_array(current if found else [], edit.adds, edit.removes)
        if edit.limit is not None and len(values[target]) > edit.limit:
            within = False
    for target, patch in body.merges.items():
        values[target] = merged(_field_value(document, target)[1], patch)
    update = render_operators(replace(body, values=values, arrays={}, merges={}), top, None)
    after = applied(document, update)
    if body.paths > MAX_OPERATOR_PATHS:  # too many paths for operators: the content whole
        update = render_operators(Body(values={CONTENT: after[CONTENT]}), top, None)
    return update, after, within


def computable(update: dict[str, Any]) -> bool:
    """Whether `applied` can compute what the operator `update` does: it sets and removes
    fields and bumps `rev`, nothing else."""
    return update.get("$inc") == {"rev": 1} and set(update) <= {"$set", "$unset", "$inc"}


def applied(document: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`document` as an operator update of `$set`, `$unset` and the `rev` increment leaves
    it (the update's guards held, so every object on its paths is an object or absent).
    Objects on the written paths are copied, the rest shared: `document` stays as read."""
    after = dict(document)
    copies: set[int] = {id(after)}
    for target, value in update["$set"].items():
        *parents, last = target.split(".")
        _copied_path(after, parents, copies)[last] = value
    for target in update.get("$unset", {}):
        if _field_value(after, target)[0]:  # $unset creates nothing on its way
            *parents, last = target.split(".")
            del _copied_path(after, parents, copies)[last]
    after["rev"] += 1
    return after


def merged(current: Any, patch: dict[str, Any]) -> Any:
    """`pipeline.merge_expression` evaluated here: `patch` merged into `current` when it
    is an object (nested objects merged, anything else replaced), else `patch` itself."""
    if not isinstance(current, dict):
        return patch
    out = dict(current)  # $mergeObjects: stored keys keep their places, new ones follow
    for key, value in patch.items():
        out[key] = merged(out.get(key), value) if isinstance(value, dict) else value
    return out


def edited_array(
    current: list[Any], adds: list[Any] | None, removes: list[Any] | None
) -> list[Any]:
    """`pipeline.array_expression` evaluated here: `removes` dropped as $pull with $in
    drops them (an element that is an array goes when it holds one), then the `adds` it
    lacks appended; equality is the database's (service.core.kinds.equality_key)."""
    kept = current
    if removes is not None:
        gone = {equality_key(value) for value in removes}
        kept = [
            element
            for element in current
            if equality_key(element) not in gone
            and not (isinstance(element, list) and any(equality_key(e) in gone for e in element))
        ]
    if adds is None:
        return kept
    present = {equality_key(element) for element in kept}
    return kept + [value for value in adds if equality_key(value) not in present]


def _field_value(document: dict[str, Any], target: str) -> tuple[bool, Any]:
    """(found, value) at a dotted stored field of `document`."""
    return value_at(document, tuple(target.split(".")))


def _copied_path(document: dict[str, Any], parents: list[str], copies: set[int]) -> dict[str, Any]:
    """The object at `parents` in `document`, it and those above it copies of their own
    (made once, remembered in `copies`); an absent one is created, as $set creates it.
    The guards held, so every prefix is an object or absent."""
    node = document
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            child = {}
        elif id(child) not in copies:
            child = dict(child)
        copies.add(id(child))
        node[name] = child
        node = child
    return node
