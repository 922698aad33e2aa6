"""Definitions: the typed containers a dialect defines per project (a collection, a schema,
an object type and its fields, a list, ...), one collection told apart by `category`.

Every write bumps the definition's `rev`; `update(..., expected_rev=n)` is a compare-and-
swap on it, so two editors of one definition cannot both win from the same revision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.core.queries import Query
from service.errors import AlreadyExists, InvalidPlan, NotFound, RevisionMismatch
from service.store import transactions
from service.store.client import Database
from service.store.errors import translated
from service.store.queries import Rendered, cursor, render

DEFINITIONS = "definitions"


@translated
async def ensure_indexes(db: Database) -> None:
    await db[DEFINITIONS].create_index([("project", 1), ("category", 1), ("_id", 1)])
    await db[DEFINITIONS].create_index(
        [("project", 1), ("category", 1), ("key", 1)],
        unique=True,
        partialFilterExpression={"key": {"$type": "string"}},
    )


def _new(
    project: str, category: str, attrs: dict[str, Any], definition_id: str | None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        **attrs,
        "_id": definition_id or str(ObjectId()),
        "project": project,
        "category": category,
        "rev": 0,
        "createdAt": now,
        "updatedAt": now,
    }


def _merged(changes: dict[str, Any], merge_lists: dict[str, str]) -> dict[str, Any]:
    """A pipeline stage setting `changes`, merging the lists of `merge_lists`. Values go
    in as literals: a pipeline reads a string starting with `$` as a field path."""
    stage: dict[str, Any] = {name: {"$literal": value} for name, value in changes.items()}
    for name, item_key in merge_lists.items():
        if name not in changes:
            continue
        named = [item[item_key] for item in changes[name]]
        others = {
            "$filter": {
                "input": {"$ifNull": [f"${name}", []]},
                "cond": {"$not": [{"$in": [f"$$this.{item_key}", {"$literal": named}]}]},
            }
        }
        stage[name] = {"$concatArrays": [{"$literal": changes[name]}, others]}
    stage["updatedAt"] = {"$literal": datetime.now(UTC)}
    stage["rev"] = {"$add": [{"$ifNull": ["$rev", 0]}, 1]}
    return stage


def _selector(project: str, category: str, definition_id: str) -> dict[str, Any]:
    return {"_id": definition_id, "project": project, "category": category}


@translated
async def create(
    db: Database,
    *,
    project: str,
    category: str,
    attrs: dict[str, Any],
    definition_id: str | None = None,
) -> dict[str, Any]:
    """Insert a definition; `attrs["key"]`, when given, is unique per (project, category)."""
    doc = _new(project, category, attrs, definition_id)
    try:
        await db[DEFINITIONS].insert_one(doc)
    except DuplicateKeyError:
        raise AlreadyExists(f"{category} already exists") from None
    return doc


@translated
async def get(
    db: Database, *, project: str, category: str, definition_id: str, session: Any = None
) -> dict[str, Any]:
    selector = _selector(project, category, definition_id)
    doc = await db[DEFINITIONS].find_one(selector, session=session)
    if doc is None:
        raise NotFound(f"{category} not found")
    return dict(doc)


@translated
async def ensure_index(db: Database, fields: Sequence[str]) -> None:
    """Finds by these fields (after project), as a dialect's loads need."""
    await db[DEFINITIONS].create_index([("project", 1), *((name, 1) for name in fields)])


def _selected(project: str, categories: Sequence[str], query: Query | None) -> Rendered:
    base = {"project": project, "category": {"$in": list(categories)}}
    return render(query or Query(), base, lambda key: key)


@translated
async def find(
    db: Database,
    project: str,
    categories: Sequence[str],
    query: Query | None = None,
    session: Any = None,
) -> list[dict[str, Any]]:
    """The definitions of these categories that `query` selects (metadata fields are the
    definition's fields), in its order, oldest first by default."""
    selected = _selected(project, categories, query)
    found = cursor(db[DEFINITIONS], selected, session=session, default_sort=[("_id", 1)])
    return [dict(doc) async for doc in found]


@translated
async def pull(
    db: Database,
    project: str,
    category: str,
    query: Query,
    values: dict[str, Any],
    session: Any = None,
) -> bool:
    """Remove `values` from list fields of the definition `query` selects (one write)."""
    rendered = _selected(project, (category,), query)
    update = {
        "$pull": {name: {"$in": list(found)} for name, found in values.items()},
        "$set": {"updatedAt": datetime.now(UTC)},
        "$inc": {"rev": 1},
    }
    result = await db[DEFINITIONS].update_one(rendered.filter, update, session=session)
    return bool(result.matched_count)


@translated
async def delete(
    db: Database, project: str, category: str, definition_id: str, session: Any = None
) -> None:
    result = await db[DEFINITIONS].delete_one(
        _selector(project, category, definition_id), session=session
    )
    if not result.deleted_count:
        raise NotFound(f"{category} not found")


@translated
async def create_limited(
    db: Database, *, project: str, category: str, attrs: dict[str, Any], limit: int
) -> dict[str, Any] | None:
    """Insert a definition unless the project has `limit` of its category already (None).

    Count and insert run in one transaction that also writes the category's guard, so two
    creates cannot both count below the limit and both insert."""
    doc = _new(project, category, attrs, None)
    mine = {"project": project, "category": category}

    async def work(session: Any) -> bool:
        if await db[DEFINITIONS].count_documents(mine, session=session) >= limit:
            return False
        await transactions.guard(db, session, project=project, name=category)
        await db[DEFINITIONS].insert_one(doc, session=session)
        return True

    return doc if await transactions.run(db, work) else None


@translated
async def update(
    db: Database,
    *,
    project: str,
    category: str,
    definition_id: str,
    changes: dict[str, Any],
    unset: tuple[str, ...] = (),
    expected_rev: int | None = None,
    merge_lists: dict[str, str] | None = None,
    session: Any = None,
) -> dict[str, Any]:
    """Set (and unset) fields atomically and return the definition as it is afterwards.

    `merge_lists` {field: item key}: the list in `changes[field]` is merged into the
    stored one instead of replacing it; a stored item whose key the new list does not
    name stays (another client may have added it meanwhile).
    With `expected_rev`, the write applies only at that revision (the condition is in the
    filter); a miss is told apart afterwards: NotFound if the definition is gone,
    RevisionMismatch (details: the current rev) if another write came first."""
    operation: Any = {
        "$set": {**changes, "updatedAt": datetime.now(UTC)},
        "$inc": {"rev": 1},
    }
    if unset:
        operation["$unset"] = dict.fromkeys(unset, "")
    if merge_lists and any(name in changes for name in merge_lists):
        if unset:
            raise InvalidPlan("a list merge cannot unset")
        operation = [{"$set": _merged(changes, merge_lists)}]
    selector = _selector(project, category, definition_id)
    condition = selector if expected_rev is None else {**selector, "rev": expected_rev}
    # update + read rather than findAndModify: SecantusDB scans the collection for the latter.
    try:
        result = await db[DEFINITIONS].update_one(condition, operation, session=session)
    except DuplicateKeyError:
        raise AlreadyExists(f"{category} already exists") from None
    if result.matched_count == 0:
        current = await db[DEFINITIONS].find_one(selector, {"rev": 1}, session=session)
        if current is None:
            raise NotFound(f"{category} not found")
        raise RevisionMismatch(f"{category} changed meanwhile", details={"rev": current.get("rev")})
    return await get(
        db, project=project, category=category, definition_id=definition_id, session=session
    )
