"""What a compiled plan writes (`Body`) and its two renderings: an operator document, or
an aggregation pipeline when operators cannot express it (service.core.compiler)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.core import pipeline
from service.core.documents import RECENT_WRITES
from service.core.guards import Guard


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
    def needs_pipeline(self) -> bool:
        if self.merges:
            return True
        for edit in self.arrays.values():
            if (edit.adds is not None and edit.removes is not None) or edit.limit is not None:
                return True
        return False


def render_operators(body: Body, top: dict[str, Any], write_id: str | None) -> dict[str, Any]:
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


def render_pipeline(body: Body, top: dict[str, Any], write_id: str | None) -> list[Any]:
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
