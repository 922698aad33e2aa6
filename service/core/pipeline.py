"""Aggregation expressions for the updates that one operator document cannot express.

Used when a plan adds to and removes from the same array (remove first, then add, order
kept), limits the size of a resulting array, or merges nested objects. Every value is
passed through `$literal`, so content can never be read as an expression.
"""

from __future__ import annotations

from typing import Any

# A top-level scratch field, removed by the last stage; content lives under `data`.
SCRATCH = "__rh"


def array_expression(field: str, adds: list[Any] | None, removes: list[Any] | None) -> Any:
    """The array at `field` with `removes` dropped, then the `adds` it lacks appended."""
    current = {"$ifNull": [f"${field}", []]}
    kept: Any = current
    if removes is not None:
        kept = {"$filter": {"input": current, "cond": {"$not": [_removed(removes)]}}}
    if adds is None:
        # $pull leaves an absent array absent; so does this form.
        return {"$cond": [{"$eq": [{"$type": f"${field}"}, "missing"]}, "$$REMOVE", kept]}
    fresh = {
        "$filter": {
            "input": {"$literal": adds},
            "cond": {"$not": [{"$in": ["$$this", "$$kept"]}]},
        }
    }
    return {"$let": {"vars": {"kept": kept}, "in": {"$concatArrays": ["$$kept", fresh]}}}


def _removed(removes: list[Any]) -> Any:
    """True for an element $pull with $in would drop: equal to a value, or an array holding one."""
    values = {"$literal": removes}
    inside = {"$gt": [{"$size": {"$setIntersection": ["$$this", values]}}, 0]}
    return {
        "$or": [
            {"$in": ["$$this", values]},
            {"$cond": [{"$isArray": "$$this"}, inside, False]},
        ]
    }


def merge_expression(field: str, patch: dict[str, Any]) -> Any:
    """Recursive merge of `patch` into the object at `field`; a non-object is replaced."""
    merged = {
        key: merge_expression(f"{field}.{key}", value)
        if isinstance(value, dict)
        else {"$literal": value}
        for key, value in patch.items()
    }
    is_object = {"$eq": [{"$type": f"${field}"}, "object"]}
    return {"$cond": [is_object, {"$mergeObjects": [f"${field}", merged]}, {"$literal": patch}]}


def increment_expression(field: str, by: int | float) -> Any:
    return {"$add": [{"$ifNull": [f"${field}", 0]}, by]}


def build_pipeline(
    assignments: dict[str, Any], unsets: list[str], limited: dict[str, tuple[Any, int]]
) -> list[dict[str, Any]]:
    """Stages applying `assignments` and `unsets`; with limits, all or nothing.

    With limits, the new arrays are computed once into the scratch field next to a copy
    of the record as it was; the last stages keep the result only when every limit holds
    and otherwise put the copy back, so the write changes nothing (the store sees a match
    without a modification, which a successful write never gives: it always bumps rev).
    """
    assignments = dict(assignments)
    stages: list[dict[str, Any]] = []
    if limited:
        scratch: dict[str, Any] = {"pre": "$$ROOT"}
        checks = []
        for n, (field, (expression, limit)) in enumerate(limited.items()):
            scratch[f"v{n}"] = expression
            assignments[field] = f"${SCRATCH}.v{n}"
            checks.append({"$lte": [{"$size": {"$ifNull": [f"${SCRATCH}.v{n}", []]}}, limit]})
        stages.append({"$set": {SCRATCH: scratch}})
        stages.append({"$set": {f"{SCRATCH}.ok": {"$and": checks}}})
    stages.append({"$set": assignments})
    if unsets:
        stages.append({"$unset": unsets})
    if limited:
        keep = {"$cond": [f"${SCRATCH}.ok", "$$ROOT", f"${SCRATCH}.pre"]}
        stages.append({"$replaceWith": keep})
        stages.append({"$unset": SCRATCH})
    return stages
